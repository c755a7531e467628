// The virtual clock every simulated component runs on. Time moves only when the simulation says
// so; between two timer callbacks every pending promise reaction runs (one macrotask turn drains
// them all: nothing in the simulation waits on real I/O or real timers), so a run is a pure
// function of its seed. Timers are tagged with the component that set them, to catch leaks.

import type { Clock, TimerHandle } from '../../src/util/clock.js';

interface Timer {
  at: number;
  fn: () => void;
  owner: string;
}

/** Lets every promise reaction that is already due run (setImmediate is not a timer: it only yields). */
export function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimScheduler {
  private wall: number;
  private mono = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  /** Problems the clock itself saw (a timer callback that threw, a delay that is not a number). */
  readonly faults: string[] = [];
  firedTimers = 0;

  constructor(startWallMs = Date.UTC(2026, 0, 1)) {
    this.wall = startWallMs;
  }

  /** A Clock view whose timers are counted against `owner`. */
  clockFor(owner: string): Clock {
    return {
      now: () => this.wall,
      monotonic: () => this.mono,
      setTimeout: (fn, ms) => this.setTimer(owner, fn, ms),
      clearTimeout: (handle) => this.clearTimer(handle),
    };
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(owner: string, fn: () => void, ms: number): TimerHandle {
    if (typeof ms !== 'number' || Number.isNaN(ms)) {
      this.faults.push(`${owner} set a timer with delay ${String(ms)}`);
      ms = 0;
    }
    const id = this.nextId++;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn, owner });
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  /** Live timers, optionally only those of one owner. */
  pending(owner?: string): number {
    if (owner === undefined) return this.timers.size;
    let count = 0;
    for (const timer of this.timers.values()) if (timer.owner === owner) count++;
    return count;
  }

  /** In how many ms each live timer of `owner` fires (for leak reports). */
  dueIn(owner: string): number[] {
    const out: number[] = [];
    for (const timer of this.timers.values())
      if (timer.owner === owner) out.push(Math.round(timer.at - this.mono));
    return out.sort((a, b) => a - b);
  }

  pendingByOwner(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const timer of this.timers.values()) out[timer.owner] = (out[timer.owner] ?? 0) + 1;
    return out;
  }

  /** Monotonic time of the next timer, if any. */
  nextDue(): number | undefined {
    let best: number | undefined;
    for (const timer of this.timers.values()) if (best === undefined || timer.at < best) best = timer.at;
    return best;
  }

  /**
   * Advances both clocks by `ms`, firing due timers in (time, creation) order and letting every
   * promise reaction run after each. `afterEach` runs after every fired timer (invariant checks).
   */
  async advance(ms: number, afterEach?: () => void): Promise<void> {
    const target = this.mono + Math.max(0, ms);
    await drainMicrotasks();
    for (;;) {
      let nextId: number | undefined;
      let next: Timer | undefined;
      for (const [id, timer] of this.timers) {
        if (timer.at > target) continue;
        if (!next || timer.at < next.at) {
          next = timer;
          nextId = id;
        }
      }
      if (!next || nextId === undefined) break;
      this.timers.delete(nextId);
      this.wall += next.at - this.mono;
      this.mono = next.at;
      this.firedTimers++;
      try {
        next.fn();
      } catch (error) {
        this.faults.push(`a timer of ${next.owner} threw: ${(error as Error)?.stack ?? String(error)}`);
      }
      await drainMicrotasks();
      afterEach?.();
    }
    this.wall += target - this.mono;
    this.mono = target;
    await drainMicrotasks();
  }

  /** Moves only the wall clock (NTP step, suspend/resume); monotonic time never jumps. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}
