// Seeded histories for every drop pattern the diagnostics must tell apart, each at growing sizes:
// the verdict must be the right one at every size, and its confidence must not fall as more data of
// the same kind arrives.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { type Analysis, type AnalysisInput, analyzeDrops } from '../../src/diagnostics/patterns.js';
import { ManualClock } from '../../src/util/clock.js';
import { DAY_S, exponential, HOUR_S, history, poissonTimes, rng, uniform } from './synthetic.js';

const SEEDS = [1, 2, 3];
const RANK = { low: 0, medium: 1, high: 2 } as const;

/** Verdicts at each size; asserts the verdict everywhere and a confidence that never falls. */
function grows(
  make: (size: number) => AnalysisInput,
  sizes: number[],
  verdict: Analysis['verdict'],
): Analysis[] {
  const answers = sizes.map((size) => analyzeDrops(make(size)));
  for (const [i, a] of answers.entries()) {
    expect(a.verdict, `size ${sizes[i]}: ${a.title}`).toBe(verdict);
  }
  const ranks = answers.map((a) => RANK[a.confidence]);
  for (let i = 1; i < ranks.length; i++) {
    expect(
      ranks[i],
      `confidence at size ${sizes[i]} vs ${sizes[i - 1]}: ${answers.map((a) => a.confidence)}`,
    ).toBeGreaterThanOrEqual(ranks[i - 1] as number);
  }
  return answers;
}

/** A timer that restarts at every reconnect: 2 h ± 10 min, the period drifting 2 min a day. */
function regularWithDrift(seed: number, days: number): AnalysisInput {
  const r = rng(seed);
  const times: number[] = [];
  let t = 0;
  for (;;) {
    const period = 2 * HOUR_S + (t / DAY_S) * 120;
    t += period + uniform(r, -600, 600);
    if (t >= days * DAY_S) break;
    times.push(t);
    t += uniform(r, 1, 3);
  }
  return history({ random: r, hours: days * 24, dropTimesS: times });
}

function lifetime24h(seed: number, days: number): AnalysisInput {
  const r = rng(seed);
  const times: number[] = [];
  let t = 0;
  while (t + DAY_S + 5 < days * DAY_S) {
    t += DAY_S + uniform(r, -2, 2);
    times.push(t);
    t += uniform(r, 1, 3);
  }
  return history({ random: r, hours: days * 24 + 1, dropTimesS: times });
}

/** The cloud cuts each connection when the credentials it was signed with expire, every hour. */
function hourlyCredentialCuts(seed: number, days: number): AnalysisInput {
  const r = rng(seed);
  const times: number[] = [];
  const renewals: number[] = [0];
  let t = 0;
  while (t + HOUR_S < days * DAY_S) {
    t += HOUR_S + uniform(r, -20, 20);
    times.push(t);
    t += uniform(r, 1, 3);
    renewals.push(t - 0.5);
  }
  const input = history({ random: r, hours: days * 24, dropTimesS: times });
  input.credentialRenewals = renewals.map((s) => ({
    wallMs: input.nowWallMs ? (input.nowWallMs as number) - (days * DAY_S - s) * 1000 : s * 1000,
    monoMs: s * 1000,
    planned: true,
    reason: 'refresh',
  }));
  return input;
}

function poissonHistory(seed: number, meanGapS: number, days: number): AnalysisInput {
  const r = rng(seed);
  return history({
    random: r,
    hours: days * 24,
    dropTimesS: poissonTimes(r, meanGapS, days * 24),
    errorName: 'AWS_IO_SOCKET_CLOSED',
  });
}

function loadBeforeDrops(seed: number, days: number): AnalysisInput {
  const r = rng(seed);
  return history({
    random: r,
    hours: days * 24,
    dropTimesS: poissonTimes(r, 3 * HOUR_S, days * 24),
    loadPerBin: (before) => (before ? 150 + uniform(r, -20, 20) : 20 + uniform(r, -5, 5)),
  });
}

