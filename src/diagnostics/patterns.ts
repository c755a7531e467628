// Explains a history of cloud-link drops: classifies their timing, lifetimes, error names, load and
// host events into a verdict people can act on. Pure, deterministic, never throws.
//
// Every verdict rests on a test against a null that fits the data (nullTests.ts): "regular" and
// "fixed lifetime" on how little the gaps or the lifetimes spread compared with chance, "bursty" on
// how much more they vary, "load" on a permutation of load windows, "host events" on shuffled
// drop times. Phase-locking to the wall clock is a separate label ("at the same clock time"),
// tested at periods chosen beforehand.

import { type At, type Clean, sanitize } from './analysisInput.js';
import type { Analysis, AnalysisInput } from './analysisTypes.js';
import {
  breakdown,
  buildChecklist,
  type Context,
  type Episode,
  episodesOf,
  epochsOf,
  fmt,
  humanDuration,
  loadCorrelation,
  type RefusalFacts,
  reconnectHealth,
  type SystemResult,
  systemEventCorrelation,
} from './dropEvidence.js';
import { HALF_OPEN_ERRORS, HANGUP, SOCKET_CLOSED } from './errorMeanings.js';
import { plural } from './format.js';
import { clockTest, gapTest, lifetimeTest, seededRandom } from './nullTests.js';
import { perDay } from './numbers.js';
import { correctedBurstiness, mad, median, sig } from './stats.js';
import { summarize } from './summary.js';
import {
  ALPHA,
  CLOCK_MIN_CYCLES,
  CLOCK_MIN_R,
  CLOCK_SKEW_LIMIT_S,
  ERROR_SHARE,
  FAILING_AFTER_REFUSALS,
  FIXED_LIFETIME_MAD_RATIO,
  HIGH_CONFIDENCE_ALPHA,
  HIGH_CONFIDENCE_COUNT,
  IMMEDIATE_FRACTION,
  IMMEDIATE_SECONDS,
  LIFETIME_MATCH_TOLERANCE,
  MIN_EPISODES,
  MIN_LIFETIMES,
  RANDOM_HIGH_COUNT,
  REGULAR_MAD_RATIO,
  STABLE_HOURS,
  SYSTEM_EVENT_WINDOW_MS,
} from './thresholds.js';

export * from './analysisTypes.js';
export { humanDuration } from './dropEvidence.js';

const DAY_S = 86_400;
const HOUR_S = 3600;
/** The clock periods phase-locking is tested at, chosen before looking at any data. */
export const CLOCK_PERIODS_S: readonly number[] = [DAY_S, HOUR_S];
/** Idle timeouts of common NATs, routers and load balancers, seconds. */
const NAT_TIMEOUTS_S = [300, 350, 600, 1800, 3600];

/** Confidence from a test's p and how many observations it rests on. */
export function confidenceOf(p: number, count: number): Analysis['confidence'] {
  if (p < HIGH_CONFIDENCE_ALPHA && count >= HIGH_CONFIDENCE_COUNT) return 'high';
  if (p < ALPHA) return 'medium';
  return 'low';
}

/** "Consistent with chance" is never proven; confidence grows with the data that failed to refute it. */
export function chanceConfidence(count: number): Analysis['confidence'] {
  if (count >= RANDOM_HIGH_COUNT) return 'high';
  if (count >= HIGH_CONFIDENCE_COUNT) return 'medium';
  return 'low';
}

// ---- the analysis --------------------------------------------------------------------------------

/** Classifies a drop history. Pure and deterministic; any input (even arbitrary JSON) gives an answer. */
export function analyzeDrops(input: AnalysisInput): Analysis {
  try {
    return analyze(sanitize(input as unknown));
  } catch (error) {
    return {
      verdict: 'analysis_error',
      title: 'The drop history could not be analysed',
      likelyCause: 'The analysis hit an unexpected condition; the raw history is still in the export.',
      summary: [],
      advice: ['Please report this with the diagnostics export attached.'],
      confidence: 'low',
      evidence: { error: error instanceof Error ? error.message : String(error) },
      labels: [],
      checklist: [],
      epochs: [],
      errorBreakdown: [],
    };
  }
}

