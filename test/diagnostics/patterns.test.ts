import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import {
  type Analysis,
  type AnalysisInput,
  analysisSchema,
  analyzeDrops,
  VERDICTS,
} from '../../src/diagnostics/patterns.js';
import { ManualClock } from '../../src/util/clock.js';
import { DAY_S, exponential, HOUR_S, history, poissonTimes, rng, uniform } from './synthetic.js';

const SEEDS = [1, 2, 3];

function evidence(a: Analysis, key: string): number {
  const value = a.evidence[key];
  if (typeof value !== 'number') throw new Error(`evidence ${key} is ${String(value)}`);
  return value;
}

function regular20Min(seed: number): AnalysisInput {
  const r = rng(seed);
  const times = Array.from({ length: 71 }, (_, k) => (k + 1) * 1200 + uniform(r, -30, 30));
  return history({ random: r, hours: 24, dropTimesS: times });
}

function ttl24h(seed: number): AnalysisInput {
  const r = rng(seed);
  const times: number[] = [];
  let t = 0;
  for (let day = 0; day < 7; day++) {
    t += DAY_S + uniform(r, -2, 2);
    times.push(t);
    t += uniform(r, 1, 3);
  }
  return history({ random: r, hours: 7.5 * 24, dropTimesS: times });
}

function poisson(seed: number, errorName = 'AWS_IO_SOCKET_CLOSED'): AnalysisInput {
  const r = rng(seed);
  return history({
    random: r,
    hours: 5 * 24,
    dropTimesS: poissonTimes(r, 3 * HOUR_S, 5 * 24),
    errorName,
    loadPerBin: () => 20 + uniform(r, -5, 5),
  });
}

function bursts(seed: number): AnalysisInput {
  const r = rng(seed);
  const times: number[] = [];
  let t = 0;
  for (let burst = 0; burst < 8; burst++) {
    t += exponential(r, 12 * HOUR_S);
    const size = 4 + Math.floor(r() * 3);
    for (let i = 0; i < size; i++) {
      t += uniform(r, 120, 300);
      times.push(t);
    }
  }
  return history({ random: r, hours: t / HOUR_S + 1, dropTimesS: times });
}

