// The evidence behind a verdict: drop episodes, error breakdown, load correlation (permutation
// test), host events near drops, reconnect health, configuration epochs and the checklist.

import type { Clean, Drop } from './analysisInput.js';
import { MAX_LOAD_BINS } from './analysisInput.js';
import type { Analysis } from './analysisTypes.js';
import { errorMeaning, UPGRADE_FAILURE } from './errorMeanings.js';
import { plural } from './format.js';
import { coincidenceTest, loadTest } from './nullTests.js';
import { perDay } from './numbers.js';
import { comparePoissonRates, median, seededRandom, sig } from './stats.js';
import type { SummaryFacts } from './summary.js';
import {
  ALPHA,
  CLOCK_SKEW_LIMIT_S,
  EPISODE_MERGE_MS,
  EPOCH_ALPHA,
  FAILING_AFTER_REFUSALS,
  FRESH_CREDENTIALS_S,
  LOAD_RATIO,
  MIN_EPISODES,
  MIN_RATE_HOURS,
  MIN_SYSTEM_MATCHES,
  SYSTEM_EVENT_WINDOW_MS,
} from './thresholds.js';

export interface Episode {
  start: number; // monotonic ms of the first drop
  wall: number;
  drops: Drop[];
}

export function episodesOf(drops: Drop[]): Episode[] {
  const episodes: Episode[] = [];
  let previous: number | null = null;
  for (const drop of drops) {
    const last = episodes[episodes.length - 1];
    if (last && previous !== null && drop.t - previous < EPISODE_MERGE_MS) last.drops.push(drop);
    else episodes.push({ start: drop.t, wall: drop.wall, drops: [drop] });
    previous = drop.t;
  }
  return episodes;
}

export interface Context {
  c: Clean;
  evidence: Analysis['evidence'];
  labels: Set<string>;
  advice: string[];
  /** The deciding numbers, for the plain-sentence summary; set once the statistics are done. */
  summaryFacts?: SummaryFacts;
}

export function breakdown(drops: Drop[]): Analysis['errorBreakdown'] {
  const counts = new Map<string, number>();
  for (const d of drops) counts.set(d.error, (counts.get(d.error) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, count]) => ({ name, count, meaning: errorMeaning(name) }));
}

export interface LoadResult {
  correlated: boolean;
  ratio: number;
  p: number;
  peakPerSecond: number;
  meanPerBin: number;
  /** Episodes whose load before them was measured. */
  measured: number;
}

/**
 * The load in the ~5 minutes before each episode's first drop (the collector leaves the bridge's own
 * post-reconnect requests and their echoes out) against 5-minute windows drawn at random from the
 * load series: a permutation test. The window that holds the drop and the reconnect after it is
 * never part of "before".
 */
export function loadCorrelation(ctx: Context, episodes: Episode[]): LoadResult {
  const { c, evidence } = ctx;
  const none: LoadResult = {
    correlated: false,
    ratio: Number.NaN,
    p: Number.NaN,
    peakPerSecond: Number.NaN,
    meanPerBin: Number.NaN,
    measured: 0,
  };
  evidence.load_ratio = null;
  evidence.load_p = null;
  if (c.bins.length === 0) return none;
  const windows = c.bins.slice(-MAX_LOAD_BINS).map((b) => b.messages);
  let total = 0;
  let peak = 0;
  for (const v of windows) {
    total += v;
    peak = Math.max(peak, v);
  }
  const meanPerBin = total / windows.length;
  const peakPerSecond = peak / (c.binMs / 1000);
  evidence.load_bins = windows.length;
  evidence.load_mean_per_bin = sig(meanPerBin);
  evidence.load_peak_per_second = sig(peakPerSecond);
  const before = episodes.flatMap((e) => {
    const first = e.drops[0];
    return first && first.messagesBefore !== null ? [first.messagesBefore] : [];
  });
  evidence.load_episodes_measured = before.length;
  evidence.median_messages_before_drop = before.length > 0 ? sig(median(before)) : null;
  const base = { ...none, peakPerSecond, meanPerBin, measured: before.length };
  if (total <= 0 || before.length < MIN_EPISODES) return base;
  const test = loadTest(before, windows, seededRandom(c.seed ^ 0x10ad));
  if (!test) return base;
  evidence.load_ratio = sig(test.ratio);
  evidence.load_p = sig(test.p);
  const correlated = test.p < ALPHA && test.ratio >= LOAD_RATIO;
  if (correlated) ctx.labels.add('load_correlated');
  return { ...base, correlated, ratio: test.ratio, p: test.p };
}

