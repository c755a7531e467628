// Where the link is between a success and the next drop: the current session (monotonic start, for
// its length) and the current outage (its start and the attempts it took), plus the statistics of
// ended sessions. A session starts at every success and ends at the next drop, or at a success that
// replaces it.

import { z } from 'zod';
import { RingBuffer } from './ringBuffer.js';
import { msToSeconds } from './types.js';

/** Session durations kept for `sample_durations`. */
export const SAMPLE_DURATIONS = 20;

export const sessionStatsSchema = z.object({
  count: z.number().int().nonnegative(),
  sumSeconds: z.number().nonnegative(),
  minSeconds: z.number().nonnegative().nullable(),
  maxSeconds: z.number().nonnegative(),
  samples: z.array(z.number()),
});
export type SessionStats = z.infer<typeof sessionStatsSchema>;

export interface SessionEnd {
  /** Seconds the session lasted; null when the link was already down. */
  durationSeconds: number | null;
  startedAtWall: number | null;
  sessionPresent: boolean;
}

export class SessionTracker {
  private connectedNow = false;
  private startMono: number | null = null;
  private startWall: number | null = null;
  private present = false;
  private outageStartMono: number | null = null;
  private attemptsInOutage = 0;

  private count = 0;
  private sumSeconds = 0;
  private minSeconds: number | null = null;
  private maxSeconds = 0;
  private readonly samples = new RingBuffer<number>(SAMPLE_DURATIONS);

  get connected(): boolean {
    return this.connectedNow;
  }

  /** The link dropped: the session (if one was up) ends and an outage begins (if none was running). */
  drop(monoMs: number): SessionEnd {
    const end: SessionEnd = { durationSeconds: null, startedAtWall: null, sessionPresent: false };
    if (this.connectedNow && this.startMono !== null) {
      end.durationSeconds = msToSeconds(monoMs - this.startMono);
      end.startedAtWall = this.startWall;
      end.sessionPresent = this.present;
      this.ended(end.durationSeconds);
    }
    this.connectedNow = false;
    this.startMono = null;
    this.startWall = null;
    if (this.outageStartMono === null) {
      this.outageStartMono = monoMs;
      this.attemptsInOutage = 0;
    }
    return end;
  }

  /**
   * A success: a live session it replaces ends, the outage (if any) ends, a new session starts.
   * Returns the outage's length and the attempts it took (at least 1), or nulls when there was none.
   */
  connect(
    monoMs: number,
    wallMs: number,
    sessionPresent: boolean,
    attemptNumber: number,
  ): { timeToReconnectSeconds: number | null; attemptsTaken: number | null; wasConnected: boolean } {
    const wasConnected = this.connectedNow;
    if (this.connectedNow && this.startMono !== null) this.ended(msToSeconds(monoMs - this.startMono));
    let timeToReconnectSeconds: number | null = null;
    let attemptsTaken: number | null = null;
    if (this.outageStartMono !== null) {
      timeToReconnectSeconds = msToSeconds(monoMs - this.outageStartMono);
      attemptsTaken = Math.max(1, this.attemptsInOutage, attemptNumber);
    }
    this.outageStartMono = null;
    this.attemptsInOutage = 0;
    this.connectedNow = true;
    this.startMono = monoMs;
    this.startWall = wallMs;
    this.present = sessionPresent;
    return { timeToReconnectSeconds, attemptsTaken, wasConnected };
  }

  attempt(): void {
    if (!this.connectedNow) this.attemptsInOutage++;
  }

  uptimeSeconds(monoMs: number): number {
    return this.connectedNow && this.startMono !== null ? msToSeconds(monoMs - this.startMono) : 0;
  }

  outageSeconds(monoMs: number): number | null {
    return this.outageStartMono === null ? null : msToSeconds(monoMs - this.outageStartMono);
  }

  outageAttempts(): number {
    return this.attemptsInOutage;
  }

  /** Wall-clock ms at which the current session started; null while disconnected. */
  startedAtWall(): number | null {
    return this.connectedNow ? this.startWall : null;
  }

  stats(): SessionStats {
    return {
      count: this.count,
      sumSeconds: this.sumSeconds,
      minSeconds: this.minSeconds,
      maxSeconds: this.maxSeconds,
      samples: this.samples.toArray(),
    };
  }

  /** Adds a saved run's ended sessions (their samples before this run's). */
  restore(saved: SessionStats): void {
    this.count += saved.count;
    this.sumSeconds += saved.sumSeconds;
    this.maxSeconds = Math.max(this.maxSeconds, saved.maxSeconds);
    if (saved.minSeconds !== null) {
      this.minSeconds =
        this.minSeconds === null ? saved.minSeconds : Math.min(this.minSeconds, saved.minSeconds);
    }
    const own = this.samples.toArray();
    this.samples.clear();
    for (const d of [...saved.samples, ...own]) this.samples.push(d);
  }

  private ended(durationSeconds: number): void {
    const d = Math.max(0, durationSeconds);
    this.count++;
    this.sumSeconds += d;
    this.maxSeconds = Math.max(this.maxSeconds, d);
    this.minSeconds = this.minSeconds === null ? d : Math.min(this.minSeconds, d);
    this.samples.push(d);
  }
}