function analyze(c: Clean): Analysis {
  const evidence: Analysis['evidence'] = {};
  const labels = new Set<string>();
  const ctx: Context = { c, evidence, labels, advice: [] };
  const n = c.drops.length;
  const episodes = episodesOf(c.drops);
  const gapsS = episodes.slice(1).map((e, i) => (e.start - (episodes[i] as Episode).start) / 1000);
  const hoursText = c.hours.toFixed(1);
  const random = seededRandom(c.seed);

  evidence.hours_observed = sig(c.hours);
  evidence.drops_analysed = n;
  evidence.episodes = episodes.length;
  evidence.gaps = gapsS.length;
  evidence.drops_per_day = perDay(n, c.hours);
  evidence.keep_alive_secs = c.keepAlive;
  evidence.connected = c.connected;

  const errorBreakdown = breakdown(c.drops);
  const dominant = errorBreakdown[0];
  evidence.dominant_error = dominant?.name ?? null;
  evidence.dominant_error_share = dominant ? sig(dominant.count / n) : null;
  const errorShare = (names: ReadonlySet<string> | string): number =>
    n === 0
      ? 0
      : c.drops.filter((d) => (typeof names === 'string' ? d.error === names : names.has(d.error))).length /
        n;
  const hangupShare = errorShare(HANGUP);
  const halfOpenShare = errorShare(HALF_OPEN_ERRORS);
  if (n > 0 && hangupShare >= ERROR_SHARE) labels.add('server_initiated');
  if (n > 0 && errorShare(SOCKET_CLOSED) >= ERROR_SHARE) labels.add('network_path');
  if (n > 0 && halfOpenShare >= ERROR_SHARE) labels.add('half_open');

  // Lifetimes: immediate rejection, then fixed lifetimes (a spread far below chance's).
  const lifetimes = c.drops.flatMap((d) => (d.lifetime === null ? [] : [d.lifetime]));
  const immediate = lifetimes.filter((l) => l < IMMEDIATE_SECONDS).length;
  const immediateFraction = lifetimes.length > 0 ? immediate / lifetimes.length : null;
  evidence.lifetimes_known = lifetimes.length;
  evidence.immediate_fraction = immediateFraction === null ? null : sig(immediateFraction);
  const isImmediate = lifetimes.length >= MIN_LIFETIMES && (immediateFraction ?? 0) >= IMMEDIATE_FRACTION;
  if (isImmediate) {
    labels.add('immediate_rejection');
    if (hangupShare >= IMMEDIATE_FRACTION) labels.add('duplicate_client_id_suspected');
  }
  const longLifetimes = lifetimes.filter((l) => l >= IMMEDIATE_SECONDS);
  const life = lifetimeTest(longLifetimes, random);
  evidence.median_lifetime_s = sig(life.median);
  evidence.lifetime_mad_ratio = sig(life.madRatio);
  evidence.lifetime_p = sig(life.p);
  const fixedLifetime =
    longLifetimes.length >= MIN_LIFETIMES && life.madRatio < FIXED_LIFETIME_MAD_RATIO && life.p < ALPHA;
  const lifetimeMatch = fixedLifetime ? matchLifetime(life.median, c) : null;
  if (fixedLifetime) labels.add('fixed_lifetime');
  if (lifetimeMatch) {
    labels.add(lifetimeMatch.label);
    evidence.lifetime_matches = lifetimeMatch.name;
  }

  // Timing of episodes against a Poisson history with the same drop rate.
  const enoughTiming = episodes.length >= MIN_EPISODES;
  const observedS = Math.max(c.hours * HOUR_S, 0);
  const timing = gapTest(gapsS, n > 0 ? observedS / n : Number.NaN, random);
  const medianGap = median(gapsS);
  const correctedB = correctedBurstiness(timing.cv, episodes.length);
  evidence.median_gap_s = sig(medianGap);
  evidence.gap_mad_ratio = sig(timing.madRatio);
  evidence.gap_regularity_p = sig(timing.pRegular);
  evidence.cv = sig(timing.cv);
  evidence.burstiness_corrected = sig(correctedB);
  evidence.gap_burstiness_p = sig(timing.pBursty);
  const regular = enoughTiming && timing.pRegular < ALPHA && timing.madRatio < REGULAR_MAD_RATIO;
  const moreRegularThanChance = enoughTiming && timing.pRegular < ALPHA && !regular;
  const bursty = enoughTiming && timing.pBursty < ALPHA;
  const random_ = enoughTiming && !regular && !moreRegularThanChance && !bursty;
  if (regular) labels.add('regular_interval');
  if (bursty) labels.add('bursty');
  if (random_) labels.add('random');

  // Same clock time: phase-locking at periods chosen beforehand (its own label, never the verdict).
  const clock = enoughTiming
    ? clockTest(
        episodes.map((e) => e.wall),
        CLOCK_PERIODS_S,
      )
    : null;
  if (clock) {
    evidence.clock_period_s = clock.periodS;
    evidence.clock_r = sig(clock.r);
    evidence.clock_p = sig(clock.p);
  }
  const sameClockTime =
    clock !== null && clock.cycles >= CLOCK_MIN_CYCLES && clock.r >= CLOCK_MIN_R && clock.p < ALPHA;
  if (sameClockTime) labels.add(clock.periodS === DAY_S ? 'same_time_of_day' : 'same_minute_of_hour');

  const load = loadCorrelation(ctx, episodes);
  const system = systemEventCorrelation(ctx, episodes);
  const reconnect = reconnectHealth(ctx);
  const epochs = epochsOf(ctx);
  const checklist = buildChecklist(ctx, { episodes, isImmediate, reconnect, system });

  // The verdict: the most specific explanation the evidence supports.
  const base = { labels: [...labels], checklist, epochs, errorBreakdown, evidence };
  ctx.summaryFacts = {
    hours: c.hours,
    drops: n,
    episodes: episodes.length,
    gapsS,
    lifetimesS: lifetimes,
    timing,
    life,
    lifetimeMatch: lifetimeMatch?.name ?? null,
    immediate,
    load: {
      ratio: load.ratio,
      p: load.p,
      before: load.ratio * load.meanPerBin,
      usual: load.meanPerBin,
      measured: load.measured,
    },
    system,
    refusal: reconnect.refusal,
    dominant: dominant ? { name: dominant.name, count: dominant.count } : null,
    halfOpenShare,
    sameClockTime: sameClockTime ? (clock?.periodS === DAY_S ? 'time of day' : 'minute of the hour') : null,
    episodesNeeded: Math.max(MIN_EPISODES - episodes.length, 0),
  };
  const rate = perDay(n, c.hours);
  const perDayText = rate === null ? `${plural(n, 'drop')} in ${hoursText} h` : `~${rate} per day`;

  if (reconnect.failingNow) {
    return finish(ctx, base, refusalVerdict(reconnect.refusal));
  }

  if (isImmediate) {
    const duplicate = labels.has('duplicate_client_id_suspected');
    return finish(ctx, base, {
      verdict: 'immediate_rejection',
      title: `The cloud hangs up right after connecting (${immediate} of ${lifetimes.length} sessions lasted < ${IMMEDIATE_SECONDS} s)`,
      likelyCause: duplicate
        ? 'Another client is connecting with the same client id (a second bridge or Home Assistant integration on ' +
          'this account, or an overlapping restart), so AWS IoT disconnects one of them each time the other connects.'
        : 'The server rejects the session right after CONNACK: a policy or authorisation failure, a queued message ' +
          'the policy rejects being re-sent on every connect, or connect throttling.',
      advice: [
        'Make sure only one bridge or integration uses this NaviLink account at a time (stop the nwp500 custom integration if the add-on is running).',
        'Clear the offline command queue (restart the add-on) in case a rejected command is re-sent on every connect.',
        'If it persists, report it with this export: the error names and lifetimes show what the cloud did.',
      ],
      confidence: lifetimes.length >= HIGH_CONFIDENCE_COUNT ? 'high' : 'medium',
    });
  }

  if (!enoughTiming) {
    const lastDrop = c.drops[c.drops.length - 1];
    const quietHours = lastDrop ? (c.endT - lastDrop.t) / 3_600_000 : c.hours;
    if (c.hours >= STABLE_HOURS && quietHours >= STABLE_HOURS) {
      return finish(ctx, base, {
        verdict: 'stable',
        title:
          n === 0
            ? `Stable: no drops in ${hoursText} hours`
            : `Stable: no drops in the last ${quietHours.toFixed(1)} hours (${plural(n, 'drop')} in ${hoursText} hours)`,
        likelyCause: 'The cloud link is holding.',
        advice: ['Nothing to do. The bridge keeps watching and will explain any new drops.'],
        confidence: c.hours >= 3 * STABLE_HOURS ? 'high' : 'medium',
      });
    }
    const episodesNeeded = Math.max(MIN_EPISODES - episodes.length, 0);
    return finish(ctx, base, {
      verdict: 'collecting_baseline',
      title: `Collecting baseline: ${plural(n, 'drop')} in ${hoursText} hours`,
      likelyCause:
        n === 0
          ? `No drops yet; ${STABLE_HOURS} hours without a drop will count as stable.`
          : `Too few drops to see a pattern yet: ${MIN_EPISODES} separate drop episodes (drops more than a minute apart count as one) are needed, ` +
            `${plural(episodes.length, 'episode')} so far (${plural(n, 'drop')}); ${episodesNeeded} to go.`,
      advice: [
        `Leave the bridge running; the verdict improves as drops and hours accumulate (about ${HIGH_CONFIDENCE_COUNT} episodes give a confident answer).`,
      ],
      confidence: 'low',
    });
  }

  if (system.correlated) {
    return finish(ctx, base, systemVerdict(system, episodes.length, confidenceOf(system.p, system.matched)));
  }

  const gapMad = mad(gapsS);
  const lifetimeMad = mad(longLifetimes);
  if (fixedLifetime && (lifetimeMatch !== null || !regular || lifetimeMad < 0.5 * gapMad)) {
    return finish(
      ctx,
      base,
      fixedLifetimeVerdict(life.median, lifetimeMatch, confidenceOf(life.p, longLifetimes.length), c),
    );
  }

  if (regular) {
    const daily = Math.abs(medianGap - DAY_S) / DAY_S < LIFETIME_MATCH_TOLERANCE;
    const clockNote = sameClockTime
      ? ` They also happen at the same ${clock?.periodS === DAY_S ? 'time of day' : 'minute of the hour'}.`
      : '';
    return finish(ctx, base, {
      verdict: 'regular_interval',
      title: daily
        ? `Drops every ~24 h: the AWS WebSocket lifetime`
        : `Drops every ~${humanDuration(medianGap)}: a timeout on a fixed schedule`,
      likelyCause: daily
        ? 'AWS IoT closes WebSocket connections after 24 hours. This is expected and the bridge reconnects by itself.'
        : `The drops keep a regular ${humanDuration(medianGap)} rhythm: half of the gaps lie within ±${humanDuration(gapMad)} of it, ` +
          `which chance would give with p ${fmt(timing.pRegular)}.${clockNote} ` +
          'Something on a timer ends the connection: a cloud-side timeout, a router or ISP schedule, or a job on the host.',
      advice: daily
        ? ['Nothing to do: one short reconnect a day is normal.']
        : [
            `Report the period found (${humanDuration(medianGap)}) with this export; it identifies the timer.`,
            'Look for anything on your network or host that runs on that period (router keep-alive or lease renewal, scheduled jobs).',
          ],
      confidence: confidenceOf(timing.pRegular, gapsS.length),
    });
  }

  if (load.correlated) {
    return finish(ctx, base, {
      verdict: 'load_correlated',
      title: `Drops follow message bursts (${fmt(load.ratio)}× the usual load before drops): likely rate limiting`,
      likelyCause:
        `In the 5 minutes before a drop the link carried ${fmt(load.ratio)}× its usual load (permutation p ${fmt(load.p)}, ` +
        `the bridge's own requests after each reconnect left out). AWS IoT limits each connection to 100 publishes/s and ` +
        '512 KiB/s; beyond that it drops messages, and an oversized or refused publish ends the connection.',
      advice: [
        `Lower the message rate: raise status_interval (now ${fmt(load.peakPerSecond)} msg/s at the busiest 5 minutes, ${fmt(load.meanPerBin)} messages per 5 minutes on average).`,
        'Avoid automations that send many commands in a burst.',
      ],
      confidence: confidenceOf(load.p, load.measured),
    });
  }

  if (labels.has('half_open')) {
    return finish(ctx, base, {
      verdict: 'half_open',
      title: `Connections go silent and time out (${Math.round(halfOpenShare * 100)} % ping/operation timeouts): a half-open network path`,
      likelyCause:
        'Packets stop flowing without either side closing the connection: Wi-Fi or the ISP drops the path, or a NAT forgets the mapping.',
      advice: [
        'Set keep_alive_secs to 60–120 so dead paths are noticed and replaced quickly.',
        'Check the host’s network link (Wi-Fi signal, power saving on the network interface).',
      ],
      confidence: chanceConfidence(episodes.length),
    });
  }

  if (bursty) {
    return finish(ctx, base, {
      verdict: 'bursty',
      title: `Drops come in bursts (gaps vary ${fmt(timing.cv)}× their mean; chance: p ${fmt(timing.pBursty)})`,
      likelyCause:
        'Drops cluster in time and then stop for long stretches: an unstable period of the network or the cloud ' +
        `rather than a steady cause.${dominant ? ` Inside the bursts the errors are mostly ${dominant.name}: ${dominant.meaning}.` : ''}`,
      advice: [
        'Note when the bursts happen (see the timeline) and compare with router, ISP or Wi-Fi events at those times.',
        'If the bursts line up with host events, the system watcher will show them once it sees them.',
      ],
      confidence: confidenceOf(timing.pBursty, gapsS.length),
    });
  }

  if (random_) {
    return finish(ctx, base, {
      verdict: 'random',
      title: `Drops at random times (${perDayText}): network, Wi-Fi or NAT`,
      likelyCause: randomCause(labels),
      advice: [
        `Set keep_alive_secs to 60–120${c.keepAlive !== null && c.keepAlive > 120 ? ` (now ${c.keepAlive})` : ''}: a NAT or router forgets idle connections sooner than AWS's default keep-alive.`,
        'Check the host’s network: Wi-Fi signal and power saving, router or ISP reconnects.',
        'After a change, leave it running a day: the configuration epochs below will show whether the drop rate fell.',
      ],
      confidence: chanceConfidence(episodes.length),
    });
  }

  return finish(ctx, base, {
    verdict: 'irregular',
    title: `Drops at irregular intervals (${perDayText})`,
    likelyCause: `The gaps between drops are more even than chance would make them (p ${fmt(timing.pRegular)}) but too uneven for a fixed period. ${randomCause(labels)}`,
    advice: [
      'Set keep_alive_secs to 60–120 if it is higher, and check the host’s network link.',
      'Keep collecting: more drops sharpen the picture.',
    ],
    confidence: 'low',
  });
}