function hostEvents(seed: number, days: number, correlated: boolean): AnalysisInput {
  const r = rng(seed);
  const times = poissonTimes(r, 3 * HOUR_S, days * 24);
  const events = correlated
    ? times.filter(() => r() < 0.8).map((t) => ({ atS: t - uniform(r, 0, 30), kind: 'network_change' }))
    : // Frequent events at their own times: some land near drops by chance, as many as chance says.
      poissonTimes(r, 40 * 60, days * 24).map((t) => ({ atS: t, kind: 'network_change' }));
  return history({ random: r, hours: days * 24, dropTimesS: times, systemEvents: events });
}

/**
 * A real collector on a virtual clock: drops at the given times, each followed by a reconnect and
 * the bridge's own burst of requests and their echoes; steady background traffic otherwise.
 */
function throughCollector(options: {
  dropTimesS: number[];
  hours: number;
  lifetimeS?: () => number;
  burstAfterReconnect: number;
  errorName?: string;
}): AnalysisInput {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const collector = new DiagnosticsCollector({ maxEventsRetained: 5000, clock });
  collector.recordConfigEpoch({ keep_alive_secs: 60 });
  const connect = (type: 'connected' | 'resumed') => {
    collector.recordConnectionSuccess({
      eventType: type,
      sessionPresent: false,
      returnCode: 0,
      attemptNumber: 1,
    });
    for (let i = 0; i < options.burstAfterReconnect; i++) {
      clock.advance(100);
      collector.recordMessage(i % 2 === 0 ? 'out' : 'in');
    }
  };
  connect('connected');
  let nowS = clock.monotonic() / 1000;
  const advanceTo = (targetS: number) => {
    // Background: one message every 15 s.
    while (nowS + 15 < targetS) {
      clock.advance(15_000);
      nowS += 15;
      collector.recordMessage('in');
    }
    clock.advance(Math.max(0, (targetS - nowS) * 1000));
    nowS = targetS;
  };
  for (const t of options.dropTimesS) {
    advanceTo(t);
    collector.recordConnectionDrop({
      error: { name: options.errorName ?? 'AWS_IO_SOCKET_CLOSED', code: 1051, message: '' },
      reconnectAttempt: 0,
      activeSubscriptions: 2,
      queuedCommands: 0,
    });
    collector.recordReconnectAttempt({ attempt: 1, deep: false });
    clock.advance(1500);
    nowS += 1.5;
    connect('resumed');
    nowS = clock.monotonic() / 1000;
  }
  advanceTo(options.hours * HOUR_S);
  return collector.analysisInput();
}

describe('verdicts on seeded histories, at growing sizes', () => {
  it.each(SEEDS)(
    'a timer restarting at each reconnect (2 h ± 10 min, drifting) stays regular at 1, 7 and 14 days (seed %i)',
    (seed) => {
      const answers = grows((days) => regularWithDrift(seed, days), [1, 7, 14], 'regular_interval');
      expect(answers.at(-1)?.confidence).toBe('high');
      expect(answers[0]?.title).toMatch(/^Drops every ~(1[12]\d min|2(\.\d)? h):/);
    },
  );

  it.each(SEEDS)('the 24 h WebSocket lifetime (seed %i)', (seed) => {
    const answers = grows((days) => lifetime24h(seed, days), [7, 14, 28], 'fixed_lifetime');
    for (const a of answers) expect(a.labels).toContain('websocket_ttl');
    expect(answers.at(-1)?.confidence).toBe('high');
  });

  it.each(SEEDS)('hourly credential cuts are the credential lifetime (seed %i)', (seed) => {
    const answers = grows((days) => hourlyCredentialCuts(seed, days), [1, 2, 4], 'fixed_lifetime');
    for (const a of answers) expect(a.labels).toContain('credential_lifetime');
  });

  it.each(SEEDS)('Poisson drops at a low rate (one per 6 h) are random (seed %i)', (seed) => {
    grows((days) => poissonHistory(seed, 6 * HOUR_S, days), [7, 14, 28], 'random');
  });

  // Each test is significant at α = 1 %: about one Poisson history in fifty looks "more even" or
  // "burstier" than chance (seed 1 at 4 days does). The seeds and sizes are fixed, so this is stable.
  it.each(SEEDS)('Poisson drops at a high rate (one per 15 min) are random (seed %i)', (seed) => {
    const answers = grows((days) => poissonHistory(seed, 15 * 60, days), [1, 2, 8], 'random');
    expect(answers.at(-1)?.confidence).toBe('high');
  });

  it.each(SEEDS)('load bursts before drops are load-correlated (seed %i)', (seed) => {
    const answers = grows((days) => loadBeforeDrops(seed, days), [3, 6, 12], 'load_correlated');
    expect(answers.at(-1)?.confidence).toBe('high');
  });

  it.each(SEEDS)('host events at the drops are the cause (seed %i)', (seed) => {
    grows((days) => hostEvents(seed, days, true), [3, 6, 12], 'system_events');
  });

  it.each(SEEDS)(
    'host events that fall near drops only as often as chance says are not (seed %i)',
    (seed) => {
      const answers = grows((days) => hostEvents(seed, days, false), [3, 6, 12], 'random');
      for (const a of answers) {
        expect(a.labels).not.toContain('system_events');
        expect(a.evidence.episodes_near_system_events).toBeGreaterThan(0);
      }
    },
  );
});

