import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { collectorSnapshotSchema } from '../../src/diagnostics/snapshot.js';
import { type CloudError, collectorExportSchema, isoUtc } from '../../src/diagnostics/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const HANGUP: CloudError = { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'peer hung up' };
const UPGRADE: CloudError = { name: 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE', code: 2065, message: '403' };

function setup(maxEventsRetained = 1000) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const log = captureLog('debug');
  const collector = new DiagnosticsCollector({ maxEventsRetained, clock, log: log.logger });
  const connect = (
    eventType: 'connected' | 'resumed' | 'deep_reconnected' = 'connected',
    attemptNumber = 0,
  ) => collector.recordConnectionSuccess({ eventType, sessionPresent: false, returnCode: 0, attemptNumber });
  const drop = (error: CloudError = HANGUP, reconnectAttempt = 0) =>
    collector.recordConnectionDrop({ error, reconnectAttempt, activeSubscriptions: 3, queuedCommands: 1 });
  return { clock, log, collector, connect, drop };
}

describe('DiagnosticsCollector: nwp500-python bugs fixed', () => {
  it('ends the session at the drop', () => {
    const { clock, collector, connect, drop } = setup();
    connect();
    clock.advance(100_000);
    expect(collector.getMetrics().current_session_uptime_seconds).toBe(100);
    const first = drop();
    expect(first.duration_connected_seconds).toBe(100);
    clock.advance(50_000);
    expect(collector.getMetrics().current_session_uptime_seconds).toBe(0);
    expect(collector.isConnected()).toBe(false);
    expect(collector.currentSessionStartedAt()).toBeNull();
    const second = drop();
    expect(second.duration_connected_seconds).toBeNull();
    const metrics = collector.getMetrics();
    expect(metrics.longest_session_seconds).toBe(100);
    expect(metrics.shortest_session_seconds).toBe(100);
    expect(collector.exportObject().session_history_summary).toEqual({
      total_sessions: 1,
      sample_durations: [100],
    });
  });

  it('records library-driven quick and deep reconnects as recoveries with their time to reconnect', () => {
    const { clock, collector, connect, drop } = setup();
    connect();
    clock.advance(600_000);
    drop();
    clock.advance(4_000);
    const resumed = connect('deep_reconnected', 2);
    expect(resumed.event_type).toBe('deep_reconnected');
    expect(resumed.time_to_reconnect_seconds).toBe(4);
    clock.advance(30_000);
    // The next drop measures only the new session, not old session + outage + new session.
    expect(drop().duration_connected_seconds).toBe(30);
    const metrics = collector.getMetrics();
    expect(metrics.connection_recovered).toBe(1);
    expect(metrics.total_connections).toBe(1);
  });

  it('counts disconnects, publishes, queued messages and reconnect attempts for what they are', () => {
    const { clock, collector, connect, drop } = setup();
    connect();
    collector.recordPublish({ queued: false });
    collector.recordPublish({ queued: false });
    collector.recordPublish({ queued: true });
    clock.advance(1000);
    drop();
    drop(); // reported again while already down: a drop, but not a second outage
    for (let attempt = 1; attempt <= 3; attempt++)
      collector.recordReconnectAttempt({ attempt, deep: attempt === 3 });
    const event = connect('resumed', 3);
    expect(event.attempt_number).toBe(3);
    const metrics = collector.getMetrics();
    expect(metrics.total_connection_drops).toBe(2);
    expect(metrics.total_disconnects).toBe(1);
    expect(metrics.total_reconnect_attempts).toBe(3);
    expect(metrics.messages_published).toBe(2);
    expect(metrics.messages_queued).toBe(1);
    expect(collector.getCounters().deep_reconnect_attempts).toBe(1);
  });

  it('buckets the attempts each recovered outage took, from the engine counter at the drop', () => {
    const { clock, collector, connect, drop } = setup();
    connect();
    const outage = (attempts: number, attemptAtDrop: number) => {
      clock.advance(60_000);
      expect(drop(HANGUP, attemptAtDrop).reconnect_attempt).toBe(attemptAtDrop);
      for (let a = 1; a <= attempts; a++) collector.recordReconnectAttempt({ attempt: a, deep: false });
      clock.advance(1000);
      return connect('resumed', 0).reconnect_attempts;
    };
    expect(outage(0, 0)).toBe(1); // an SDK-internal resume still took one attempt
    expect(outage(1, 0)).toBe(1);
    expect(outage(3, 0)).toBe(3);
    expect(outage(7, 0)).toBe(7);
    expect(outage(12, 4)).toBe(12);
    clock.advance(60_000);
    drop(); // not recovered: not in the distribution
    expect(collector.getMetrics().reconnection_attempts_distribution).toEqual({
      '1': 2,
      '2-5': 1,
      '6-10': 1,
      '11+': 1,
    });
    expect(Object.keys(collector.getMetrics().reconnection_attempts_distribution)).toEqual([
      '1',
      '2-5',
      '6-10',
      '11+',
    ]);
  });

  it('names non-AWS errors and counts them in both error maps, which are no longer copies', () => {
    const { clock, collector, connect, drop } = setup();
    connect();
    clock.advance(1000);
    drop({ name: 'NAVIEN_CONNECT_TIMEOUT', code: null, message: 'no CONNACK in 30 s' });
    drop({ name: '', code: null, message: 'weird' });
    collector.recordReconnectFailure({ attempt: 1, deep: false, error: UPGRADE });
    const metrics = collector.getMetrics();
    expect(metrics.connection_drops_by_error).toEqual({ NAVIEN_CONNECT_TIMEOUT: 1, UNKNOWN: 1 });
    expect(collector.exportObject().aws_error_counts).toEqual({
      AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE: 1,
      NAVIEN_CONNECT_TIMEOUT: 1,
      UNKNOWN: 1,
    });
    expect(collector.getRecentDrops(1)[0]?.error_name).toBe('UNKNOWN');
  });

  it('keeps every history bounded while session statistics still cover all sessions', () => {
    const { clock, collector, connect, drop } = setup(10);
    for (let i = 1; i <= 25; i++) {
      connect(i === 1 ? 'connected' : 'resumed');
      clock.advance(i * 1000);
      drop();
      clock.advance(500);
    }
    const drops = collector.getRecentDrops(100);
    expect(drops).toHaveLength(10);
    expect(drops[0]?.duration_connected_seconds).toBe(16);
    expect(drops[9]?.duration_connected_seconds).toBe(25);
    expect(collector.getRecentConnections(100)).toHaveLength(10);
    const summary = collector.exportObject().session_history_summary;
    expect(summary.total_sessions).toBe(25);
    expect(summary.sample_durations).toEqual(Array.from({ length: 20 }, (_, i) => i + 6));
    const metrics = collector.getMetrics();
    expect(metrics.average_session_seconds).toBe(13);
    expect(metrics.shortest_session_seconds).toBe(1);
    expect(metrics.longest_session_seconds).toBe(25);
  });

  it('records synchronously, with synchronous listeners and a summary that prints as well as logs', () => {
    const { collector, connect, drop, log } = setup();
    const seen: string[] = [];
    collector.onConnectionDrop((e) => seen.push(e.error_name));
    connect();
    const returned = drop();
    expect(returned).not.toBeInstanceOf(Promise);
    expect(seen).toEqual(['AWS_ERROR_MQTT_UNEXPECTED_HANGUP']);
    const printed: string[] = [];
    collector.printSummary((line) => printed.push(line));
    expect(printed.join('\n')).toContain('MQTT CONNECTION DIAGNOSTICS SUMMARY');
    expect(printed.join('\n')).toContain('AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 1');
    const logged = log
      .records()
      .filter((r) => r.level === 30)
      .map((r) => r.msg);
    for (const line of printed) expect(logged).toContain(line);
  });

  it('hands out copies of the metrics, never the live object', () => {
    const { collector, connect, drop } = setup();
    connect();
    drop();
    const metrics = collector.getMetrics();
    metrics.total_connection_drops = 999;
    metrics.connection_drops_by_error.FAKE = 1;
    const events = collector.getRecentDrops();
    (events[0] as { error_name: string }).error_name = 'CHANGED';
    expect(collector.getMetrics().total_connection_drops).toBe(1);
    expect(collector.getMetrics().connection_drops_by_error).toEqual({ AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 1 });
    expect(collector.getRecentDrops()[0]?.error_name).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(collector.getMetrics()).not.toBe(collector.getMetrics());
  });

  it('measures durations on the monotonic clock and stamps events with wall-clock UTC', () => {
    const { clock, connect, drop } = setup();
    connect();
    clock.advance(10_000);
    clock.jumpWall(3_600_000); // NTP step or suspend: wall time leaps, monotonic time does not
    clock.advance(5_000);
    const event = drop();
    expect(event.duration_connected_seconds).toBe(15);
    expect(event.timestamp).toBe('2026-01-01T13:00:15.000+00:00');
    expect(event.session_started_at).toBe('2026-01-01T12:00:00.000+00:00');
    clock.advance(2_000);
    expect(connect('resumed').time_to_reconnect_seconds).toBe(2);
  });

  it('records nothing for the bridge’s own teardown: a deliberate rebuild is neither drop nor outage', () => {
    const { clock, collector, connect } = setup();
    connect();
    clock.advance(20_000);
    // The engine replaced the connection on purpose and did not report a drop.
    const event = connect('connected');
    expect(event.time_to_reconnect_seconds).toBeNull();
    const metrics = collector.getMetrics();
    expect(metrics.total_connection_drops).toBe(0);
    expect(metrics.total_disconnects).toBe(0);
    expect(collector.exportObject().session_history_summary.total_sessions).toBe(1);
    expect(metrics.current_session_uptime_seconds).toBe(0);
  });

  it('takes its retention from the bridge options instead of fixed defaults', () => {
    const { collector, connect, drop } = setup(3);
    for (let i = 0; i < 5; i++) {
      connect();
      drop();
    }
    expect(collector.getRecentDrops(50)).toHaveLength(3);
  });

  it('exports the six nwp500-python keys with every metric and event field', () => {
    const { clock, collector, connect, drop } = setup();
    connect();
    clock.advance(1_200_500);
    drop();
    clock.advance(1_800);
    connect('resumed');
    const json = JSON.parse(collector.exportJson()) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'timestamp',
      'metrics',
      'recent_drops',
      'recent_connections',
      'aws_error_counts',
      'session_history_summary',
    ]);
    const parsed = collectorExportSchema.parse(json);
    expect(Object.keys(parsed.metrics)).toEqual([
      'total_connections',
      'total_disconnects',
      'total_connection_drops',
      'total_reconnect_attempts',
      'longest_session_seconds',
      'shortest_session_seconds',
      'average_session_seconds',
      'current_session_uptime_seconds',
      'connection_drops_by_error',
      'reconnection_attempts_distribution',
      'last_drop_timestamp',
      'last_successful_connect_timestamp',
      'connection_recovered',
      'messages_published',
      'messages_queued',
    ]);
    expect(Object.keys(parsed.recent_drops[0] ?? {}).slice(0, 8)).toEqual([
      'timestamp',
      'error_name',
      'error_message',
      'error_code',
      'reconnect_attempt',
      'duration_connected_seconds',
      'active_subscriptions',
      'queued_commands',
    ]);
    expect(Object.keys(parsed.recent_connections[1] ?? {}).slice(0, 6)).toEqual([
      'timestamp',
      'event_type',
      'session_present',
      'return_code',
      'attempt_number',
      'time_to_reconnect_seconds',
    ]);
    expect(parsed.recent_drops[0]).toMatchObject({
      duration_connected_seconds: 1200.5,
      active_subscriptions: 3,
      queued_commands: 1,
    });
    expect(parsed.recent_connections[1]?.time_to_reconnect_seconds).toBe(1.8);
  });
});