type VerdictPart = Pick<Analysis, 'verdict' | 'title' | 'likelyCause' | 'advice' | 'confidence'>;

/**
 * The link stays down behind refused handshakes. aws-crt does not say why (no HTTP status), so the
 * cause is narrowed with what the bridge knows: the credentials' age at each refusal, the cloud's
 * clock from its REST answers, and whether REST answered during the outage. Credentials and the
 * clock are named only when they are suspect.
 */
function refusalVerdict(f: RefusalFacts): VerdictPart {
  const times = `${f.refusals}× WEBSOCKET_UPGRADE_FAILURE`;
  const confidence: Analysis['confidence'] = f.refusals >= 2 * FAILING_AFTER_REFUSALS ? 'high' : 'medium';
  const rest =
    f.restAnswered + f.restUnreachable === 0
      ? ''
      : f.restUnreachable === 0
        ? ` NaviLink's REST API answered all ${plural(f.restAnswered, 'call')} during the outage, so the network path to the cloud works.`
        : f.restAnswered === 0
          ? ` NaviLink's REST API did not answer either (${plural(f.restUnreachable, 'call')}): the cloud, or the way to it, is down.`
          : ` NaviLink's REST API answered ${f.restAnswered} of ${f.restAnswered + f.restUnreachable} calls during the outage.`;
  if (f.clockSkewed && f.clockOffsetS !== null) {
    const off = humanDuration(Math.abs(f.clockOffsetS));
    return {
      verdict: 'reconnect_failing',
      title: `Reconnects are refused (${times}): the host clock is ${off} ${f.clockOffsetS > 0 ? 'behind' : 'ahead of'} the cloud's`,
      likelyCause:
        `The cloud's clock (the Date of its REST answers) is ${off} ${f.clockOffsetS > 0 ? 'ahead of' : 'behind'} this host's. ` +
        `AWS rejects signatures more than ${CLOCK_SKEW_LIMIT_S / 60} minutes off, so every handshake fails until the clock is right.`,
      advice: [
        'Fix the host clock: turn on time synchronisation (NTP) in the host settings; the bridge reconnects by itself once it is right.',
      ],
      confidence: 'high',
    };
  }
  if (f.credentialsFresh && f.clockOffsetS !== null) {
    const age = humanDuration(f.oldestCredentialAge ?? 0);
    return {
      verdict: 'reconnect_failing',
      title: `Reconnects are refused (${times}) with fresh credentials and a clock that agrees: the cloud is refusing connections (outage or throttling)`,
      likelyCause:
        `Every refused handshake was signed with credentials at most ${age} old, and the cloud's clock is within ` +
        `${humanDuration(Math.abs(f.clockOffsetS))} of ours, so neither explains it: the cloud's MQTT side is refusing ` +
        `connections, during an outage or because it throttles this account.${rest}`,
      advice: [
        'Nothing to fix here: the bridge keeps retrying with growing pauses and reconnects by itself when the cloud accepts again.',
        'If it lasts for hours, check whether the NaviLink app works; report it with this export if the app works and the bridge does not.',
      ],
      confidence,
    };
  }
  if (f.credentialsFresh) {
    return {
      verdict: 'reconnect_failing',
      title: `Reconnects are refused (${times}) with fresh credentials: the cloud is refusing connections, or the host clock is off (not checked yet)`,
      likelyCause:
        `Every refused handshake was signed with credentials at most ${humanDuration(f.oldestCredentialAge ?? 0)} old, so ` +
        "expired credentials do not explain it. The bridge has not yet seen the cloud's clock to rule out a wrong host clock; " +
        `otherwise the cloud is refusing connections (an outage or throttling).${rest}`,
      advice: [
        'Check that the host clock is right (time synchronisation/NTP running on the host).',
        'Otherwise wait: the bridge keeps retrying and reconnects by itself when the cloud accepts again.',
      ],
      confidence: 'low',
    };
  }
  const ageText =
    f.oldestCredentialAge === null
      ? 'The age of the credentials is not known'
      : `The credentials were up to ${humanDuration(f.oldestCredentialAge)} old`;
  return {
    verdict: 'reconnect_failing',
    title: `Reconnects are refused (${times}): credentials or clock`,
    likelyCause:
      'The cloud refuses the WebSocket handshake: the signature was made with expired or wrong AWS credentials, ' +
      `or the host clock is off (the signature carries the time). ${ageText}` +
      `${f.clockOffsetS === null ? " and the cloud's clock has not been seen yet." : `; the cloud's clock is within ${humanDuration(Math.abs(f.clockOffsetS))} of ours.`}${rest}`,
    advice: [
      'Check that the host clock is right (time synchronisation/NTP running on the host).',
      'Restart the add-on to force a fresh sign-in; if it keeps failing, sign in to the NaviLink app to check the account.',
    ],
    confidence,
  };
}

