// The tests behind every verdict, each against a null distribution that fits the data: where no
// closed form does, the null is simulated (a Poisson drop process grouped into episodes exactly as
// the real drops were) or permuted (load windows, drop times against host events). All draws come
// from a seeded generator, so the same history always gives the same answer.

import { median, rayleighTest, seededRandom } from './stats.js';
import { EPISODE_MERGE_MS } from './thresholds.js';

/** Draws per test: precision of the p-values (the smallest is 1/(SIMULATIONS + 1)), not a threshold. */
export const SIMULATIONS = 1000;
/** The statistics use the newest this many values, so a long history costs no more than this. */
export const MAX_SAMPLE = 120;
/** Raw gaps followed per simulated episode: beyond this a simulated storm ends (bounds the cost). */
const MAX_DROPS_PER_EPISODE = 50;

export type Random = () => number;

function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** MAD/median: a spread that one outlier (a missed drop, a long outage) cannot inflate. */
export function madRatio(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  // Typed arrays sort numerically and fast: this runs thousands of times per analysis.
  const sorted = Float64Array.from(values).sort();
  const m = medianOfSorted(sorted);
  if (!(m > 0)) return Number.NaN;
  for (let i = 0; i < n; i++) sorted[i] = Math.abs((sorted[i] as number) - m);
  return medianOfSorted(sorted.sort()) / m;
}

function cvOf(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  const mu = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += ((values[i] as number) - mu) ** 2;
  return mu > 0 ? Math.sqrt(sq / values.length) / mu : Number.NaN;
}

const exponential = (random: Random, mean: number): number => -mean * Math.log(1 - random());

export interface GapTest {
  /** Gaps the statistics were computed on (the newest MAX_SAMPLE). */
  n: number;
  madRatio: number;
  cv: number;
  /** P(a Poisson history's gaps are spread as little as these): small = more regular than chance. */
  pRegular: number;
  /** P(a Poisson history's gaps vary as much as these): small = burstier than chance. */
  pBursty: number;
}

/**
 * Gaps between episode starts (seconds) against a Poisson drop process with the observed drop rate
 * (`meanDropGapS`, the observation divided by the drops), whose drops are merged into episodes as
 * the real ones were: the null a timer, a burst or chance is told apart from.
 */
export function gapTest(gapsS: readonly number[], meanDropGapS: number, random: Random): GapTest {
  const sample = gapsS.slice(-MAX_SAMPLE);
  const n = sample.length;
  const observedMad = madRatio(sample);
  const observedCv = cvOf(sample);
  if (n < 2 || !Number.isFinite(observedMad) || !(meanDropGapS > 0)) {
    return { n, madRatio: observedMad, cv: observedCv, pRegular: Number.NaN, pBursty: Number.NaN };
  }
  const mergeS = EPISODE_MERGE_MS / 1000;
  const simulated = new Float64Array(n);
  let asRegular = 0;
  let asBursty = 0;
  for (let s = 0; s < SIMULATIONS; s++) {
    for (let i = 0; i < n; i++) {
      let gap = 0;
      for (let k = 0; k < MAX_DROPS_PER_EPISODE; k++) {
        const raw = exponential(random, meanDropGapS);
        gap += raw;
        if (raw >= mergeS) break;
      }
      simulated[i] = gap;
    }
    if (madRatio(simulated) <= observedMad) asRegular++;
    if (cvOf(simulated) >= observedCv) asBursty++;
  }
  return {
    n,
    madRatio: observedMad,
    cv: observedCv,
    pRegular: (asRegular + 1) / (SIMULATIONS + 1),
    pBursty: (asBursty + 1) / (SIMULATIONS + 1),
  };
}

export interface LifetimeTest {
  n: number;
  madRatio: number;
  median: number;
  /** P(memoryless sessions, i.e. exponential lifetimes, are spread as little as these). */
  p: number;
}

/** Session lifetimes against sessions that end at random (exponential lifetimes; the ratio is scale-free). */
export function lifetimeTest(lifetimesS: readonly number[], random: Random): LifetimeTest {
  const sample = lifetimesS.slice(-MAX_SAMPLE);
  const n = sample.length;
  const observed = madRatio(sample);
  const mid = median(sample);
  if (n < 2 || !Number.isFinite(observed)) return { n, madRatio: observed, median: mid, p: Number.NaN };
  const simulated = new Float64Array(n);
  let asTight = 0;
  for (let s = 0; s < SIMULATIONS; s++) {
    for (let i = 0; i < n; i++) simulated[i] = exponential(random, 1);
    if (madRatio(simulated) <= observed) asTight++;
  }
  return { n, madRatio: observed, median: mid, p: (asTight + 1) / (SIMULATIONS + 1) };
}

