import { describe, expect, it } from 'vitest';
import { type CloudError, DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import {
  buildTimeline,
  MAX_TIMELINE_ITEMS,
  shortestRangeHours,
  TIMELINE_RANGES_HOURS,
  timelineSchema,
} from '../../src/http/timeline.js';
import { ManualClock } from '../../src/util/clock.js';
import { Redactor } from '../../src/util/redact.js';
import { DAY_MS, HOUR_MS } from './harness.js';

const hangup: CloudError = { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'hung up' };

function link(maxEventsRetained = 1000) {
  const clock = new ManualClock(Date.UTC(2026, 0, 5));
  const collector = new DiagnosticsCollector({ maxEventsRetained, clock });
  const up = (eventType: 'connected' | 'resumed' = 'resumed') =>
    collector.recordConnectionSuccess({ eventType, sessionPresent: true, returnCode: 0, attemptNumber: 1 });
  const down = (error: CloudError = hangup) =>
    collector.recordConnectionDrop({ error, reconnectAttempt: 0, activeSubscriptions: 1, queuedCommands: 0 });
  const timeline = (days = 7) =>
    timelineSchema.parse(buildTimeline({ collector, redactor: new Redactor(), nowMs: clock.now(), days }));
  return { clock, collector, up, down, timeline };
}

describe('buildTimeline', () => {
  it('pairs each connection with the drop that ended it, and leaves the live session open', () => {
    const l = link();
    const t0 = l.clock.now();
    l.up('connected');
    l.clock.advance(5 * HOUR_MS);
    l.down();
    l.clock.advance(3_000);
    l.up();
    l.clock.advance(HOUR_MS);
    const t = l.timeline();
    expect(t.sessions).toEqual([
      { start_ms: t0, end_ms: t0 + 5 * HOUR_MS, kind: 'connected', clipped: false },
      { start_ms: t0 + 5 * HOUR_MS + 3_000, end_ms: null, kind: 'resumed', clipped: false },
    ]);
    expect(t.drops).toEqual([
      { at_ms: t0 + 5 * HOUR_MS, error: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', session_seconds: 5 * 3600 },
    ]);
    expect(t.connected).toBe(true);
  });

  it('clips a session that began before the window to the window start', () => {
    const l = link();
    l.up('connected');
    l.clock.advance(3 * DAY_MS);
    const t = l.timeline(1);
    expect(t.sessions).toEqual([{ start_ms: t.from_ms, end_ms: null, kind: 'connected', clipped: true }]);
    expect(t.from_ms).toBe(t.now_ms - DAY_MS);
  });

  it('leaves out drops and sessions older than the window', () => {
    const l = link();
    l.up('connected');
    l.clock.advance(HOUR_MS);
    l.down();
    l.clock.advance(2 * DAY_MS);
    l.up();
    l.clock.advance(HOUR_MS);
    const t = l.timeline(1);
    expect(t.drops).toEqual([]);
    expect(t.sessions).toHaveLength(1);
    expect(t.connected).toBe(true);
  });

  it('rebuilds a session whose start fell out of the bounded history from the drop’s session length', () => {
    const l = link(10);
    l.up('connected');
    for (let i = 0; i < 12; i++) {
      l.clock.advance(HOUR_MS);
      l.down();
      l.clock.advance(1_000);
      l.up();
    }
    l.clock.advance(HOUR_MS);
    const t = l.timeline();
    expect(t.drops).toHaveLength(10);
    // Every retained drop ends a session: 10 closed sessions (the first one rebuilt) plus the live one.
    expect(t.sessions).toHaveLength(11);
    expect(t.sessions.filter((s) => s.end_ms !== null)).toHaveLength(10);
    for (const drop of t.drops) expect(t.sessions.some((s) => s.end_ms === drop.at_ms)).toBe(true);
  });

  it('marks a drop while already down without inventing a session for it', () => {
    const l = link();
    l.up('connected');
    l.clock.advance(HOUR_MS);
    l.down();
    l.clock.advance(10_000);
    l.down({ name: 'AWS_IO_SOCKET_TIMEOUT', code: 1, message: 'timeout' });
    l.clock.advance(10_000);
    const t = l.timeline();
    expect(t.drops.map((d) => [d.error, d.session_seconds])).toEqual([
      ['AWS_ERROR_MQTT_UNEXPECTED_HANGUP', 3600],
      ['AWS_IO_SOCKET_TIMEOUT', null],
    ]);
    expect(t.sessions).toHaveLength(1);
    expect(t.connected).toBe(false);
  });

  it('includes failed reconnects and host events, and changes its revision on every drop or connect', () => {
    const l = link();
    l.up('connected');
    const before = l.timeline().revision;
    l.clock.advance(HOUR_MS);
    l.down();
    const afterDrop = l.timeline().revision;
    l.collector.recordReconnectFailure({
      attempt: 1,
      deep: false,
      error: { name: 'AWS_IO_DNS_QUERY_FAILED', code: 1, message: 'dns' },
    });
    l.collector.recordSystemEvent({ kind: 'network_change', detail: 'wlan0 gone' });
    const t = l.timeline();
    expect(t.reconnect_failures).toEqual([{ at_ms: l.clock.now(), error: 'AWS_IO_DNS_QUERY_FAILED' }]);
    expect(t.host_events).toEqual([{ at_ms: l.clock.now(), kind: 'network_change' }]);
    l.clock.advance(1_000);
    l.up();
    expect(new Set([before, afterDrop, l.timeline().revision]).size).toBe(3);
  });

  it('stays bounded however long the history is', () => {
    const l = link(5000);
    l.up('connected');
    for (let i = 0; i < 3000; i++) {
      l.clock.advance(60_000);
      l.down();
      l.clock.advance(1_000);
      l.up();
    }
    const t = l.timeline();
    expect(t.drops).toHaveLength(MAX_TIMELINE_ITEMS);
    expect(t.sessions).toHaveLength(MAX_TIMELINE_ITEMS);
    expect(t.truncated).toBe(true);
    expect(t.drops.at(-1)?.at_ms).toBe(l.clock.now() - 1_000);
    expect(JSON.stringify(t).length).toBeLessThan(300_000);
  });

  it('scrubs secrets that arrive inside error names', () => {
    const l = link();
    const redactor = new Redactor();
    redactor.addSecret('hunter2-password');
    l.up('connected');
    l.clock.advance(HOUR_MS);
    l.down({ name: 'ERR_hunter2-password_alice@example.com', code: null, message: '' });
    const t = buildTimeline({ collector: l.collector, redactor, nowMs: l.clock.now(), days: 7 });
    expect(JSON.stringify(t)).not.toContain('hunter2');
    expect(JSON.stringify(t)).not.toContain('alice@example.com');
  });

  it('opens on the shortest range that holds the whole history: last hour, 1 day, 7 days, 30 days', () => {
    const cases: Array<[number, number]> = [
      [10 * 60_000, 1],
      [HOUR_MS, 1],
      [3 * HOUR_MS, 24],
      [3 * DAY_MS, 168],
      [10 * DAY_MS, 720],
      [40 * DAY_MS, 720],
    ];
    for (const [age, hours] of cases) {
      const l = link();
      l.up('connected');
      l.clock.advance(age / 2);
      l.down();
      l.clock.advance(1_000);
      l.up();
      l.clock.advance(age / 2 - 1_000);
      const t = timelineSchema.parse(
        buildTimeline({ collector: l.collector, redactor: new Redactor(), nowMs: l.clock.now() }),
      );
      expect(t.auto, `${age} ms`).toBe(true);
      expect(t.hours, `${age} ms of history`).toBe(hours);
      expect(TIMELINE_RANGES_HOURS).toContain(t.hours);
      // Everything recorded is inside the window it chose (unless the history is older than 30 days).
      if (age <= 30 * DAY_MS) {
        expect(t.sessions[0]?.clipped).toBe(false);
        expect(t.drops).toHaveLength(1);
      }
    }
    expect(shortestRangeHours(null, Date.now())).toBe(1);
  });

  it('draws the last hour in an hour window when asked, clipping what began before', () => {
    const l = link();
    l.up('connected');
    l.clock.advance(3 * HOUR_MS);
    l.down();
    l.clock.advance(2_000);
    l.up();
    const t = timelineSchema.parse(
      buildTimeline({ collector: l.collector, redactor: new Redactor(), nowMs: l.clock.now(), hours: 1 }),
    );
    expect(t.auto).toBe(false);
    expect(t.hours).toBe(1);
    expect(t.from_ms).toBe(l.clock.now() - HOUR_MS);
    expect(t.drops).toHaveLength(1);
    expect(t.sessions.map((s) => s.clipped)).toEqual([true, false]);
  });
});