function finish(
  ctx: Context,
  base: Pick<Analysis, 'labels' | 'checklist' | 'epochs' | 'errorBreakdown' | 'evidence'>,
  part: VerdictPart,
): Analysis {
  const advice = [...part.advice];
  for (const extra of ctx.advice) if (!advice.includes(extra)) advice.push(extra);
  const labels = base.labels.includes(part.verdict) ? base.labels : [part.verdict, ...base.labels];
  return {
    ...part,
    summary: ctx.summaryFacts ? summarize(part.verdict, ctx.summaryFacts) : [],
    advice,
    labels,
    checklist: base.checklist,
    epochs: base.epochs,
    errorBreakdown: base.errorBreakdown,
    evidence: base.evidence,
  };
}

function randomCause(labels: Set<string>): string {
  if (labels.has('network_path')) {
    return 'Most drops are AWS_IO_SOCKET_CLOSED (the TCP connection was cut without a goodbye): a router, NAT or Wi-Fi link dropped it.';
  }
  if (labels.has('server_initiated')) {
    return 'Most drops are AWS_ERROR_MQTT_UNEXPECTED_HANGUP (the server closed the connection): AWS disconnected the client; with no pattern, suspect throttling or another client using the same id.';
  }
  return 'Drops without a rhythm point at the environment: the network path (NAT idle timeouts, Wi-Fi, ISP).';
}