describe('DiagnosticsCollector: metrics', () => {
  it('starts empty with a null shortest session until a session ends', () => {
    const { collector, connect } = setup();
    expect(collector.getMetrics()).toMatchObject({
      total_connections: 0,
      longest_session_seconds: 0,
      shortest_session_seconds: null,
      average_session_seconds: 0,
      last_drop_timestamp: null,
      last_successful_connect_timestamp: null,
      reconnection_attempts_distribution: {},
    });
    connect();
    expect(collector.getMetrics().shortest_session_seconds).toBeNull();
    expect(JSON.parse(collector.exportJson()).metrics.shortest_session_seconds).toBeNull();
  });

  it('reports the current session uptime and its start while connected', () => {
    const { clock, collector, connect } = setup();
    connect();
    clock.advance(42_250);
    collector.updateMetrics();
    expect(collector.getMetrics().current_session_uptime_seconds).toBe(42.25);
    expect(collector.currentSessionStartedAt()).toBe(Date.UTC(2026, 0, 1, 12));
    expect(collector.getMetrics().last_successful_connect_timestamp).toBe('2026-01-01T12:00:00.000+00:00');
  });

  it('adds the load before a drop, the configuration epoch and the credential age to drop events', () => {
    const { clock, collector, connect, drop } = setup();
    collector.recordConfigEpoch({ keep_alive_secs: 60 });
    collector.recordConfigEpoch({ keep_alive_secs: 60 }); // unchanged: same epoch
    collector.recordCredentialRenewal({ planned: true, reason: 'sign-in' });
    connect();
    for (let i = 0; i < 30; i++) collector.recordMessage('in');
    clock.advance(7 * 60_000); // older than five minutes by the time of the drop
    for (let i = 0; i < 12; i++) collector.recordMessage(i % 2 === 0 ? 'in' : 'out');
    clock.advance(60_000);
    collector.recordConfigEpoch({ keep_alive_secs: 120 });
    const event = drop();
    expect(event.messages_before).toBe(12);
    expect(event.config_epoch).toBe(1);
    expect(event.credential_age_seconds).toBe(480);
    expect(collector.getCounters()).toMatchObject({ messages_in: 36, messages_out: 6 });
  });

  it('counts refused commands by reason and queue drops by cause', () => {
    const { collector } = setup();
    collector.recordCommandRefused('temperature above maximum');
    collector.recordCommandRefused('temperature above maximum');
    collector.recordCommandRefused('unknown mode');
    collector.recordQueueDrop('overflow');
    collector.recordQueueDrop('expired');
    collector.recordQueueDrop('expired');
    expect(collector.getCounters()).toMatchObject({
      commands_refused: 3,
      commands_refused_by_reason: { 'temperature above maximum': 2, 'unknown mode': 1 },
      queue_dropped_overflow: 1,
      queue_dropped_expired: 2,
    });
  });

  it('catches and logs a listener that throws, and stops calling a removed listener', () => {
    const { collector, connect, drop, log } = setup();
    let calls = 0;
    collector.onConnectionDrop(() => {
      throw new Error('listener bug');
    });
    const remove = collector.onConnectionDrop(() => {
      calls++;
    });
    connect();
    expect(() => drop()).not.toThrow();
    remove();
    drop();
    expect(calls).toBe(1);
    expect(log.text()).toContain('listener threw');
    expect(collector.getMetrics().total_connection_drops).toBe(2);
  });

  it('keeps distinct error names bounded even when fed arbitrary text', () => {
    const { collector, drop } = setup();
    for (let i = 0; i < 500; i++) drop({ name: `ERROR_${i}`, code: null, message: '' });
    const byError = collector.getMetrics().connection_drops_by_error;
    expect(Object.keys(byError).length).toBeLessThanOrEqual(101);
    expect(Object.values(byError).reduce((a, b) => a + b, 0)).toBe(500);
  });
});

