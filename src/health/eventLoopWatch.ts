// Notices event-loop stalls: a timer through the injected clock that should fire every `tickMs`;
// when it fires late by `thresholdMs` or more, the loop was blocked (a long synchronous job, GC
// thrash, a starved process) for about that long. Keeps the longest recent stall for health.

import type { Clock, TimerHandle } from '../util/clock.js';
import type { Instant } from './health.js';

export interface EventLoopWatchOptions {
  clock: Clock;
  /** Default 1000 ms: a stall is measured to within one tick. */
  tickMs?: number;
  /** Lateness recorded as a stall (default 1000 ms; health decides which stalls matter). */
  thresholdMs?: number;
  /** Stalls are remembered this long (default 5 min). */
  keepMs?: number;
  /** Called after every tick (and after a stall was recorded), e.g. to recompute health. */
  onTick?: () => void;
  /** Called once per stall at or above `thresholdMs`, with its length. */
  onStall?: (stallMs: number) => void;
}

export interface StallFacts {
  lastStallMs: number | null;
  /** When it ended. */
  lastStallAt: Instant | null;
}

const MAX_STALLS = 64;

export class EventLoopWatch {
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly thresholdMs: number;
  private readonly keepMs: number;
  private timer: TimerHandle | undefined;
  private expectedAt = 0;
  /** Stalls of the last `keepMs`, oldest first, at most MAX_STALLS. */
  private stalls: Array<{ ms: number; at: Instant }> = [];

  constructor(private readonly options: EventLoopWatchOptions) {
    this.clock = options.clock;
    this.tickMs = Math.max(10, options.tickMs ?? 1000);
    this.thresholdMs = Math.max(1, options.thresholdMs ?? 1000);
    this.keepMs = options.keepMs ?? 300_000;
  }

  start(): void {
    if (this.timer) return;
    this.arm();
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The longest stall of the last `keepMs` (the newest of equals): a short stall right after a
   * long one must not hide the long one from health.
   */
  facts(): StallFacts {
    this.prune(this.clock.monotonic());
    let longest: { ms: number; at: Instant } | undefined;
    for (const stall of this.stalls) if (!longest || stall.ms >= longest.ms) longest = stall;
    return longest
      ? { lastStallMs: longest.ms, lastStallAt: { ...longest.at } }
      : { lastStallMs: null, lastStallAt: null };
  }

  private prune(now: number): void {
    while (this.stalls.length > 0 && now - (this.stalls[0]?.at.mono ?? now) > this.keepMs)
      this.stalls.shift();
  }

  private arm(): void {
    this.expectedAt = this.clock.monotonic() + this.tickMs;
    this.timer = this.clock.setTimeout(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    const now = this.clock.monotonic();
    const lateMs = now - this.expectedAt;
    this.arm();
    if (lateMs >= this.thresholdMs) {
      this.stalls.push({ ms: lateMs, at: { mono: now, wall: this.clock.now() } });
      if (this.stalls.length > MAX_STALLS) this.stalls.shift();
      this.options.onStall?.(lateMs);
    }
    this.options.onTick?.();
  }
}
