import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import {
  COUNTER_NAMES,
  CounterSet,
  KEYED_COUNTER_NAMES,
  MAX_DISTINCT_KEYS,
} from '../../src/diagnostics/counters.js';
import { plural, summaryLines } from '../../src/diagnostics/format.js';
import { perDay } from '../../src/diagnostics/numbers.js';
import { MIN_RATE_HOURS } from '../../src/diagnostics/thresholds.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const HOUR_MS = 3_600_000;
const hangup = { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: '' };

function collectorWithDrops(drops: number, everyMs: number) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const log = captureLog('debug');
  const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock, log: log.logger });
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  for (let i = 0; i < drops; i++) {
    clock.advance(everyMs);
    collector.recordConnectionDrop({
      error: hangup,
      reconnectAttempt: 0,
      activeSubscriptions: 1,
      queuedCommands: 0,
    });
    collector.recordReconnectAttempt({ attempt: 1, deep: false });
    clock.advance(1000);
    collector.recordConnectionSuccess({
      eventType: 'resumed',
      sessionPresent: true,
      returnCode: 0,
      attemptNumber: 1,
    });
  }
  return { clock, log, collector };
}

describe('the numbers', () => {
  it('states no rate before the minimum observation, and the rate over the whole observation after it', () => {
    const { collector, clock } = collectorWithDrops(3, 60_000);
    // Three drops in three minutes would extrapolate to ~1400 a day: not stated.
    expect(collector.numbers().drops_per_day).toBeNull();
    expect(collector.numbers().rate_min_hours).toBe(MIN_RATE_HOURS);
    clock.advance(MIN_RATE_HOURS * HOUR_MS);
    const n = collector.numbers();
    expect(n.drops_per_day).toBeCloseTo((3 / n.observed_hours) * 24, 2);
    expect(perDay(3, MIN_RATE_HOURS - 0.01)).toBeNull();
    expect(perDay(3, MIN_RATE_HOURS)).toBe(12);
  });

  it('counts the drops of the last 24 hours, and keeps nwp500-python’s total_connections', () => {
    const { collector, clock } = collectorWithDrops(4, HOUR_MS);
    clock.advance(21 * HOUR_MS);
    const n = collector.numbers();
    expect(n.connections).toBe(1);
    expect(n.recoveries).toBe(4);
    expect(n.drops).toBe(4);
    expect(n.sessions_ended).toBe(4);
    expect(n.drops_last_24h).toBe(3);
    expect(n.reconnect_attempts).toBe(4);
  });

  it('says "1 drop" and "2 drops", and the summary reads from the numbers', () => {
    expect(plural(1, 'drop')).toBe('1 drop');
    expect(plural(2, 'drop')).toBe('2 drops');
    expect(plural(0, 'renewal')).toBe('0 renewals');
    const { collector } = collectorWithDrops(1, 60_000);
    const lines = summaryLines(collector.numbers()).join('\n');
    expect(lines).toContain('Drops: 1 (no rate before 6 h of observation; 1 in the last 24 h)');
  });

  it('does not log what the link already logged (drops, connects, failed attempts)', () => {
    const { collector, log } = collectorWithDrops(2, 60_000);
    collector.recordReconnectFailure({ attempt: 1, deep: false, error: hangup, credentialAgeSeconds: 5 });
    expect(log.records()).toEqual([]);
  });
});

describe('CounterSet', () => {
  it('snapshots and restores every counter by looping over the one list of names', () => {
    const a = new CounterSet();
    for (const [i, name] of COUNTER_NAMES.entries()) a.add(name, i + 1);
    for (const [i, name] of KEYED_COUNTER_NAMES.entries()) a.bump(name, `key${i}`, i + 2);
    const saved = a.snapshot();
    expect(Object.keys(saved.counters)).toEqual([...COUNTER_NAMES]);
    expect(Object.keys(saved.keyed)).toEqual([...KEYED_COUNTER_NAMES]);
    const b = new CounterSet();
    b.restore(saved);
    b.restore(saved);
    for (const [i, name] of COUNTER_NAMES.entries()) expect(b.get(name)).toBe(2 * (i + 1));
    for (const [i, name] of KEYED_COUNTER_NAMES.entries()) {
      expect(b.byKey(name)).toEqual({ [`key${i}`]: 2 * (i + 2) });
    }
  });

  it('keeps a map keyed by outside text bounded', () => {
    const set = new CounterSet();
    for (let i = 0; i < MAX_DISTINCT_KEYS + 50; i++) set.bump('commandsRefusedByReason', `reason ${i}`);
    const counts = set.byKey('commandsRefusedByReason');
    expect(Object.keys(counts)).toHaveLength(MAX_DISTINCT_KEYS + 1);
    expect(counts.OTHER).toBe(50);
    expect(set.sumOf('commandsRefusedByReason')).toBe(MAX_DISTINCT_KEYS + 50);
  });
});
