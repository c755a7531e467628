// The verdict in 3–5 plain sentences with the numbers that decided it ("27 of 30 sessions ended
// 19–21 min after they began"), for the people who read the page; the statistics behind them stay
// in `evidence`, for those who want them.

import type { Analysis } from './analysisTypes.js';
import type { RefusalFacts, SystemResult } from './dropEvidence.js';
import { plural } from './format.js';
import { type GapTest, type LifetimeTest, SIMULATIONS } from './nullTests.js';
import { CLOCK_SKEW_LIMIT_S, IMMEDIATE_SECONDS, MIN_EPISODES, SYSTEM_EVENT_WINDOW_MS } from './thresholds.js';

export interface SummaryFacts {
  hours: number;
  drops: number;
  episodes: number;
  gapsS: number[];
  lifetimesS: number[];
  timing: GapTest;
  life: LifetimeTest;
  lifetimeMatch: string | null;
  immediate: number;
  load: { ratio: number; p: number; before: number; usual: number; measured: number };
  system: SystemResult;
  refusal: RefusalFacts;
  dominant: { name: string; count: number } | null;
  halfOpenShare: number;
  sameClockTime: string | null;
  episodesNeeded: number;
}

/** "20 min", "2.0 h", "45 s": short durations for sentences. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 3 * 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** How often chance would give this, in words. */
export function chanceText(p: number): string {
  if (!Number.isFinite(p)) return 'cannot be told yet';
  if (p <= 1.5 / (SIMULATIONS + 1)) return `less than once in ${SIMULATIONS.toLocaleString('en')} tries`;
  if (p < 0.1) return `about once in ${Math.round(1 / p)} tries`;
  return `${Math.round(p * 100)} % of the time`;
}

/** How many of `values` lie within the central band around their median (median ± 2 MAD, at least ±1 %). */
function band(values: readonly number[]): { inside: number; lo: number; hi: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid =
    sorted.length % 2
      ? (sorted[sorted.length >> 1] as number)
      : ((sorted[(sorted.length >> 1) - 1] as number) + (sorted[sorted.length >> 1] as number)) / 2;
  const dev = sorted.map((v) => Math.abs(v - mid)).sort((a, b) => a - b);
  const mad =
    dev.length % 2
      ? (dev[dev.length >> 1] as number)
      : ((dev[(dev.length >> 1) - 1] as number) + (dev[dev.length >> 1] as number)) / 2;
  const half = Math.max(2 * mad, 0.01 * mid);
  const lo = mid - half;
  const hi = mid + half;
  return { inside: values.filter((v) => v >= lo && v <= hi).length, lo, hi };
}

function range(lo: number, hi: number): string {
  const a = duration(Math.max(0, lo));
  const b = duration(hi);
  const unit = b.replace(/^[\d.]+ /, '');
  return a.endsWith(` ${unit}`) ? `${a.replace(` ${unit}`, '')}–${b}` : `${a}–${b}`;
}

export function summarize(verdict: Analysis['verdict'], f: SummaryFacts): string[] {
  const watched = `The bridge watched the link for ${duration(f.hours * 3600)} and saw ${plural(f.drops, 'drop')}${
    f.episodes !== f.drops
      ? ` in ${plural(f.episodes, 'episode')} (drops less than a minute apart count as one)`
      : ''
  }.`;
  const errors =
    f.dominant && f.drops > 0
      ? `${f.dominant.count === f.drops ? 'All' : `${f.dominant.count} of ${f.drops}`} ended with ${f.dominant.name}.`
      : null;
  const out = [watched];
  switch (verdict) {
    case 'regular_interval': {
      const b = band(f.gapsS);
      out.push(
        `${b.inside} of ${plural(f.gapsS.length, 'gap')} between drops were ${range(b.lo, b.hi)} long.`,
      );
      out.push(`Drops at random times would be spaced that evenly ${chanceText(f.timing.pRegular)}.`);
      if (f.sameClockTime) out.push(`They also come at the same ${f.sameClockTime}.`);
      break;
    }
    case 'fixed_lifetime': {
      const b = band(f.lifetimesS);
      out.push(
        `${b.inside} of ${plural(f.lifetimesS.length, 'session')} ended ${range(b.lo, b.hi)} after they began.`,
      );
      if (f.lifetimeMatch) out.push(`That is ${f.lifetimeMatch}.`);
      out.push(`Sessions ending at random would be that alike ${chanceText(f.life.p)}.`);
      break;
    }
    case 'random':
      out.push(
        `The gaps between drops vary as much as they would if drops struck at random; no rhythm, burst, load or host event explains them.`,
      );
      if (errors) out.push(errors);
      break;
    case 'irregular':
      out.push(
        'The gaps between drops are more even than chance would make them, but too uneven for a fixed period.',
      );
      if (errors) out.push(errors);
      break;
    case 'bursty':
      out.push(
        `The gaps between drops vary ${f.timing.cv.toFixed(1)} times their average; random drops would vary that much ${chanceText(f.timing.pBursty)}.`,
      );
      if (errors) out.push(errors);
      break;
    case 'load_correlated':
      out.push(
        `In the 5 minutes before a drop the link carried ${Math.round(f.load.before)} messages on average, against ${Math.round(f.load.usual)} usually (${f.load.ratio.toFixed(1)}×).`,
      );
      out.push(
        `Random 5-minute windows are that busy ${chanceText(f.load.p)}; the bridge's own requests after each reconnect are not counted.`,
      );
      break;
    case 'system_events':
      out.push(
        `${f.system.matched} of ${plural(f.episodes, 'drop episode')} came within ${SYSTEM_EVENT_WINDOW_MS / 60_000} minutes of a host event; by chance about ${f.system.expected.toFixed(1)} would.`,
      );
      out.push(`Drops placed at random would meet that many host events ${chanceText(f.system.p)}.`);
      break;
    case 'immediate_rejection':
      out.push(
        `${f.immediate} of ${plural(f.lifetimesS.length, 'session')} ended less than ${IMMEDIATE_SECONDS} s after connecting.`,
      );
      if (errors) out.push(errors);
      break;
    case 'half_open':
      out.push(
        `${Math.round(f.halfOpenShare * 100)} % of the drops were pings or requests that got no answer.`,
      );
      break;
    case 'reconnect_failing': {
      const r = f.refusal;
      out.push(
        `Since the last drop the cloud refused ${plural(r.refusals, 'reconnect')} (WEBSOCKET_UPGRADE_FAILURE).`,
      );
      out.push(
        r.oldestCredentialAge === null
          ? 'The age of the credentials they were signed with is not known.'
          : `They were signed with credentials at most ${duration(r.oldestCredentialAge)} old.`,
      );
      out.push(
        r.clockOffsetS === null
          ? "The cloud's clock has not been seen yet."
          : `The cloud's clock is ${duration(Math.abs(r.clockOffsetS))} ${r.clockOffsetS >= 0 ? 'ahead of' : 'behind'} this host's (signatures fail beyond ${CLOCK_SKEW_LIMIT_S / 60} minutes).`,
      );
      if (r.restAnswered + r.restUnreachable > 0) {
        out.push(
          `NaviLink's REST API answered ${r.restAnswered} of ${plural(r.restAnswered + r.restUnreachable, 'call')} during the outage.`,
        );
      }
      break;
    }
    case 'collecting_baseline':
      if (f.drops > 0)
        out.push(`A pattern needs ${MIN_EPISODES} separate drop episodes; ${f.episodesNeeded} more to go.`);
      break;
    default:
      break;
  }
  return out.slice(0, 5);
}