describe('the bridge’s own traffic is not load', () => {
  it.each(SEEDS)(
    'its burst of requests after every reconnect does not make drops "load-correlated" (seed %i)',
    (seed) => {
      const r = rng(seed);
      const answers = grows(
        (days) =>
          throughCollector({
            dropTimesS: poissonTimes(rng(seed + 100 * days), 2 * HOUR_S, days * 24),
            hours: days * 24,
            burstAfterReconnect: 80,
          }),
        [2, 4],
        'random',
      );
      for (const a of answers) expect(a.labels).not.toContain('load_correlated');
      expect(r).toBeTypeOf('function');
    },
  );

  it.each(SEEDS)('a duplicate-client-id storm is immediate rejection, not load (seed %i)', (seed) => {
    const r = rng(seed);
    const times: number[] = [];
    let t = 600;
    for (let storm = 0; storm < 6; storm++) {
      for (let i = 0; i < 8; i++) {
        t += uniform(r, 2, 6);
        times.push(t);
      }
      t += exponential(r, HOUR_S);
    }
    const input = throughCollector({
      dropTimesS: times,
      hours: t / HOUR_S + 1,
      burstAfterReconnect: 20,
      errorName: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    });
    const a = analyzeDrops(input);
    expect(a.verdict).toBe('immediate_rejection');
    expect(a.labels).toContain('duplicate_client_id_suspected');
    expect(a.labels).not.toContain('load_correlated');
  });
});

describe('keep-alive A/B across configuration epochs', () => {
  it.each(SEEDS)('confirms the NAT hypothesis when a lower keep-alive cut the rate (seed %i)', (seed) => {
    const r = rng(seed);
    const before = poissonTimes(r, HOUR_S, 48);
    const after = poissonTimes(r, 12 * HOUR_S, 48, 48 * HOUR_S);
    const a = analyzeDrops(
      history({
        random: r,
        hours: 96,
        dropTimesS: [...before, ...after],
        keepAliveSecs: 60,
        configEpochs: [
          { atS: 0, settings: { keep_alive_secs: 1200 } },
          { atS: 48 * HOUR_S, settings: { keep_alive_secs: 60 } },
        ],
      }),
    );
    expect(a.evidence.nat_hypothesis).toBe('confirmed');
    expect(a.evidence.epoch_rate_p).toBeLessThan(0.05);
  });

  it.each(SEEDS)(
    'never confirms it when the rate stayed the same, and rejects it when chance agrees (seed %i)',
    (seed) => {
      const r = rng(seed + 10);
      const a = analyzeDrops(
        history({
          random: r,
          hours: 96,
          dropTimesS: poissonTimes(r, 2 * HOUR_S, 96),
          keepAliveSecs: 60,
          configEpochs: [
            { atS: 0, settings: { keep_alive_secs: 1200 } },
            { atS: 48 * HOUR_S, settings: { keep_alive_secs: 60 } },
          ],
        }),
      );
      expect(a.evidence.nat_hypothesis).not.toBe('confirmed');
      const p = a.evidence.epoch_rate_p as number;
      expect(a.evidence.nat_hypothesis).toBe(p >= 0.05 ? 'rejected' : 'inconclusive');
    },
  );
});

