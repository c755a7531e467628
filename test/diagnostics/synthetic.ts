// Synthetic drop histories for the pattern-analysis tests, generated from a seeded RNG so every run
// sees the same data: the session/outage bookkeeping of a real link, with the drop times a test chooses.

import type {
  AnalysisConfigEpoch,
  AnalysisConnection,
  AnalysisDrop,
  AnalysisInput,
  AnalysisLoadBin,
  AnalysisSystemEvent,
} from '../../src/diagnostics/patterns.js';
import { seededRandom } from '../../src/diagnostics/stats.js';

export const HOUR_S = 3600;
export const DAY_S = 86_400;
/** 2026-01-05 00:00 UTC: a Monday, so time-of-day phases are easy to reason about. */
export const START_WALL_MS = Date.UTC(2026, 0, 5);
const BIN_MS = 300_000;

export type Rng = () => number;
export const rng = (seed: number): Rng => seededRandom(seed);
export const uniform = (random: Rng, lo: number, hi: number): number => lo + (hi - lo) * random();
export const exponential = (random: Rng, mean: number): number => -mean * Math.log(1 - random());

export interface HistoryOptions {
  /** Seconds from the start of observation at which the link dropped, ascending. */
  dropTimesS: number[];
  hours: number;
  random: Rng;
  errorName?: string | ((index: number) => string);
  /** How long each reconnect takes, seconds. */
  outageS?: () => number;
  keepAliveSecs?: number | null;
  /** Messages per 5-minute bin; `beforeDrop` is true for the bin just before a drop's. */
  loadPerBin?: (beforeDrop: boolean) => number;
  systemEvents?: Array<{ atS: number; kind: string; detail?: string }>;
  configEpochs?: Array<{ atS: number; settings: Record<string, string | number | boolean> }>;
  /** Lifetime override (seconds) for drop i; by default the time since the previous reconnect. */
  lifetimeS?: (index: number) => number;
}

/** Builds the analysis input a collector would have produced for these drop times. */
export function history(options: HistoryOptions): AnalysisInput {
  const { random } = options;
  const outage = options.outageS ?? (() => uniform(random, 1, 3));
  const ms = (s: number) => s * 1000;
  const drops: AnalysisDrop[] = [];
  const connections: AnalysisConnection[] = [
    { wallMs: START_WALL_MS, monoMs: 0, eventType: 'connected', timeToReconnectSeconds: null },
  ];
  let connectedAt = 0;
  options.dropTimesS.forEach((t, i) => {
    const name =
      typeof options.errorName === 'function'
        ? options.errorName(i)
        : (options.errorName ?? 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    const lifetime = options.lifetimeS ? options.lifetimeS(i) : t - connectedAt;
    drops.push({
      wallMs: START_WALL_MS + ms(t),
      monoMs: ms(t),
      errorName: name,
      lifetimeSeconds: Math.max(0, lifetime),
      reconnectAttempt: 0,
      messagesBefore: null,
    });
    const back = outage();
    connectedAt = t + back;
    if (connectedAt < options.hours * HOUR_S) {
      connections.push({
        wallMs: START_WALL_MS + ms(connectedAt),
        monoMs: ms(connectedAt),
        eventType: 'resumed',
        timeToReconnectSeconds: back,
      });
    }
  });
  const loadBins: AnalysisLoadBin[] = [];
  if (options.loadPerBin) {
    const marked = new Set<number>();
    for (const t of options.dropTimesS) marked.add(Math.floor(ms(t) / BIN_MS) - 1);
    const bins = Math.ceil(ms(options.hours * HOUR_S) / BIN_MS);
    for (let b = 0; b < bins; b++) {
      loadBins.push({
        wallMs: START_WALL_MS + b * BIN_MS,
        monoMs: b * BIN_MS,
        messages: Math.max(0, Math.round(options.loadPerBin(marked.has(b)))),
      });
    }
    // What the collector records at a drop: the messages of the (about) five minutes before it.
    for (const drop of drops) {
      const before = loadBins[Math.floor(drop.monoMs / BIN_MS) - 1];
      drop.messagesBefore = before ? before.messages : null;
    }
  }
  const systemEvents: AnalysisSystemEvent[] = (options.systemEvents ?? []).map((e) => ({
    wallMs: START_WALL_MS + ms(e.atS),
    monoMs: ms(e.atS),
    kind: e.kind,
    detail: e.detail ?? e.kind,
  }));
  const configEpochs: AnalysisConfigEpoch[] = (options.configEpochs ?? []).map((e) => ({
    wallMs: START_WALL_MS + ms(e.atS),
    monoMs: ms(e.atS),
    settings: e.settings,
  }));
  return {
    drops,
    connections,
    reconnectFailures: [],
    loadBins,
    loadBinMs: BIN_MS,
    systemEvents,
    configEpochs,
    credentialRenewals: [],
    hoursCollected: options.hours,
    nowMonoMs: ms(options.hours * HOUR_S),
    nowWallMs: START_WALL_MS + ms(options.hours * HOUR_S),
    connected: true,
    keepAliveSecs: options.keepAliveSecs === undefined ? 60 : options.keepAliveSecs,
  };
}

/** Drop times of a Poisson process with the given mean gap, within `hours`. */
export function poissonTimes(random: Rng, meanGapS: number, hours: number, startS = 0): number[] {
  const times: number[] = [];
  let t = startS + exponential(random, meanGapS);
  while (t < startS + hours * HOUR_S) {
    times.push(t);
    t += exponential(random, meanGapS);
  }
  return times;
}
