// A clock that runs `speed` times faster than real time, for live tests that need hours of link
// history in seconds: the bridge and the simulator both run on it, so every timer, lifetime and
// timestamp between them agrees (wall and monotonic time move together: no clock jumps).

import type { Clock, TimerHandle } from '../../src/util/clock.js';

export class ScaledClock implements Clock {
  private readonly realStart = performance.now();
  private readonly wallStart = Date.now();
  private nextId = 1;
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(readonly speed: number) {}

  now(): number {
    return this.wallStart + this.monotonic();
  }

  monotonic(): number {
    return (performance.now() - this.realStart) * this.speed;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        fn();
      },
      Math.max(0, ms / this.speed),
    );
    this.timers.set(id, timer);
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const timer = this.timers.get(handle.id);
    if (timer) clearTimeout(timer);
    this.timers.delete(handle.id);
  }

  /** Resolves after `virtualMs` of this clock's time. */
  sleep(virtualMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, virtualMs / this.speed)));
  }
}
