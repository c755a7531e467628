// Every threshold in src/diagnostics/thresholds.ts pinned from both sides with literal values a
// little inside and a little outside it, so that moving any of them by ±30 % fails a test here
// (scripts/mutate-thresholds.mjs does exactly that and prints which test caught each move).

import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { perDay } from '../../src/diagnostics/numbers.js';
import {
  type Analysis,
  type AnalysisInput,
  analyzeDrops,
  chanceConfidence,
  confidenceOf,
} from '../../src/diagnostics/patterns.js';
import { ManualClock } from '../../src/util/clock.js';
import { DAY_S, HOUR_S, history, poissonTimes, rng } from './synthetic.js';

const UPGRADE = 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE';

/** Drops at irregular (Poisson, seeded) times: no rhythm of their own. */
function irregularTimes(seed: number, count: number, meanGapS = 3 * HOUR_S): number[] {
  const times = poissonTimes(rng(seed), meanGapS, (count * meanGapS * 3) / HOUR_S);
  return times.slice(0, count);
}

function analyse(input: AnalysisInput): Analysis {
  return analyzeDrops(input);
}

describe('what counts as what', () => {
  it('EPISODE_MERGE_MS (60 s): drops 50 s apart are one episode, 70 s apart two', () => {
    const base = [3600, 7200, 10_800];
    const near = analyse(
      history({ random: rng(1), hours: 5, dropTimesS: [...base, 3650].sort((a, b) => a - b) }),
    );
    expect(near.evidence.episodes).toBe(3);
    const apart = analyse(
      history({ random: rng(1), hours: 5, dropTimesS: [...base, 3670].sort((a, b) => a - b) }),
    );
    expect(apart.evidence.episodes).toBe(4);
  });

  it('IMMEDIATE_SECONDS (5 s): sessions of 4 s are immediate rejections, of 6 s not', () => {
    const times = irregularTimes(2, 12, 600);
    const four = analyse(history({ random: rng(2), hours: 4, dropTimesS: times, lifetimeS: () => 4 }));
    expect(four.verdict).toBe('immediate_rejection');
    const six = analyse(history({ random: rng(2), hours: 4, dropTimesS: times, lifetimeS: () => 6 }));
    expect(six.verdict).not.toBe('immediate_rejection');
  });

  it('OWN_BURST_MS (30 s): messages 25 s after a connect are the bridge’s own, 35 s after are load', () => {
    const clock = new ManualClock();
    const collector = new DiagnosticsCollector({ maxEventsRetained: 10, clock });
    collector.recordConnectionSuccess({
      eventType: 'connected',
      sessionPresent: false,
      returnCode: 0,
      attemptNumber: 0,
    });
    clock.advance(25_000);
    collector.recordMessage('in');
    expect(collector.ownBurstMessageCount()).toBe(1);
    clock.advance(10_000);
    collector.recordMessage('in');
    expect(collector.ownBurstMessageCount()).toBe(1);
    expect(collector.history().load.bins.reduce((n, b) => n + b.messages, 0)).toBe(1);
  });

  it('SYSTEM_EVENT_WINDOW_MS (2 min): a host event 100 s before a drop is near it, 140 s before is not', () => {
    const times = irregularTimes(3, 8);
    const at = (offsetS: number) =>
      analyse(
        history({
          random: rng(3),
          hours: 40,
          dropTimesS: times,
          systemEvents: times.map((t) => ({ atS: t - offsetS, kind: 'network_change' })),
        }),
      );
    expect(at(100).evidence.episodes_near_system_events).toBe(8);
    expect(at(140).evidence.episodes_near_system_events).toBe(0);
  });

  it('ERROR_SHARE (0.6): half the drops as hang-ups is no pattern, 70 % is server-initiated', () => {
    const times = irregularTimes(4, 10);
    const share = (hangups: number) =>
      analyse(
        history({
          random: rng(4),
          hours: 40,
          dropTimesS: times,
          errorName: (i) => (i < hangups ? 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP' : 'AWS_IO_DNS_QUERY_FAILED'),
        }),
      ).labels;
    expect(share(5)).not.toContain('server_initiated');
    expect(share(7)).toContain('server_initiated');
  });
});

describe('how much data a statement needs', () => {
  it('MIN_EPISODES (5): 4 episodes are still a baseline, 5 are enough', () => {
    const times = [2, 6, 11, 15, 20].map((h) => h * HOUR_S);
    expect(analyse(history({ random: rng(5), hours: 22, dropTimesS: times.slice(0, 4) })).verdict).toBe(
      'collecting_baseline',
    );
    expect(analyse(history({ random: rng(5), hours: 22, dropTimesS: times })).verdict).not.toBe(
      'collecting_baseline',
    );
  });

  it('MIN_LIFETIMES (5): 4 immediate cuts are too few to call, 5 are immediate rejection', () => {
    const cuts = (n: number) =>
      analyse(
        history({
          random: rng(6),
          hours: 3,
          dropTimesS: [600, 1800, 3000, 4200, 5400, 6600].slice(0, n),
          lifetimeS: () => 1,
        }),
      );
    expect(cuts(4).verdict).not.toBe('immediate_rejection');
    expect(cuts(5).verdict).toBe('immediate_rejection');
  });

  it('HIGH_CONFIDENCE_COUNT (10) and HIGH_CONFIDENCE_ALPHA (0.002): high needs both', () => {
    expect(confidenceOf(0.0001, 9)).toBe('medium');
    expect(confidenceOf(0.0001, 10)).toBe('high');
    expect(confidenceOf(0.0018, 20)).toBe('high');
    expect(confidenceOf(0.0022, 20)).toBe('medium');
  });

  it('ALPHA (0.01): p 0.009 is significant, 0.011 is not', () => {
    expect(confidenceOf(0.009, 5)).toBe('medium');
    expect(confidenceOf(0.011, 5)).toBe('low');
  });

  it('RANDOM_HIGH_COUNT (30): "random" is highly confident from 30 episodes', () => {
    expect(chanceConfidence(29)).toBe('medium');
    expect(chanceConfidence(30)).toBe('high');
    expect(chanceConfidence(9)).toBe('low');
  });

  it('MIN_RATE_HOURS (6): no rate after 5.9 hours, one after 6', () => {
    expect(perDay(3, 5.9)).toBeNull();
    expect(perDay(3, 6)).toBe(12);
  });

  it('STABLE_HOURS (24): 20 quiet hours are a baseline, 28 are stable', () => {
    expect(analyse(history({ random: rng(7), hours: 20, dropTimesS: [] })).verdict).toBe(
      'collecting_baseline',
    );
    expect(analyse(history({ random: rng(7), hours: 28, dropTimesS: [] })).verdict).toBe('stable');
  });

  it('MIN_SYSTEM_MATCHES (3): two drops at host events are not enough, three are', () => {
    const times = irregularTimes(8, 12);
    const matched = (k: number) =>
      analyse(
        history({
          random: rng(8),
          hours: 60,
          dropTimesS: times,
          systemEvents: times.slice(0, k).map((t) => ({ atS: t - 20, kind: 'clock_jump' })),
        }),
      ).labels;
    expect(matched(2)).not.toContain('system_events');
    expect(matched(3)).toContain('system_events');
  });

  it('CLOCK_MIN_CYCLES (3): the same time of day over 2 days is no rhythm yet, over 3 days it is', () => {
    // Two drops a day, at 10:00 and 10:25: locked to the day, not to the hour.
    const daily = (days: number) =>
      Array.from({ length: days + 1 }, (_, d) => [
        d * DAY_S + 10 * HOUR_S,
        d * DAY_S + 10 * HOUR_S + 1500,
      ]).flat();
    const labels = (days: number) =>
      analyse(history({ random: rng(9), hours: days * 24 + 12, dropTimesS: daily(days) })).labels;
    expect(labels(2)).not.toContain('same_time_of_day');
    expect(labels(3)).toContain('same_time_of_day');
  });

  it('FAILING_AFTER_REFUSALS (3): two refused reconnects are not yet "failing", three are', () => {
    const refused = (k: number) => {
      const input = history({ random: rng(10), hours: 30, dropTimesS: irregularTimes(10, 8) });
      const last = input.drops.at(-1) as AnalysisInput['drops'][number];
      input.connections = input.connections.filter((c) => c.monoMs < last.monoMs);
      input.connected = false;
      input.reconnectFailures = Array.from({ length: k }, (_, i) => ({
        wallMs: last.wallMs + (i + 1) * 5000,
        monoMs: last.monoMs + (i + 1) * 5000,
        errorName: UPGRADE,
        deep: false,
        credentialAgeSeconds: 60,
      }));
      return analyse(input).verdict;
    };
    expect(refused(2)).not.toBe('reconnect_failing');
    expect(refused(3)).toBe('reconnect_failing');
  });
});

describe('the decisions', () => {
  it('IMMEDIATE_FRACTION (0.5): 5 of 12 cut at once is not immediate rejection, 7 of 12 is', () => {
    const times = irregularTimes(11, 12, 900);
    const cut = (k: number) =>
      analyse(history({ random: rng(11), hours: 6, dropTimesS: times, lifetimeS: (i) => (i < k ? 1 : 600) }))
        .verdict;
    expect(cut(5)).not.toBe('immediate_rejection');
    expect(cut(7)).toBe('immediate_rejection');
  });

  /** Gaps alternating (1 ± spread) h, an even number of them, so their MAD / median is exactly `spread`. */
  function alternating(spread: number, n = 41): number[] {
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < n; i++) {
      t += HOUR_S * (i % 2 === 0 ? 1 - spread : 1 + spread);
      times.push(t);
    }
    return times;
  }

  it('REGULAR_MAD_RATIO (0.15): gaps spread ±13 % are regular, ±17 % are not', () => {
    // Lifetimes of their own (as when reconnects take long), so only the gaps can be regular.
    const at = (spread: number) => {
      const r = rng(12);
      return analyse(
        history({ random: r, hours: 43, dropTimesS: alternating(spread), lifetimeS: () => 600 + 2400 * r() }),
      );
    };
    expect(at(0.13).verdict).toBe('regular_interval');
    expect(at(0.17).verdict).toBe('irregular');
  });

  it('FIXED_LIFETIME_MAD_RATIO (0.05): lifetimes spread ±4 % are a fixed lifetime, ±6 % are not', () => {
    const times = irregularTimes(13, 30);
    const at = (spread: number) =>
      analyse(
        history({
          random: rng(13),
          hours: 120,
          dropTimesS: times,
          lifetimeS: (i) => 5000 * (i % 2 === 0 ? 1 - spread : 1 + spread),
        }),
      ).labels;
    expect(at(0.04)).toContain('fixed_lifetime');
    expect(at(0.06)).not.toContain('fixed_lifetime');
  });

  it('LIFETIME_MATCH_TOLERANCE (0.03): a 24.6 h lifetime is the 24 h WebSocket limit, 24.84 h is not', () => {
    const times = irregularTimes(14, 12);
    const at = (lifetimeS: number) =>
      analyse(history({ random: rng(14), hours: 60, dropTimesS: times, lifetimeS: () => lifetimeS })).labels;
    expect(at(DAY_S * 1.025)).toContain('websocket_ttl');
    expect(at(DAY_S * 1.035)).not.toContain('websocket_ttl');
  });

  it('CLOCK_MIN_R (0.5): phases concentrated to R 0.45 are no clock-time rhythm, to R 0.55 they are', () => {
    // Two drops a day, at midnight and θ later: R = cos(θ/2) at the day period.
    const labels = (r: number) => {
      const offsetS = ((2 * Math.acos(r)) / (2 * Math.PI)) * DAY_S;
      const times = Array.from({ length: 30 }, (_, d) => [d * DAY_S + 600, d * DAY_S + 600 + offsetS]).flat();
      return analyse(history({ random: rng(15), hours: 30 * 24 + 12, dropTimesS: times })).labels;
    };
    expect(labels(0.45)).not.toContain('same_time_of_day');
    expect(labels(0.55)).toContain('same_time_of_day');
  });

  it('LOAD_RATIO (1.5): 1.3× the usual load before drops is not load-correlated, 1.7× is', () => {
    const times = irregularTimes(16, 40);
    const at = (ratio: number) =>
      analyse(
        history({
          random: rng(16),
          hours: 400,
          dropTimesS: times,
          loadPerBin: (before) => (before ? 100 * ratio : 100),
        }),
      ).labels;
    expect(at(1.3)).not.toContain('load_correlated');
    expect(at(1.7)).toContain('load_correlated');
  });

  it('EPOCH_ALPHA (0.05): a keep-alive change is confirmed at p 0.040, not at p 0.058', () => {
    const judged = (before: number, after: number) => {
      const spread = (count: number, fromS: number) =>
        Array.from({ length: count }, (_, i) => fromS + ((i + 0.5) * 48 * HOUR_S) / count);
      return analyse(
        history({
          random: rng(17),
          hours: 96,
          dropTimesS: [...spread(before, 0), ...spread(after, 48 * HOUR_S)],
          configEpochs: [
            { atS: 0, settings: { keep_alive_secs: 1200 } },
            { atS: 48 * HOUR_S, settings: { keep_alive_secs: 60 } },
          ],
        }),
      ).evidence.nat_hypothesis;
    };
    expect(judged(26, 14)).toBe('confirmed'); // P(X ≤ 14 | 40, ½) = 0.040
    expect(judged(14, 6)).not.toBe('confirmed'); // P(X ≤ 6 | 20, ½) = 0.058
  });

  function refusedWith(credentialAgeS: number, clockOffsetS: number): Analysis {
    const input = history({ random: rng(18), hours: 30, dropTimesS: irregularTimes(18, 8) });
    const last = input.drops.at(-1) as AnalysisInput['drops'][number];
    input.connections = input.connections.filter((c) => c.monoMs < last.monoMs);
    input.connected = false;
    input.reconnectFailures = [1, 2, 3, 4].map((i) => ({
      wallMs: last.wallMs + i * 5000,
      monoMs: last.monoMs + i * 5000,
      errorName: UPGRADE,
      deep: false,
      credentialAgeSeconds: credentialAgeS,
    }));
    input.restChecks = [
      { wallMs: last.wallMs, monoMs: last.monoMs, reachable: true, clockOffsetMs: clockOffsetS * 1000 },
    ];
    return analyse(input);
  }

  it('CLOCK_SKEW_LIMIT_S (300): a clock 250 s off is fine, 350 s off is the cause', () => {
    expect(refusedWith(60, 250).labels).not.toContain('clock_skew');
    expect(refusedWith(60, 350).labels).toContain('clock_skew');
  });

  it('FRESH_CREDENTIALS_S (1800): credentials 25 min old are fresh, 35 min old are suspect', () => {
    expect(refusedWith(1500, 2).labels).toContain('cloud_refusing');
    expect(refusedWith(2100, 2).labels).toContain('credentials_or_clock');
  });
});