describe('isoUtc', () => {
  it('writes the same instant as toISOString, with a +00:00 offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(isoUtc(ms)).toBe(new Date(ms).toISOString().replace('Z', '+00:00'));
      }),
      { numRuns: 2000, seed: 3 },
    );
    expect(isoUtc(Date.UTC(2026, 7, 3, 12, 0, 0, 7))).toBe('2026-08-03T12:00:00.007+00:00');
    expect(isoUtc(Number.NaN)).toBe('invalid-time');
  });
});

describe('DiagnosticsCollector: snapshot and restore', () => {
  it('restores counters and histories into a fresh collector, re-basing monotonic time on the wall clock', () => {
    const { clock, collector, connect, drop } = setup();
    collector.recordConfigEpoch({ keep_alive_secs: 60 });
    connect();
    clock.advance(3_600_000);
    drop();
    clock.advance(2_000);
    connect('resumed');
    clock.advance(60_000);
    const snapshot = collectorSnapshotSchema.parse(JSON.parse(JSON.stringify(collector.snapshot())));

    // A new process: its monotonic clock starts from zero again, ten minutes later on the wall clock.
    const later = new ManualClock(clock.now() + 600_000);
    const restored = new DiagnosticsCollector({ maxEventsRetained: 100, clock: later });
    restored.restore(snapshot);
    expect(restored.getMetrics()).toMatchObject({
      total_connections: 1,
      total_connection_drops: 1,
      connection_recovered: 1,
      longest_session_seconds: 3600,
    });
    expect(restored.getRecentDrops()).toEqual(collector.getRecentDrops());
    expect(restored.isConnected()).toBe(false);
    const input = restored.analysisInput();
    const restoredDrop = input.drops[0];
    expect(restoredDrop?.monoMs).toBe(-(600_000 + 62_000));
    expect(input.hoursCollected).toBeCloseTo(3_662_000 / 3_600_000, 6);
    expect(input.keepAliveSecs).toBe(60);
  });
});