function systemVerdict(
  system: SystemResult,
  episodes: number,
  confidence: Analysis['confidence'],
): VerdictPart {
  const kinds = [...system.kinds].map(([kind, count]) => `${kind.replace(/_/g, ' ')} (${count})`).join(', ');
  return {
    verdict: 'system_events',
    title: `Drops coincide with host events: ${kinds}`,
    likelyCause:
      `${system.matched} of ${episodes} drop episodes happened within ${SYSTEM_EVENT_WINDOW_MS / 60_000} minutes of a host event (${kinds}); ` +
      `by chance about ${system.expected.toFixed(1)} would (p ${fmt(system.p)}). ` +
      'The host, not the cloud, is breaking the connection: suspend/power saving, clock steps, interface flaps or DHCP/DNS changes.',
    advice: [
      'Turn off power saving or suspend on the host (and on its network interface).',
      'Check what changes the network at those times: DHCP lease renewals, Wi-Fi roaming, cron jobs, VPN reconnects.',
    ],
    confidence,
  };
}

interface LifetimeMatch {
  seconds: number;
  name: string;
  label: string;
}

function matchLifetime(lifetime: number, c: Clean): LifetimeMatch | null {
  const planned = c.renewals.filter((r) => r.planned);
  const renewalGaps = planned.slice(1).map((r, i) => (r.t - (planned[i] as At).t) / 1000);
  const credentialLifetime = renewalGaps.length >= 2 ? median(renewalGaps) : 3600;
  const candidates: LifetimeMatch[] = [
    { seconds: DAY_S, name: 'the AWS IoT WebSocket lifetime (24 h)', label: 'websocket_ttl' },
    ...(c.keepAlive !== null
      ? [
          {
            seconds: 1.5 * c.keepAlive,
            name: `1.5 × keep-alive (${c.keepAlive} s)`,
            label: 'keep_alive_timeout',
          },
        ]
      : []),
    {
      seconds: credentialLifetime,
      name: `the credential lifetime (${humanDuration(credentialLifetime)})`,
      label: 'credential_lifetime',
    },
    ...NAT_TIMEOUTS_S.map((s) => ({
      seconds: s,
      name: `a common NAT/router idle timeout (${humanDuration(s)})`,
      label: 'nat_idle_timeout',
    })),
  ];
  for (const candidate of candidates) {
    if (Math.abs(lifetime - candidate.seconds) / candidate.seconds < LIFETIME_MATCH_TOLERANCE)
      return candidate;
  }
  return null;
}