describe('analyzeDrops: the seed table', () => {
  it.each(SEEDS)('finds a regular 20-minute interval with ±30 s jitter (seed %i)', (seed) => {
    const a = analyzeDrops(regular20Min(seed));
    expect(a.verdict).toBe('regular_interval');
    expect(a.title).toMatch(/^Drops every ~(19\.9|20|20\.1) min/);
    expect(a.advice.join(' ')).toMatch(/Report the period found/);
    expect(evidence(a, 'gap_mad_ratio')).toBeLessThan(0.15);
    expect(evidence(a, 'gap_regularity_p')).toBeLessThan(0.01);
    expect(evidence(a, 'median_gap_s')).toBeGreaterThan(1170);
    expect(evidence(a, 'median_gap_s')).toBeLessThan(1230);
    expect(a.confidence).toBe('high');
  });

  it.each(SEEDS)('recognises the 24 h WebSocket lifetime as expected (seed %i)', (seed) => {
    const a = analyzeDrops(ttl24h(seed));
    expect(a.verdict).toBe('fixed_lifetime');
    expect(a.title).toBe('Drops every ~24 h: the AWS WebSocket lifetime');
    expect(a.labels).toEqual(expect.arrayContaining(['fixed_lifetime', 'websocket_ttl', 'server_initiated']));
    expect(evidence(a, 'lifetime_mad_ratio')).toBeLessThan(0.05);
    expect(evidence(a, 'median_lifetime_s')).toBeCloseTo(86_400, -1);
    expect(a.advice[0]).toMatch(/Nothing to do/);
  });

  it.each(SEEDS)('calls Poisson drops random and points at the network (seed %i)', (seed) => {
    const a = analyzeDrops(poisson(seed));
    expect(a.verdict).toBe('random');
    expect(a.labels).toContain('network_path');
    expect(a.labels).not.toContain('load_correlated');
    expect(evidence(a, 'cv')).toBeGreaterThan(0.6);
    expect(evidence(a, 'cv')).toBeLessThan(1.4);
    expect(a.advice.join(' ')).toMatch(/keep_alive_secs to 60–120/);
    expect(a.likelyCause).toMatch(/AWS_IO_SOCKET_CLOSED/);
  });

  it.each(SEEDS)('calls clustered drops bursty (seed %i)', (seed) => {
    const a = analyzeDrops(bursts(seed));
    expect(a.verdict).toBe('bursty');
    expect(evidence(a, 'burstiness_corrected')).toBeGreaterThan(0.2);
  });

  it.each(SEEDS)('ties drops that follow message bursts to the load, with the numbers (seed %i)', (seed) => {
    const r = rng(seed);
    const times = poissonTimes(r, 2 * HOUR_S, 72);
    const a = analyzeDrops(
      history({
        random: r,
        hours: 72,
        dropTimesS: times,
        loadPerBin: (before) => (before ? 150 : 20 + uniform(r, -5, 5)),
      }),
    );
    expect(a.verdict).toBe('load_correlated');
    expect(evidence(a, 'load_ratio')).toBeGreaterThan(1.5);
    expect(evidence(a, 'load_p')).toBeLessThan(0.01);
    expect(a.advice[0]).toMatch(/Lower the message rate: raise status_interval \(now [\d.]+ msg\/s/);
  });

  it('does not blame the load when it is the same before drops as at any other time', () => {
    const r = rng(4);
    const times = poissonTimes(r, 2 * HOUR_S, 72);
    const a = analyzeDrops(
      history({ random: r, hours: 72, dropTimesS: times, loadPerBin: () => 20 + uniform(r, -5, 5) }),
    );
    expect(a.verdict).not.toBe('load_correlated');
    expect(evidence(a, 'load_p')).toBeGreaterThan(0.01);
    expect(evidence(a, 'load_ratio')).toBeLessThan(1.5);
  });

  it.each(SEEDS)('names the host events that coincide with drops (seed %i)', (seed) => {
    const r = rng(seed);
    const times = poissonTimes(r, 2 * HOUR_S, 72);
    const events = times
      .filter(() => r() < 0.8)
      .map((t) => ({ atS: t - uniform(r, 0, 20), kind: 'clock_jump' }));
    events.push({ atS: 10, kind: 'network_change' }); // far from any drop: not counted
    const a = analyzeDrops(history({ random: r, hours: 72, dropTimesS: times, systemEvents: events }));
    expect(a.verdict).toBe('system_events');
    expect(a.title).toMatch(/^Drops coincide with host events: clock jump \(\d+\)$/);
    expect(evidence(a, 'system_event_fraction')).toBeGreaterThan(0.5);
  });

  it('detects immediate rejection and suspects a duplicate client id', () => {
    const r = rng(5);
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 12; i++) {
      t += Math.min(120, 2 ** i) + uniform(r, 0, 2);
      times.push(t);
    }
    const a = analyzeDrops(
      history({ random: r, hours: 2, dropTimesS: times, lifetimeS: () => uniform(r, 0.3, 3) }),
    );
    expect(a.verdict).toBe('immediate_rejection');
    expect(a.title).toBe('The cloud hangs up right after connecting (12 of 12 sessions lasted < 5 s)');
    expect(a.labels).toContain('duplicate_client_id_suspected');
    expect(a.likelyCause).toMatch(/same client id/);
    expect(a.checklist.find((c) => c.item.includes('client id'))?.answer).toBe('no');
  });

  it('reports a half-open path when most drops are ping timeouts', () => {
    const r = rng(6);
    const a = analyzeDrops(
      history({
        random: r,
        hours: 96,
        dropTimesS: poissonTimes(r, 4 * HOUR_S, 96),
        errorName: 'AWS_ERROR_MQTT_TIMEOUT',
      }),
    );
    expect(a.verdict).toBe('half_open');
    expect(a.errorBreakdown[0]).toMatchObject({ name: 'AWS_ERROR_MQTT_TIMEOUT' });
    expect(a.errorBreakdown[0]?.meaning).toMatch(/half-open/);
  });

  it('says reconnects are refused when the link stays down behind WEBSOCKET_UPGRADE_FAILUREs', () => {
    const r = rng(7);
    const input = poisson(7, 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    const last = input.drops[input.drops.length - 1];
    if (!last) throw new Error('no drops generated');
    input.connections = input.connections.filter((c) => c.monoMs < last.monoMs);
    input.connected = false;
    input.reconnectFailures = [1, 2, 3, 4].map((i) => ({
      wallMs: last.wallMs + i * 30_000,
      monoMs: last.monoMs + i * 30_000 + uniform(r, 0, 1),
      errorName: 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE',
      deep: i === 4,
    }));
    const a = analyzeDrops(input);
    expect(a.verdict).toBe('reconnect_failing');
    expect(a.labels).toContain('credentials_or_clock');
    expect(a.checklist.find((c) => c.item === 'Reconnects recovering')?.answer).toBe('no');
  });

  it('asks for more data with the drop count and hours in the title', () => {
    const r = rng(8);
    const a = analyzeDrops(history({ random: r, hours: 5, dropTimesS: [3600, 7200, 14_400] }));
    expect(a.verdict).toBe('collecting_baseline');
    expect(a.title).toBe('Collecting baseline: 3 drops in 5.0 hours');
    expect(a.confidence).toBe('low');
  });

  it('calls a short window without drops a baseline and a day without drops stable', () => {
    const r = rng(9);
    expect(analyzeDrops(history({ random: r, hours: 3, dropTimesS: [] })).title).toBe(
      'Collecting baseline: 0 drops in 3.0 hours',
    );
    const stable = analyzeDrops(history({ random: r, hours: 30, dropTimesS: [] }));
    expect(stable.verdict).toBe('stable');
    expect(stable.title).toBe('Stable: no drops in 30.0 hours');
    const quiet = analyzeDrops(history({ random: r, hours: 60, dropTimesS: [600, 5000] }));
    expect(quiet.verdict).toBe('stable');
    expect(quiet.title).toMatch(/^Stable: no drops in the last 5\d\.\d hours \(2 drops in 60\.0 hours\)$/);
  });

  it('merges drops less than a minute apart into one episode', () => {
    const r = rng(10);
    const times = [1000, 1010, 1030, 5000, 5020, 9000];
    const a = analyzeDrops(history({ random: r, hours: 4, dropTimesS: times }));
    expect(a.evidence.drops_analysed).toBe(6);
    expect(a.evidence.episodes).toBe(3);
    expect(a.evidence.gaps).toBe(2);
  });

  it('never advises checks users cannot make, such as AWS CloudWatch', () => {
    const inputs = [regular20Min(1), ttl24h(1), poisson(1), bursts(1)];
    for (const input of inputs) {
      const a = analyzeDrops(input);
      expect(JSON.stringify(a)).not.toMatch(/CloudWatch/i);
    }
  });

  it('gives the same answer for the same history (seeded permutation test)', () => {
    const r = rng(11);
    const input = history({
      random: r,
      hours: 72,
      dropTimesS: poissonTimes(r, 2 * HOUR_S, 72),
      loadPerBin: () => 20 + uniform(r, -5, 5),
    });
    expect(analyzeDrops(input)).toEqual(analyzeDrops(structuredClone(input)));
  });
});

describe('analyzeDrops: configuration epochs', () => {
  it('confirms the NAT hypothesis when lowering keep_alive_secs cut the drop rate', () => {
    const r = rng(12);
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
    expect(a.labels).toContain('nat_timeout_confirmed');
    expect(a.epochs).toHaveLength(2);
    expect(a.epochs[0]).toMatchObject({
      settings: { keep_alive_secs: 1200 },
      hours: 48,
      drops: before.length,
    });
    expect(a.epochs[1]).toMatchObject({ settings: { keep_alive_secs: 60 }, hours: 48, drops: after.length });
    expect(a.epochs[0]?.dropsPerDay).toBeGreaterThan((a.epochs[1]?.dropsPerDay ?? 0) * 3);
    expect(a.advice.join(' ')).toMatch(
      /NAT idle-timeout hypothesis confirmed: after keep_alive_secs 1200 → 60/,
    );
  });

  it('rejects the NAT hypothesis when the drop rate did not change with keep_alive_secs', () => {
    const r = rng(13);
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
    expect(a.evidence.nat_hypothesis).toBe('rejected');
    expect(a.labels).toContain('nat_timeout_rejected');
    expect(a.advice.join(' ')).toMatch(/hypothesis rejected/);
  });
});

describe('analyzeDrops: checklist', () => {
  it('answers baseline, credential renewal, recovery and keep-alive questions', () => {
    const input = regular20Min(1);
    input.credentialRenewals = [
      { wallMs: 0, monoMs: 0, planned: true, reason: 'sign-in' },
      { wallMs: 0, monoMs: 3_000_000, planned: true, reason: 'refresh' },
    ];
    input.keepAliveSecs = 1200;
    const a = analyzeDrops(input);
    const answer = (prefix: string) => a.checklist.find((c) => c.item.startsWith(prefix));
    expect(answer('At least 24 hours')).toMatchObject({ answer: 'yes' });
    expect(answer('Credential renewal working')).toMatchObject({ answer: 'yes' });
    expect(answer('Reconnects recovering')?.answer).toBe('yes');
    expect(answer('Reconnects recovering')?.detail).toMatch(/median time to reconnect \d(\.\d)? s/);
    expect(answer('keep_alive_secs at most 120')).toMatchObject({ answer: 'no' });
    expect(answer('Drops away from host events')).toMatchObject({ answer: 'yes' });
  });

  it('flags credential renewal when upgrade failures follow it', () => {
    const input = poisson(2);
    input.credentialRenewals = [{ wallMs: 0, monoMs: 0, planned: true, reason: 'sign-in' }];
    input.reconnectFailures = [
      {
        wallMs: 0,
        monoMs: 10 * HOUR_S * 1000,
        errorName: 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE',
        deep: false,
      },
    ];
    const a = analyzeDrops(input);
    expect(a.checklist.find((c) => c.item === 'Credential renewal working')?.answer).toBe('no');
  });
});

describe('analyzeDrops: fed by the collector', () => {
  it('classifies a collector history of drops every 20 minutes', () => {
    const clock = new ManualClock();
    const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock });
    const r = rng(14);
    collector.recordConfigEpoch({ keep_alive_secs: 60 });
    collector.recordConnectionSuccess({
      eventType: 'connected',
      sessionPresent: false,
      returnCode: 0,
      attemptNumber: 0,
    });
    let elapsed = 0;
    for (let k = 1; k <= 40; k++) {
      const next = k * 1_200_000 + Math.round(uniform(r, -30_000, 30_000));
      clock.advance(next - elapsed);
      collector.recordConnectionDrop({
        error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: '' },
        reconnectAttempt: 0,
        activeSubscriptions: 2,
        queuedCommands: 0,
      });
      collector.recordReconnectAttempt({ attempt: 1, deep: false });
      clock.advance(1500);
      collector.recordConnectionSuccess({
        eventType: 'resumed',
        sessionPresent: true,
        returnCode: 0,
        attemptNumber: 1,
      });
      elapsed = next + 1500;
    }
    const a = analyzeDrops(collector.analysisInput());
    expect(a.verdict).toBe('regular_interval');
    expect(a.evidence.keep_alive_secs).toBe(60);
    expect(a.epochs).toHaveLength(1);
    expect(a.epochs[0]?.drops).toBe(40);
  });
});