export interface ClockTest {
  periodS: number;
  r: number;
  /** Rayleigh p, Bonferroni-corrected for the periods tried. */
  p: number;
  cycles: number;
}

/**
 * Phase-locking to the wall clock at periods chosen before looking at the data (a day: the same
 * time of day; an hour: the same minute of the hour), so the Rayleigh p-value is valid. The best
 * period is returned, its p corrected for how many were tried.
 */
export function clockTest(wallMs: readonly number[], periodsS: readonly number[]): ClockTest | null {
  if (wallMs.length < 2 || periodsS.length === 0) return null;
  const spanS = ((wallMs.at(-1) as number) - (wallMs[0] as number)) / 1000;
  let best: ClockTest | null = null;
  for (const periodS of periodsS) {
    const { r, p } = rayleighTest(
      wallMs.map((t) => t / 1000),
      periodS,
    );
    const corrected = Math.min(1, p * periodsS.length);
    const candidate = { periodS, r, p: corrected, cycles: spanS / periodS };
    if (best === null || candidate.p < best.p) best = candidate;
  }
  return best;
}

export interface LoadTest {
  /** Episodes with a measured load before them. */
  k: number;
  before: number;
  usual: number;
  ratio: number;
  /** P(k random 5-minute windows carry as much load as the k windows before the drops). */
  p: number;
}

/**
 * The load in the window before each episode (the bridge's own post-reconnect burst already left
 * out by the collector) against windows drawn at random from the load series: a permutation test.
 */
export function loadTest(
  before: readonly number[],
  windows: readonly number[],
  random: Random,
): LoadTest | null {
  const k = before.length;
  const size = windows.length;
  if (k === 0 || size === 0) return null;
  let observed = 0;
  for (const v of before) observed += v;
  let total = 0;
  for (const v of windows) total += v;
  const usual = total / size;
  const meanBefore = observed / k;
  const pool = Array.from(windows);
  let atLeast = 0;
  for (let s = 0; s < SIMULATIONS; s++) {
    let sampled = 0;
    for (let j = 0; j < k; j++) {
      // Without replacement while there are windows left; with replacement beyond (k > size).
      const pick = j < size ? j + Math.floor(random() * (size - j)) : Math.floor(random() * size);
      if (j < size) {
        const chosen = pool[pick] as number;
        pool[pick] = pool[j] as number;
        pool[j] = chosen;
        sampled += chosen;
      } else {
        sampled += pool[pick] as number;
      }
    }
    if (sampled >= observed - 1e-9) atLeast++;
  }
  return {
    k,
    before: meanBefore,
    usual,
    ratio: usual > 0 ? meanBefore / usual : meanBefore > 0 ? Number.POSITIVE_INFINITY : Number.NaN,
    p: (atLeast + 1) / (SIMULATIONS + 1),
  };
}

export interface CoincidenceTest {
  matched: number;
  /** How many episodes would lie that near an event by chance (mean over shuffles). */
  expected: number;
  /** P(as many episodes near an event when the episodes are placed at random in the observation). */
  p: number;
}

/** Episode starts near host events, against the same number of starts shuffled over the observation. */
export function coincidenceTest(
  starts: readonly number[],
  events: readonly number[],
  window: { startMs: number; endMs: number; nearMs: number },
  random: Random,
): CoincidenceTest {
  const sorted = [...events].sort((a, b) => a - b);
  const near = (t: number): boolean => {
    // Binary search for the first event at or after t - nearMs.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sorted[mid] as number) < t - window.nearMs) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && (sorted[lo] as number) <= t + window.nearMs;
  };
  let matched = 0;
  for (const t of starts) if (near(t)) matched++;
  const span = Math.max(0, window.endMs - window.startMs);
  if (sorted.length === 0 || starts.length === 0 || span === 0) return { matched, expected: 0, p: 1 };
  let atLeast = 0;
  let total = 0;
  for (let s = 0; s < SIMULATIONS; s++) {
    let m = 0;
    for (let i = 0; i < starts.length; i++) if (near(window.startMs + random() * span)) m++;
    total += m;
    if (m >= matched) atLeast++;
  }
  return { matched, expected: total / SIMULATIONS, p: (atLeast + 1) / (SIMULATIONS + 1) };
}

export { seededRandom };