describe('refused reconnects: the cause narrowed with the credentials’ age and the cloud’s clock', () => {
  const UPGRADE = 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE';
  /** Poisson drops for three days, then the link stays down behind `refusals` refused handshakes. */
  function refused(options: {
    seed: number;
    refusals: number;
    credentialAgeS: number | null;
    clockOffsetMs: number | null;
    restDuringOutage?: boolean;
  }): AnalysisInput {
    const r = rng(options.seed);
    const input = history({
      random: r,
      hours: 72,
      dropTimesS: poissonTimes(r, 3 * HOUR_S, 72),
      errorName: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    });
    const last = input.drops.at(-1);
    if (!last) throw new Error('no drops generated');
    input.connections = input.connections.filter((c) => c.monoMs < last.monoMs);
    input.connected = false;
    input.reconnectFailures = Array.from({ length: options.refusals }, (_, i) => ({
      wallMs: last.wallMs + (i + 1) * 5000,
      monoMs: last.monoMs + (i + 1) * 5000,
      errorName: UPGRADE,
      deep: i % 3 === 2,
      credentialAgeSeconds: options.credentialAgeS === null ? null : options.credentialAgeS + i * 5,
    }));
    input.restChecks = [
      ...(options.clockOffsetMs === null
        ? []
        : [
            {
              wallMs: last.wallMs - 60_000,
              monoMs: last.monoMs - 60_000,
              reachable: true,
              clockOffsetMs: options.clockOffsetMs,
            },
          ]),
      ...(options.restDuringOutage
        ? [{ wallMs: last.wallMs + 7000, monoMs: last.monoMs + 7000, reachable: true, clockOffsetMs: null }]
        : []),
    ];
    return input;
  }

  it('never calls refusals with fresh credentials and an agreeing clock "credentials or clock"', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: -290_000, max: 290_000 }),
        fc.boolean(),
        (seed, refusals, ageS, offsetMs, rest) => {
          const a = analyzeDrops(
            refused({
              seed,
              refusals,
              credentialAgeS: ageS,
              clockOffsetMs: offsetMs,
              restDuringOutage: rest,
            }),
          );
          expect(a.verdict).toBe('reconnect_failing');
          expect(a.title).toMatch(/the cloud is refusing connections \(outage or throttling\)$/);
          expect(`${a.title} ${a.likelyCause}`).not.toMatch(/credentials or clock|expired or wrong/i);
          expect(a.labels).toContain('cloud_refusing');
          expect(a.labels).not.toContain('credentials_or_clock');
          expect(a.advice.join(' ')).not.toMatch(/NTP|sign-in/);
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it('says the REST side answered during the outage when it did', () => {
    const a = analyzeDrops(
      refused({ seed: 1, refusals: 6, credentialAgeS: 120, clockOffsetMs: 800, restDuringOutage: true }),
    );
    expect(a.likelyCause).toMatch(/REST API answered all 1 call during the outage/);
    expect(a.confidence).toBe('high');
  });

  it('suspects credentials or the clock when the credentials were old', () => {
    const a = analyzeDrops(refused({ seed: 2, refusals: 4, credentialAgeS: 3 * HOUR_S, clockOffsetMs: 500 }));
    expect(a.title).toMatch(/: credentials or clock$/);
    expect(a.labels).toContain('credentials_or_clock');
    expect(a.likelyCause).toMatch(/up to 3(\.\d)? h old/);
  });

  it('names a clock more than 5 minutes off as the cause', () => {
    const a = analyzeDrops(refused({ seed: 3, refusals: 4, credentialAgeS: 60, clockOffsetMs: 7 * 60_000 }));
    expect(a.title).toMatch(/the host clock is 7(\.\d)? min behind the cloud's$/);
    expect(a.labels).toContain('clock_skew');
    expect(a.confidence).toBe('high');
    expect(a.checklist.find((c) => c.item.startsWith('Host clock'))?.answer).toBe('no');
  });

  it('with fresh credentials but no look at the cloud’s clock yet, says so', () => {
    const a = analyzeDrops(refused({ seed: 4, refusals: 3, credentialAgeS: 30, clockOffsetMs: null }));
    expect(a.title).toMatch(
      /fresh credentials: the cloud is refusing connections, or the host clock is off \(not checked yet\)$/,
    );
    expect(a.confidence).toBe('low');
  });
});