describe('analyzeDrops: robustness', () => {
  it('never throws and always answers in its schema, whatever JSON it is given', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const a = analyzeDrops(value as unknown as AnalysisInput);
        expect(VERDICTS).toContain(a.verdict);
        analysisSchema.parse(a);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('never throws on inputs shaped like histories with hostile values', () => {
    const time = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.string());
    const item = fc.record({
      wallMs: time,
      monoMs: time,
      errorName: fc.oneof(fc.string(), fc.constant(null)),
      lifetimeSeconds: time,
      messages: time,
      kind: fc.string(),
      settings: fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean())),
    });
    fc.assert(
      fc.property(
        fc.record({
          drops: fc.array(item, { maxLength: 30 }),
          connections: fc.array(item, { maxLength: 10 }),
          loadBins: fc.array(item, { maxLength: 30 }),
          systemEvents: fc.array(item, { maxLength: 5 }),
          configEpochs: fc.array(item, { maxLength: 4 }),
          credentialRenewals: fc.array(item, { maxLength: 4 }),
          hoursCollected: time,
          keepAliveSecs: time,
          loadBinMs: time,
          nowMonoMs: time,
        }),
        (value) => {
          const a = analyzeDrops(value as unknown as AnalysisInput);
          expect(a.verdict).not.toBe('analysis_error');
          analysisSchema.parse(a);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
