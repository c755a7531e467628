// Time as the rest of the bridge sees it: wall clock for timestamps, monotonic clock for durations,
// and timers, all behind one interface so tests can drive them without sleeping.

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Wall-clock time in epoch milliseconds (for timestamps shown to people). */
  now(): number;
  /** Monotonic milliseconds (for durations and ages; never jumps with NTP or suspend). */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

class SystemClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.set(id, timer);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const timer = this.timers.get(handle.id);
    if (timer) clearTimeout(timer);
    this.timers.delete(handle.id);
  }
}

export const systemClock: Clock = new SystemClock();

/**
 * A clock that only moves when told to. Wall and monotonic time advance together unless a test
 * makes the wall clock jump (to simulate NTP corrections or a suspended host).
 */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startWallMs = Date.UTC(2026, 0, 1)) {
    this.wall = startWallMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.mono + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  /** Number of timers still waiting to fire. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Advances both clocks by `ms`, firing due timers in order (timers set by timers fire too). */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.timers) {
        if (t.at <= target && (t.at < nextAt || (t.at === nextAt && nextId !== undefined && id < nextId))) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId);
      this.timers.delete(nextId);
      this.wall += nextAt - this.mono;
      this.mono = nextAt;
      timer?.fn();
    }
    this.wall += target - this.mono;
    this.mono = target;
  }

  /** Moves only the wall clock, as a suspend/resume or an NTP step would appear to the process. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}
