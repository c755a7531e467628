// The small statistics the drop-pattern classifier is built from: robust centre and
// spread, burstiness, the Rayleigh test, rank correlation, a seeded RNG and a Poisson rate comparison.

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

/** Population standard deviation (σ over the n values themselves, as the burstiness papers use). */
export function stdDev(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const mu = mean(values);
  let total = 0;
  for (const v of values) total += (v - mu) * (v - mu);
  return Math.sqrt(total / values.length);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** Coefficient of variation σ/μ. */
export function coefficientOfVariation(values: readonly number[]): number {
  const mu = mean(values);
  return mu > 0 ? stdDev(values) / mu : Number.NaN;
}

/** Goh & Barabási burstiness B = (σ − μ)/(σ + μ): −1 periodic, 0 Poisson, towards 1 bursty. */
export function burstiness(values: readonly number[]): number {
  const mu = mean(values);
  const sigma = stdDev(values);
  return sigma + mu > 0 ? (sigma - mu) / (sigma + mu) : Number.NaN;
}

/**
 * Kim & Jo's finite-size corrected burstiness A_n for `events` events with r = σ/μ of their
 * inter-event times (PRE 94, 032311, 2016): removes the bias B has for small samples.
 */
export function correctedBurstiness(r: number, events: number): number {
  if (!Number.isFinite(r) || events < 3) return Number.NaN;
  const a = Math.sqrt(events + 1);
  const b = Math.sqrt(events - 1);
  const denominator = (a - 2) * r + b;
  return denominator === 0 ? Number.NaN : (a * r - b) / denominator;
}

export interface RayleighResult {
  /** Mean resultant length R̄ in [0, 1]: 0 = phases spread evenly, 1 = all at the same phase. */
  r: number;
  /** Zar's approximation of the p-value for "phases are uniform". */
  p: number;
}

/** Rayleigh test of the phases 2π·(t mod period)/period; times and period in the same unit. */
export function rayleighTest(times: readonly number[], period: number): RayleighResult {
  const n = times.length;
  if (n < 2 || !(period > 0)) return { r: Number.NaN, p: Number.NaN };
  let sumCos = 0;
  let sumSin = 0;
  for (const t of times) {
    const phase = (2 * Math.PI * (((t % period) + period) % period)) / period;
    sumCos += Math.cos(phase);
    sumSin += Math.sin(phase);
  }
  const resultant = Math.hypot(sumCos, sumSin);
  const r = resultant / n;
  const p = Math.exp(Math.sqrt(1 + 4 * n + 4 * (n * n - resultant * resultant)) - (1 + 2 * n));
  return { r, p: Math.min(1, Math.max(0, p)) };
}

/** Ranks with ties given their average rank (1-based). */
function ranks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const out = new Array<number>(values.length).fill(0);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.value === order[i]?.value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      const entry = order[k];
      if (entry) out[entry.index] = rank;
    }
    i = j + 1;
  }
  return out;
}

/** Spearman rank correlation; NaN when either series is constant or too short. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 3) return Number.NaN;
  const rx = ranks(x.slice(0, n));
  const ry = ranks(y.slice(0, n));
  const mx = mean(rx);
  const my = mean(ry);
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (rx[i] as number) - mx;
    const dy = (ry[i] as number) - my;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : Number.NaN;
}

/** mulberry32: a tiny seeded generator, so the permutation test gives the same answer every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const logNFact = logGamma(n + 1);
  let total = 0;
  for (let j = 0; j <= k; j++) {
    total += Math.exp(
      logNFact - logGamma(j + 1) - logGamma(n - j + 1) + j * Math.log(p) + (n - j) * Math.log(1 - p),
    );
  }
  return Math.min(1, total);
}

export interface RateComparison {
  rateBefore: number;
  rateAfter: number;
  /** One-sided p for "fewer events after than the exposure explains". */
  pFewerAfter: number;
  /** One-sided p for "more events after". */
  pMoreAfter: number;
  /** Two-sided p for "the rate changed". */
  pChanged: number;
}

/**
 * Compares two Poisson rates (k1 events in t1, k2 in t2) with the conditional binomial test:
 * given k1 + k2 events, k2 ~ Binomial(k1 + k2, t2 / (t1 + t2)) when the rate did not change.
 */
export function comparePoissonRates(k1: number, t1: number, k2: number, t2: number): RateComparison {
  const n = k1 + k2;
  const share = t2 / (t1 + t2);
  const pFewerAfter = n === 0 ? 1 : binomialCdf(k2, n, share);
  const pMoreAfter = n === 0 ? 1 : 1 - binomialCdf(k2 - 1, n, share);
  return {
    rateBefore: t1 > 0 ? k1 / t1 : Number.NaN,
    rateAfter: t2 > 0 ? k2 / t2 : Number.NaN,
    pFewerAfter,
    pMoreAfter,
    pChanged: Math.min(1, 2 * Math.min(pFewerAfter, pMoreAfter)),
  };
}

/** Rounds to 4 significant digits for evidence shown to people; keeps tiny p-values readable. */
export function sig(value: number): number | null {
  if (!Number.isFinite(value)) return null;
  const rounded = Number(value.toPrecision(4));
  return Number.isFinite(rounded) ? rounded : value; // rounding near MAX_VALUE can overflow
}