export interface SystemResult {
  matched: number;
  expected: number;
  p: number;
  fraction: number;
  correlated: boolean;
  kinds: Map<string, number>;
}

/**
 * Host events (not our own restarts) within SYSTEM_EVENT_WINDOW_MS of an episode start, against how
 * many episodes would lie that near one by chance (the episode starts shuffled over the observation).
 */
export function systemEventCorrelation(ctx: Context, episodes: Episode[]): SystemResult {
  const { c, evidence, labels } = ctx;
  const events = c.systemEvents.filter((e) => e.kind !== 'bridge_restart');
  const kinds = new Map<string, number>();
  for (const episode of episodes) {
    const near = events.filter((e) => Math.abs(e.t - episode.start) <= SYSTEM_EVENT_WINDOW_MS);
    for (const kind of new Set(near.map((e) => e.kind))) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const test = coincidenceTest(
    episodes.map((e) => e.start),
    events.map((e) => e.t),
    { startMs: c.startT, endMs: c.endT, nearMs: SYSTEM_EVENT_WINDOW_MS },
    seededRandom(c.seed ^ 0x5e7),
  );
  const fraction = episodes.length > 0 ? test.matched / episodes.length : 0;
  evidence.system_events = events.length;
  evidence.episodes_near_system_events = test.matched;
  evidence.episodes_near_system_events_by_chance = sig(test.expected);
  evidence.system_event_fraction = episodes.length > 0 ? sig(fraction) : null;
  evidence.system_event_p = events.length > 0 && episodes.length > 0 ? sig(test.p) : null;
  evidence.bridge_restarts = c.systemEvents.length - events.length;
  const correlated = episodes.length >= MIN_EPISODES && test.matched >= MIN_SYSTEM_MATCHES && test.p < ALPHA;
  if (correlated) labels.add('system_events');
  return { matched: test.matched, expected: test.expected, p: test.p, fraction, correlated, kinds };
}

/** What the bridge knows about why the cloud refuses handshakes. */
export interface RefusalFacts {
  /** Refused handshakes (WEBSOCKET_UPGRADE_FAILURE) since the last drop. */
  refusals: number;
  /** The oldest credentials one of them was signed with, seconds; null if no age was recorded. */
  oldestCredentialAge: number | null;
  /** Every refusal was signed with credentials younger than FRESH_CREDENTIALS_S. */
  credentialsFresh: boolean;
  /** The cloud's clock minus ours, seconds (the newest REST answer with a Date header); null if unknown. */
  clockOffsetS: number | null;
  clockSkewed: boolean;
  /** REST calls since the last drop that were answered / not answered. */
  restAnswered: number;
  restUnreachable: number;
}

export interface ReconnectHealth {
  outages: number;
  unrecovered: number;
  lastUnrecovered: boolean;
  medianTimeToReconnect: number;
  failingNow: boolean;
  upgradeFailuresSinceDrop: number;
  upgradeFailuresAfterRenewal: number;
  refusal: RefusalFacts;
}

/** Credentials (age known and fresh) and the clock (offset known and within the limit) both beyond suspicion. */
export function refusalFacts(c: Clean): RefusalFacts {
  const lastDrop = c.drops[c.drops.length - 1];
  const since = lastDrop ? lastDrop.t : Number.NEGATIVE_INFINITY;
  const refused = c.failures.filter((f) => f.t >= since && f.error === UPGRADE_FAILURE);
  const ages = refused.flatMap((f) => (f.credentialAge === null ? [] : [f.credentialAge]));
  const oldest = ages.length > 0 ? Math.max(...ages) : null;
  const withOffset = c.restChecks.filter((r) => r.clockOffsetMs !== null);
  const newest = withOffset[withOffset.length - 1];
  const clockOffsetS = newest ? (newest.clockOffsetMs as number) / 1000 : null;
  const during = c.restChecks.filter((r) => r.t >= since);
  return {
    refusals: refused.length,
    oldestCredentialAge: oldest,
    credentialsFresh:
      refused.length > 0 && ages.length === refused.length && (oldest as number) < FRESH_CREDENTIALS_S,
    clockOffsetS,
    clockSkewed: clockOffsetS !== null && Math.abs(clockOffsetS) > CLOCK_SKEW_LIMIT_S,
    restAnswered: during.filter((r) => r.reachable).length,
    restUnreachable: during.filter((r) => !r.reachable).length,
  };
}

/** A refused handshake expired or wrong credentials may explain: not signed with known-fresh ones. */
function suspectRefusal(f: Clean['failures'][number]): boolean {
  return f.error === UPGRADE_FAILURE && !(f.credentialAge !== null && f.credentialAge < FRESH_CREDENTIALS_S);
}

export function reconnectHealth(ctx: Context): ReconnectHealth {
  const { c, evidence, labels } = ctx;
  const outageStarts = c.drops.some((d) => d.lifetime !== null)
    ? c.drops.filter((d) => d.lifetime !== null)
    : c.drops;
  let unrecovered = 0;
  let lastUnrecovered = false;
  outageStarts.forEach((drop, i) => {
    const next = outageStarts[i + 1];
    const recovered = c.connections.some(
      (conn) => conn.t >= drop.t && (next === undefined || conn.t <= next.t),
    );
    if (!recovered) {
      if (next === undefined) lastUnrecovered = c.connected !== true;
      else unrecovered++;
    }
  });
  const times = c.connections.flatMap((conn) =>
    conn.timeToReconnect === null ? [] : [conn.timeToReconnect],
  );
  const refusal = refusalFacts(c);
  const firstRenewal = c.renewals[0];
  // Only refusals the credentials could explain speak against the renewal.
  const upgradeFailuresAfterRenewal = firstRenewal
    ? c.failures.filter((f) => f.t >= firstRenewal.t && suspectRefusal(f)).length +
      c.drops.filter((d) => d.t >= firstRenewal.t && d.error === UPGRADE_FAILURE).length
    : 0;
  const totalUpgradeFailures = c.failures.filter((f) => f.error === UPGRADE_FAILURE).length;
  const suspect = c.failures.filter((f) => suspectRefusal(f)).length;
  evidence.outages = outageStarts.length;
  evidence.unrecovered_outages = unrecovered + (lastUnrecovered ? 1 : 0);
  evidence.median_time_to_reconnect_s = sig(median(times));
  evidence.reconnect_failures_analysed = c.failures.length;
  evidence.upgrade_failures = totalUpgradeFailures;
  evidence.credential_renewals_analysed = c.renewals.length;
  evidence.refusals_since_drop = refusal.refusals;
  evidence.refusal_oldest_credential_age_s = refusal.oldestCredentialAge;
  evidence.cloud_clock_offset_s = refusal.clockOffsetS === null ? null : sig(refusal.clockOffsetS);
  evidence.rest_answered_since_drop = refusal.restAnswered;
  evidence.rest_unreachable_since_drop = refusal.restUnreachable;
  if (refusal.clockSkewed) labels.add('clock_skew');
  if (suspect >= 2 && !refusal.clockSkewed) {
    labels.add('credentials_or_clock');
    ctx.advice.push(
      'Reconnects failed with WEBSOCKET_UPGRADE_FAILURE on credentials that were not fresh: check the host clock (NTP) and that credential renewal works (checklist).',
    );
  }
  const failingNow = lastUnrecovered && refusal.refusals >= FAILING_AFTER_REFUSALS;
  if (failingNow && refusal.credentialsFresh && !refusal.clockSkewed) labels.add('cloud_refusing');
  return {
    outages: outageStarts.length,
    unrecovered,
    lastUnrecovered,
    medianTimeToReconnect: median(times),
    failingNow,
    upgradeFailuresSinceDrop: refusal.refusals,
    upgradeFailuresAfterRenewal,
    refusal,
  };
}

export function epochsOf(ctx: Context): Analysis['epochs'] {
  const { c, evidence } = ctx;
  const out: Analysis['epochs'] = [];
  const spans: Array<{ drops: number; hours: number; settings: Record<string, string | number | boolean> }> =
    [];
  c.epochs.forEach((epoch, i) => {
    const next = c.epochs[i + 1];
    const end = next ? next.t : c.endT;
    const hours = Math.max(0, end - epoch.t) / 3_600_000;
    const drops = c.drops.filter((d) => d.t >= epoch.t && d.t < end + (next ? 0 : 1)).length;
    spans.push({ drops, hours, settings: epoch.settings });
    out.push({
      settings: { ...epoch.settings },
      hours: Number(hours.toFixed(2)),
      drops,
      dropsPerDay: perDay(drops, hours),
    });
  });
  evidence.config_epochs = spans.length;
  const after = spans[spans.length - 1];
  const before = spans[spans.length - 2];
  if (!after || !before) return out;
  const changed = Object.keys({ ...before.settings, ...after.settings }).filter(
    (key) => before.settings[key] !== after.settings[key],
  );
  const comparison = comparePoissonRates(before.drops, before.hours, after.drops, after.hours);
  evidence.epoch_changed = changed.join(', ') || null;
  evidence.epoch_drops_per_day_before = sig(comparison.rateBefore * 24);
  evidence.epoch_drops_per_day_after = sig(comparison.rateAfter * 24);
  evidence.epoch_rate_p = sig(comparison.pChanged);
  const kaBefore = before.settings.keep_alive_secs;
  const kaAfter = after.settings.keep_alive_secs;
  if (typeof kaBefore !== 'number' || typeof kaAfter !== 'number' || kaBefore === kaAfter) {
    evidence.nat_hypothesis = null;
    return out;
  }
  const rateText = `${fmt(comparison.rateBefore * 24)}/day → ${fmt(comparison.rateAfter * 24)}/day`;
  let verdict: 'confirmed' | 'rejected' | 'inconclusive' = 'inconclusive';
  const enoughTime = before.hours >= MIN_RATE_HOURS && after.hours >= MIN_RATE_HOURS;
  if (enoughTime && kaAfter < kaBefore) {
    if (comparison.pFewerAfter < EPOCH_ALPHA && comparison.rateAfter < comparison.rateBefore)
      verdict = 'confirmed';
    else if (before.drops + after.drops >= MIN_EPISODES && comparison.pChanged >= EPOCH_ALPHA)
      verdict = 'rejected';
  } else if (enoughTime && kaAfter > kaBefore) {
    if (comparison.pMoreAfter < EPOCH_ALPHA && comparison.rateAfter > comparison.rateBefore)
      verdict = 'confirmed';
    else if (before.drops + after.drops >= MIN_EPISODES && comparison.pChanged >= EPOCH_ALPHA)
      verdict = 'rejected';
  }
  evidence.nat_hypothesis = verdict;
  const change = `keep_alive_secs ${kaBefore} → ${kaAfter}`;
  if (verdict === 'confirmed') {
    ctx.labels.add('nat_timeout_confirmed');
    ctx.advice.push(
      `NAT idle-timeout hypothesis confirmed: after ${change} the drop rate changed ${rateText} (p ${fmt(comparison.pChanged)}). Keep the lower keep-alive.`,
    );
  } else if (verdict === 'rejected') {
    ctx.labels.add('nat_timeout_rejected');
    ctx.advice.push(
      `NAT idle-timeout hypothesis rejected: ${change} did not change the drop rate (${rateText}, p ${fmt(comparison.pChanged)}); look elsewhere.`,
    );
  } else {
    ctx.advice.push(
      `Not enough data yet to judge ${change} (${rateText}); give each setting at least ${MIN_RATE_HOURS} hours.`,
    );
  }
  return out;
}

export function buildChecklist(
  ctx: Context,
  facts: { episodes: Episode[]; isImmediate: boolean; reconnect: ReconnectHealth; system: SystemResult },
): Analysis['checklist'] {
  const { c, labels } = ctx;
  const { reconnect } = facts;
  const list: Analysis['checklist'] = [];
  list.push({
    item: 'At least 24 hours of baseline collected',
    answer: c.hours >= 24 ? 'yes' : 'no',
    detail: `${c.hours.toFixed(1)} hours observed, ${plural(c.drops.length, 'drop')} recorded`,
  });
  if (c.renewals.length === 0) {
    list.push({
      item: 'Credential renewal working',
      answer: 'unknown',
      detail: 'no credential renewal recorded yet',
    });
  } else {
    list.push({
      item: 'Credential renewal working',
      answer: reconnect.upgradeFailuresAfterRenewal === 0 ? 'yes' : 'no',
      detail:
        reconnect.upgradeFailuresAfterRenewal === 0
          ? `${plural(c.renewals.length, 'renewal')} recorded, no WEBSOCKET_UPGRADE_FAILURE after them`
          : `${reconnect.upgradeFailuresAfterRenewal} WEBSOCKET_UPGRADE_FAILURE after renewals began (${plural(c.renewals.length, 'renewal')})`,
    });
  }
  const ttr = Number.isFinite(reconnect.medianTimeToReconnect)
    ? `median time to reconnect ${humanDuration(reconnect.medianTimeToReconnect)}`
    : 'no reconnect timed yet';
  if (reconnect.outages === 0) {
    list.push({ item: 'Reconnects recovering', answer: 'unknown', detail: 'no drops yet' });
  } else {
    const failed = reconnect.unrecovered + (reconnect.lastUnrecovered ? 1 : 0);
    list.push({
      item: 'Reconnects recovering',
      answer: failed === 0 ? 'yes' : 'no',
      detail:
        failed === 0
          ? `every drop was followed by a reconnect; ${ttr}`
          : `${failed} of ${reconnect.outages} outages not followed by a reconnect${reconnect.lastUnrecovered ? ' (the link is down now)' : ''}; ${ttr}`,
    });
  }
  list.push({
    item: 'keep_alive_secs at most 120',
    answer: c.keepAlive === null ? 'unknown' : c.keepAlive <= 120 ? 'yes' : 'no',
    detail:
      c.keepAlive === null
        ? 'keep-alive not known'
        : `keep_alive_secs is ${c.keepAlive}${c.keepAlive > 120 ? '; 60–120 survives NAT idle timeouts better' : ''}`,
  });
  const { refusal } = reconnect;
  list.push({
    item: 'Host clock agrees with the cloud’s',
    answer: refusal.clockOffsetS === null ? 'unknown' : refusal.clockSkewed ? 'no' : 'yes',
    detail:
      refusal.clockOffsetS === null
        ? 'no NaviLink answer with a Date header recorded yet'
        : `the cloud's clock is ${Math.abs(refusal.clockOffsetS).toFixed(0)} s ${refusal.clockOffsetS >= 0 ? 'ahead of' : 'behind'} ours (signatures fail beyond ${CLOCK_SKEW_LIMIT_S / 60} minutes)`,
  });
  const { system } = facts;
  const chance = system.expected.toFixed(1);
  list.push({
    item: 'Drops away from host events (suspend, clock jumps, network or DNS changes)',
    answer: facts.episodes.length === 0 ? 'unknown' : system.correlated ? 'no' : 'yes',
    detail:
      facts.episodes.length === 0
        ? 'no drops yet'
        : `${system.matched} of ${plural(facts.episodes.length, 'drop episode')} within ${SYSTEM_EVENT_WINDOW_MS / 60_000} minutes of a host event (about ${chance} would be by chance)`,
  });
  list.push({
    item: 'No other client using the same client id',
    answer: labels.has('duplicate_client_id_suspected')
      ? 'no'
      : c.drops.length >= MIN_EPISODES && !facts.isImmediate
        ? 'yes'
        : 'unknown',
    detail: labels.has('duplicate_client_id_suspected')
      ? 'sessions are cut within seconds by the server, the signature of a duplicate client id'
      : c.drops.length >= MIN_EPISODES && !facts.isImmediate
        ? 'sessions are not being cut right after connecting'
        : 'not enough drops to tell',
  });
  return list;
}

export function fmt(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

/** "20 min", "24 h", "90 s", "2.5 d". */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  const round = (x: number): string => String(Number(x.toPrecision(x < 10 ? 2 : 3)));
  if (seconds < 120) return `${round(seconds)} s`;
  if (seconds < 2 * 3600) return `${round(seconds / 60)} min`;
  if (seconds < 3 * 86_400) return `${round(seconds / 3600)} h`;
  return `${round(seconds / 86_400)} d`;
}
