// Messages on the wire over time, for the load test: 5-minute bins for a week, and the last five
// whole minutes for the load just before a drop. The bridge's own burst right after each
// (re)connect (its feature and status requests and their echoes) is kept out of both, so a drop
// cannot look "load-correlated" because of the traffic the bridge itself sends after it.

import { RingBuffer } from './ringBuffer.js';

/** The load series resolution (messages sent plus received per bin). */
export const LOAD_BIN_MS = 5 * 60_000;
/** One week of 5-minute bins. */
export const LOAD_BINS_RETAINED = 7 * 24 * 12;

export interface LoadBin {
  /** This run's bin number; NaN for a restored bin (never matches a new one). */
  bin: number;
  monoMs: number;
  wallMs: number;
  messages: number;
}

export class LoadSeries {
  readonly bins = new RingBuffer<LoadBin>(LOAD_BINS_RETAINED);
  private readonly minuteOf = [-1, -1, -1, -1, -1];
  private readonly minuteCount = [0, 0, 0, 0, 0];
  private current: LoadBin | null = null;

  /** One message at `monoMs` (wall time `wallMs`); cheap, called for every message. */
  record(monoMs: number, wallMs: number): void {
    const minute = Math.floor(monoMs / 60_000);
    const slot = minute % 5;
    if (this.minuteOf[slot] !== minute) {
      this.minuteOf[slot] = minute;
      this.minuteCount[slot] = 0;
    }
    this.minuteCount[slot] = (this.minuteCount[slot] ?? 0) + 1;
    const bin = Math.floor(monoMs / LOAD_BIN_MS);
    let current = this.current;
    if (current === null || current.bin !== bin) {
      const binStartMono = bin * LOAD_BIN_MS;
      current = { bin, monoMs: binStartMono, wallMs: wallMs - (monoMs - binStartMono), messages: 0 };
      this.current = current;
      this.bins.push(current);
    }
    current.messages++;
  }

  /** Messages in the five whole minutes up to `monoMs` (the minute it falls in included). */
  lastFiveMinutes(monoMs: number): number {
    const minute = Math.floor(monoMs / 60_000);
    let total = 0;
    for (let slot = 0; slot < 5; slot++) {
      const age = minute - (this.minuteOf[slot] ?? -1);
      if (age >= 0 && age < 5) total += this.minuteCount[slot] ?? 0;
    }
    return total;
  }

  /** Puts a saved run's bins before this run's; `toMono` places them on this run's timeline. */
  restore(saved: Array<{ wallMs: number; messages: number }>, toMono: (wallMs: number) => number): void {
    const own = this.bins.toArray();
    this.bins.clear();
    for (const b of saved) {
      this.bins.push({ bin: Number.NaN, monoMs: toMono(b.wallMs), wallMs: b.wallMs, messages: b.messages });
    }
    for (const b of own) this.bins.push(b);
  }
}