function fixedLifetimeVerdict(
  lifetime: number,
  match: LifetimeMatch | null,
  confidence: Analysis['confidence'],
  c: Clean,
): VerdictPart {
  const life = humanDuration(lifetime);
  switch (match?.label) {
    case 'websocket_ttl':
      return {
        verdict: 'fixed_lifetime',
        title: 'Drops every ~24 h: the AWS WebSocket lifetime',
        likelyCause:
          'AWS IoT closes WebSocket connections after 24 hours. This is expected and the bridge reconnects by itself.',
        advice: ['Nothing to do: one short reconnect a day is normal.'],
        confidence,
      };
    case 'keep_alive_timeout':
      return {
        verdict: 'fixed_lifetime',
        title: `Each connection lives ~${life}, 1.5 × keep-alive: pings are not getting through`,
        likelyCause:
          'AWS IoT drops a client after 1.5 × keep-alive without traffic, so keep-alive pings are not reaching it (or its answers are not coming back).',
        advice: [
          `Try a different keep_alive_secs (now ${c.keepAlive ?? 'unknown'}); report this export if the lifetime follows it.`,
          'Check for a proxy or firewall that filters WebSocket traffic.',
        ],
        confidence,
      };
    case 'credential_lifetime':
      return {
        verdict: 'fixed_lifetime',
        title: `Each connection lives ~${life}: the credential lifetime`,
        likelyCause:
          'Connections end when the AWS credentials expire (or at a 1 h NAT/load-balancer timeout, which has the same length).',
        advice: [
          'Check the checklist: credential renewal must be working and followed by no WEBSOCKET_UPGRADE_FAILURE.',
          'Report this export: an established connection normally survives credential expiry.',
        ],
        confidence,
      };
    case 'nat_idle_timeout':
      return {
        verdict: 'fixed_lifetime',
        title: `Each connection lives ~${life}: a NAT or router idle timeout`,
        likelyCause: `${life} is a common NAT/router idle timeout: a middlebox forgets the connection on a timer.`,
        advice: [
          `Set keep_alive_secs below ${Math.round(lifetime / 2)} (60–120 is a good choice) so the connection never looks idle.`,
          'If your router lets you, raise its TCP idle/established timeout.',
        ],
        confidence,
      };
    default:
      return {
        verdict: 'fixed_lifetime',
        title: `Each connection lives ~${life}: a fixed connection lifetime`,
        likelyCause: `Every session ends after about ${life} no matter when it started: something kills connections at that age.`,
        advice: [
          `Report the lifetime found (${life}) with this export.`,
          'Check proxies, VPNs or firewalls with a connection time limit.',
        ],
        confidence,
      };
  }
}
