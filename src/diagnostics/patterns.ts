// Explains a history of cloud-link drops: classifies their timing, lifetimes, error names, load and
// host events into a verdict people can act on. Pure, deterministic, never throws.

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
  hourlyCounts,
  humanDuration,
  loadCorrelation,
  reconnectHealth,
  systemEventCorrelation,
} from './dropEvidence.js';
import { plural } from './format.js';
import { perDay } from './numbers.js';
import {
  burstiness,
  coefficientOfVariation,
  correctedBurstiness,
  mad,
  mean,
  median,
  rayleighTest,
  sig,
  stdDev,
} from './stats.js';
import {
  BURSTY_CORRECTED_B,
  BURSTY_CV,
  DAY_S,
  FIXED_LIFETIME_MAD_RATIO,
  HALF_OPEN_ERRORS,
  HANGUP,
  IMMEDIATE_SECONDS,
  MIN_DROPS,
  MIN_GAPS,
  NAT_TIMEOUTS_S,
  RANDOM_CV_MAX,
  RANDOM_CV_MIN,
  RAYLEIGH_ALPHA,
  REGULAR_CV,
  SOCKET_CLOSED,
} from './thresholds.js';

export * from './analysisTypes.js';
export { humanDuration } from './dropEvidence.js';

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
  const errorShare = (names: Set<string> | string): number =>
    n === 0
      ? 0
      : c.drops.filter((d) => (typeof names === 'string' ? d.error === names : names.has(d.error))).length /
        n;
  const hangupShare = errorShare(HANGUP);
  const socketClosedShare = errorShare(SOCKET_CLOSED);
  const halfOpenShare = errorShare(HALF_OPEN_ERRORS);
  if (n > 0 && hangupShare >= 0.6) labels.add('server_initiated');
  if (n > 0 && socketClosedShare >= 0.6) labels.add('network_path');
  if (n > 0 && halfOpenShare >= 0.6) labels.add('half_open');

  // Lifetimes: immediate rejection and fixed lifetimes.
  const lifetimes = c.drops.flatMap((d) => (d.lifetime === null ? [] : [d.lifetime]));
  const immediate = lifetimes.filter((l) => l < IMMEDIATE_SECONDS).length;
  const immediateFraction = lifetimes.length > 0 ? immediate / lifetimes.length : null;
  evidence.lifetimes_known = lifetimes.length;
  evidence.immediate_fraction = immediateFraction === null ? null : sig(immediateFraction);
  const isImmediate = lifetimes.length >= MIN_DROPS && (immediateFraction ?? 0) >= 0.5;
  if (isImmediate) {
    labels.add('immediate_rejection');
    if (hangupShare >= 0.5) labels.add('duplicate_client_id_suspected');
  }
  const longLifetimes = lifetimes.filter((l) => l >= IMMEDIATE_SECONDS);
  const medianLifetime = median(longLifetimes);
  const lifetimeMadRatio =
    longLifetimes.length > 0 && medianLifetime > 0 ? mad(longLifetimes) / medianLifetime : Number.NaN;
  evidence.median_lifetime_s = sig(medianLifetime);
  evidence.lifetime_mad_ratio = sig(lifetimeMadRatio);
  const fixedLifetime = longLifetimes.length >= MIN_DROPS && lifetimeMadRatio < FIXED_LIFETIME_MAD_RATIO;
  const lifetimeMatch = fixedLifetime ? matchLifetime(medianLifetime, c) : null;
  if (fixedLifetime) labels.add('fixed_lifetime');
  if (lifetimeMatch) {
    labels.add(lifetimeMatch.label);
    evidence.lifetime_matches = lifetimeMatch.name;
  }

  // Timing of episodes.
  const cv = coefficientOfVariation(gapsS);
  const correctedB = correctedBurstiness(cv, episodes.length);
  const medianGap = median(gapsS);
  const episodeTimesS = episodes.map((e) => (e.start - (episodes[0] as Episode).start) / 1000);
  const atPeriod =
    gapsS.length > 0 ? rayleighTest(episodeTimesS, medianGap) : { r: Number.NaN, p: Number.NaN };
  const timeOfDay = rayleighTest(
    episodes.map((e) => e.wall / 1000),
    DAY_S,
  );
  const counts = hourlyCounts(episodes, c);
  const fano = counts.length >= 2 ? stdDev(counts) ** 2 / mean(counts) : Number.NaN;
  evidence.median_gap_s = sig(medianGap);
  evidence.mean_gap_s = sig(mean(gapsS));
  evidence.cv = sig(cv);
  evidence.burstiness_b = sig(burstiness(gapsS));
  evidence.burstiness_corrected = sig(correctedB);
  evidence.rayleigh_period_s = sig(medianGap);
  evidence.rayleigh_r = sig(atPeriod.r);
  evidence.rayleigh_p = sig(atPeriod.p);
  evidence.time_of_day_r = sig(timeOfDay.r);
  evidence.time_of_day_p = sig(timeOfDay.p);
  evidence.fano_factor_hourly = sig(fano);
  const enoughTiming = n >= MIN_DROPS && gapsS.length >= MIN_GAPS;
  const regular = enoughTiming && cv < REGULAR_CV && atPeriod.p < RAYLEIGH_ALPHA;
  const bursty = enoughTiming && (correctedB > BURSTY_CORRECTED_B || cv > BURSTY_CV);
  const random = enoughTiming && cv >= RANDOM_CV_MIN && cv <= RANDOM_CV_MAX;
  // A daily rhythm can only show over several days: within one day any phases look clustered.
  const spanDays =
    episodes.length > 1
      ? ((episodes.at(-1) as Episode).wall - (episodes[0] as Episode).wall) / 1000 / DAY_S
      : 0;
  const timeOfDayClustered =
    enoughTiming && spanDays >= 2 && timeOfDay.r > 0.5 && timeOfDay.p < RAYLEIGH_ALPHA;
  if (regular) labels.add('regular_interval');
  if (bursty) labels.add('bursty');
  if (random && !regular && !bursty) labels.add('random');
  if (timeOfDayClustered) labels.add('time_of_day');

  const load = loadCorrelation(ctx, episodes);
  const system = systemEventCorrelation(ctx, episodes);
  const reconnect = reconnectHealth(ctx);
  const epochs = epochsOf(ctx);
  const checklist = buildChecklist(ctx, { episodes, isImmediate, reconnect });

  // The verdict: the most specific explanation the evidence supports.
  const base = { labels: [...labels], checklist, epochs, errorBreakdown, evidence };
  const rate = perDay(n, c.hours);
  const perDayText = rate === null ? `${plural(n, 'drop')} in ${hoursText} h` : `~${rate} per day`;
  const quality = (strongP: number): Analysis['confidence'] =>
    episodes.length >= 10 && strongP < 0.001 ? 'high' : episodes.length >= MIN_DROPS ? 'medium' : 'low';

  if (reconnect.failingNow) {
    return finish(ctx, base, {
      verdict: 'reconnect_failing',
      title: `Reconnects are refused (${reconnect.upgradeFailuresSinceDrop}× WEBSOCKET_UPGRADE_FAILURE): credentials or clock`,
      likelyCause:
        'The cloud refuses the WebSocket handshake: the signature was made with expired or wrong AWS credentials, ' +
        'or the host clock is off (the signature carries the time).',
      advice: [
        'Check that the host clock is right (time synchronisation/NTP running on the host).',
        'Restart the add-on to force a fresh sign-in; if it keeps failing, sign in to the NaviLink app to check the account.',
      ],
      confidence: reconnect.upgradeFailuresSinceDrop >= 5 ? 'high' : 'medium',
    });
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
      confidence: lifetimes.length >= 10 ? 'high' : 'medium',
    });
  }

  if (!enoughTiming) {
    const lastDrop = c.drops[c.drops.length - 1];
    const quietHours = lastDrop ? (c.endT - lastDrop.t) / 3_600_000 : c.hours;
    if (system.matched >= 3 && system.fraction >= 0.5) {
      return finish(ctx, base, systemVerdict(system, episodes.length, 'low'));
    }
    if (c.hours >= 24 && quietHours >= 24) {
      return finish(ctx, base, {
        verdict: 'stable',
        title:
          n === 0
            ? `Stable: no drops in ${hoursText} hours`
            : `Stable: no drops in the last ${quietHours.toFixed(1)} hours (${plural(n, 'drop')} in ${hoursText} hours)`,
        likelyCause: 'The cloud link is holding.',
        advice: ['Nothing to do. The bridge keeps watching and will explain any new drops.'],
        confidence: c.hours >= 72 ? 'high' : 'medium',
      });
    }
    const dropsNeeded = Math.max(MIN_DROPS - n, 0);
    const episodesNeeded = Math.max(MIN_GAPS + 1 - episodes.length, 0);
    const missing = [
      ...(dropsNeeded > 0 ? [`${plural(dropsNeeded, 'more drop')}`] : []),
      ...(episodesNeeded > 0 ? [`${plural(episodesNeeded, 'more separate episode')}`] : []),
    ].join(' and ');
    return finish(ctx, base, {
      verdict: 'collecting_baseline',
      title: `Collecting baseline: ${plural(n, 'drop')} in ${hoursText} hours`,
      likelyCause:
        n === 0
          ? 'No drops yet; 24 hours without a drop will count as stable.'
          : `Too few drops to see a pattern yet: at least ${MIN_DROPS} drops in ${MIN_GAPS + 1} separate episodes (drops more than a minute apart) are needed; ${missing} to go.`,
      advice: [
        'Leave the bridge running; the verdict improves as drops and hours accumulate (about 10 drops give a confident answer).',
      ],
      confidence: 'low',
    });
  }

  if (system.matched >= 3 && system.fraction >= 0.5) {
    return finish(
      ctx,
      base,
      systemVerdict(system, episodes.length, episodes.length >= 10 ? 'high' : 'medium'),
    );
  }

  const gapMad = mad(gapsS);
  const lifetimeMad = mad(longLifetimes);
  if (fixedLifetime && (lifetimeMatch !== null || !regular || lifetimeMad < 0.5 * gapMad)) {
    return finish(ctx, base, fixedLifetimeVerdict(medianLifetime, lifetimeMatch, longLifetimes.length, c));
  }

  if (regular) {
    const daily = Math.abs(medianGap - DAY_S) / DAY_S < 0.05;
    return finish(ctx, base, {
      verdict: 'regular_interval',
      title: daily
        ? `Drops every ~24 h: the AWS WebSocket lifetime`
        : `Drops every ~${humanDuration(medianGap)}: a timeout on a fixed schedule`,
      likelyCause: daily
        ? 'AWS IoT closes WebSocket connections after 24 hours. This is expected and the bridge reconnects by itself.'
        : `The drops keep a regular ${humanDuration(medianGap)} rhythm (CV ${fmt(cv)}, Rayleigh p ${fmt(atPeriod.p)}). ` +
          'Something on a timer ends the connection: a cloud-side timeout, a router or ISP schedule, or a job on the host.',
      advice: daily
        ? ['Nothing to do: one short reconnect a day is normal.']
        : [
            `Report the period found (${humanDuration(medianGap)}) with this export; it identifies the timer.`,
            'Look for anything on your network or host that runs on that period (router keep-alive or lease renewal, scheduled jobs).',
          ],
      confidence: quality(atPeriod.p),
    });
  }

  if (load.correlated) {
    return finish(ctx, base, {
      verdict: 'load_correlated',
      title: `Drops follow message bursts (${fmt(load.ratio)}× the usual load before drops): likely rate limiting`,
      likelyCause:
        `Before a drop the link carried ${fmt(load.ratio)}× its average load (permutation p ${fmt(load.p)}). ` +
        'AWS IoT limits each connection to 100 publishes/s and 512 KiB/s; beyond that it drops messages, and an ' +
        'oversized or refused publish ends the connection.',
      advice: [
        `Lower the message rate: raise status_interval (now ${fmt(load.peakPerSecond)} msg/s at the busiest 5 minutes, ${fmt(load.meanPerBin)} messages per 5 minutes on average).`,
        'Avoid automations that send many commands in a burst.',
      ],
      confidence: load.p < 0.001 && episodes.length >= 10 ? 'high' : 'medium',
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
      confidence: quality(1),
    });
  }

  if (bursty) {
    return finish(ctx, base, {
      verdict: 'bursty',
      title: `Drops come in bursts (corrected burstiness ${fmt(correctedB)}, CV ${fmt(cv)})`,
      likelyCause:
        'Drops cluster in time and then stop for long stretches: an unstable period of the network or the cloud ' +
        `rather than a steady cause.${dominant ? ` Inside the bursts the errors are mostly ${dominant.name}: ${dominant.meaning}.` : ''}`,
      advice: [
        'Note when the bursts happen (see recent_drops) and compare with router, ISP or Wi-Fi events at those times.',
        'If the bursts line up with host events, the system watcher will show them once it sees them.',
      ],
      confidence: quality(1),
    });
  }

  if (random) {
    return finish(ctx, base, {
      verdict: 'random',
      title: `Drops at random times (${perDayText}, CV ${fmt(cv)}): network, Wi-Fi or NAT`,
      likelyCause: randomCause(labels),
      advice: [
        `Set keep_alive_secs to 60–120${c.keepAlive !== null && c.keepAlive > 120 ? ` (now ${c.keepAlive})` : ''}: a NAT or router forgets idle connections sooner than AWS's default keep-alive.`,
        'Check the host’s network: Wi-Fi signal and power saving, router or ISP reconnects.',
        'After a change, leave it running a day: the configuration epochs below will show whether the drop rate fell.',
      ],
      confidence: episodes.length >= 10 ? 'medium' : 'low',
    });
  }

  return finish(ctx, base, {
    verdict: 'irregular',
    title: `Drops at irregular intervals (${perDayText}, CV ${fmt(cv)})`,
    likelyCause: `The drops are neither regular nor purely random. ${randomCause(labels)}`,
    advice: [
      'Set keep_alive_secs to 60–120 if it is higher, and check the host’s network link.',
      'Keep collecting: more drops sharpen the picture.',
    ],
    confidence: 'low',
  });
}

type VerdictPart = Pick<Analysis, 'verdict' | 'title' | 'likelyCause' | 'advice' | 'confidence'>;

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
  system: { matched: number; fraction: number; kinds: Map<string, number> },
  episodes: number,
  confidence: Analysis['confidence'],
): VerdictPart {
  const kinds = [...system.kinds].map(([kind, count]) => `${kind.replace(/_/g, ' ')} (${count})`).join(', ');
  return {
    verdict: 'system_events',
    title: `Drops coincide with host events: ${kinds}`,
    likelyCause:
      `${system.matched} of ${episodes} drop episodes happened within 2 minutes of a host event (${kinds}). ` +
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
    if (Math.abs(lifetime - candidate.seconds) / candidate.seconds < 0.03) return candidate;
  }
  return null;
}

function fixedLifetimeVerdict(
  lifetime: number,
  match: LifetimeMatch | null,
  count: number,
  c: Clean,
): VerdictPart {
  const confidence: Analysis['confidence'] = count >= 10 ? 'high' : 'medium';
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
