import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeExport, analyzeExportFile } from '../../src/diagnostics/analyzeFile.js';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { analyzeDrops } from '../../src/diagnostics/patterns.js';
import { buildReport } from '../../src/diagnostics/report.js';
import { ManualClock } from '../../src/util/clock.js';
import { Redactor } from '../../src/util/redact.js';
import { exponential, rng, uniform } from './synthetic.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-analyze-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function analyze(name: string, content: string | null): Promise<{ status: number; lines: string[] }> {
  const path = join(dir, name);
  if (content !== null) await writeFile(path, content);
  const lines: string[] = [];
  const status = await analyzeExportFile(path, (line) => lines.push(line));
  return { status, lines };
}

/** A report from this bridge after 40 drops every ~20 minutes. */
function ourExport(): string {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock });
  const r = rng(21);
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  let elapsed = 0;
  for (let k = 1; k <= 40; k++) {
    const at = k * 1_200_000 + Math.round(uniform(r, -30_000, 30_000));
    clock.advance(at - elapsed);
    collector.recordConnectionDrop({
      error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'hangup' },
      reconnectAttempt: 0,
      activeSubscriptions: 3,
      queuedCommands: 0,
    });
    clock.advance(2_000);
    collector.recordConnectionSuccess({
      eventType: 'resumed',
      sessionPresent: true,
      returnCode: 0,
      attemptNumber: 1,
    });
    elapsed = at + 2_000;
  }
  const report = buildReport({
    collector,
    analysis: analyzeDrops(collector.analysisInput({ keepAliveSecs: 60 })),
    bridge: {
      version: '0.1.0',
      node: process.version,
      platform: 'linux-x64',
      uptime_seconds: elapsed / 1000,
      started_at: '2026-03-01T00:00:00.000+00:00',
      cloud: {
        state: 'connected',
        endpoint_host: 'example.iot.us-east-1.amazonaws.com',
        client_id: 'navien-client-1234abcd',
        connected_since: null,
        reconnect_attempt: 0,
        last_error: null,
        last_message_age_seconds: null,
        subscriptions: 3,
        queued_commands: 0,
      },
      local_broker: { connected: true, host: 'core-mosquitto', source: 'supervisor', reconnects: 0 },
      config: { keep_alive_secs: 60 },
    },
    devices: [],
    redactor: new Redactor(),
  });
  return JSON.stringify(report, null, 2);
}

/** What nwp500-python's export_json() writes, by hand: 24 h drops, nulls and all. */
function pythonExport(): string {
  const day = (n: number, extraSeconds = 0) =>
    new Date(Date.UTC(2026, 7, 1 + n, 3, 0, extraSeconds)).toISOString().replace('.000Z', '.123456+00:00');
  const drops = [1, 2, 3, 4, 5, 6].map((n) => ({
    timestamp: day(n, n),
    error_name: n === 3 ? null : 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    error_message: n === 3 ? 'RuntimeError()' : 'libaws-c-mqtt: AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    error_code: n === 3 ? null : 5134,
    reconnect_attempt: 0,
    duration_connected_seconds: 86_398.2 + n / 10,
    active_subscriptions: 3,
    queued_commands: 0,
    some_future_field: 'ignored',
  }));
  const connections = [0, 1, 2, 3, 4, 5, 6].map((n) => ({
    timestamp: day(n, n + 2),
    event_type: n === 0 ? 'connected' : 'resumed',
    session_present: false,
    return_code: n === 0 ? null : 0,
    attempt_number: 0,
    time_to_reconnect_seconds: n === 0 ? null : 1.8,
  }));
  // A sloppy writer: one connection lacks fields it should have.
  delete (connections[2] as Partial<(typeof connections)[number]>).time_to_reconnect_seconds;
  return JSON.stringify(
    {
      timestamp: day(6, 3600),
      metrics: {
        total_connections: 1,
        total_disconnects: 0,
        total_connection_drops: 6,
        total_reconnect_attempts: 6,
        longest_session_seconds: 86_398.8,
        shortest_session_seconds: null,
        average_session_seconds: 86_398.55,
        current_session_uptime_seconds: 3598.1,
        connection_drops_by_error: { AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 5 },
        reconnection_attempts_distribution: { '1': 6 },
        last_drop_timestamp: day(6, 6),
        last_successful_connect_timestamp: day(6, 8),
        connection_recovered: 6,
        messages_published: 0,
        messages_queued: 0,
      },
      recent_drops: drops,
      recent_connections: connections,
      aws_error_counts: { AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 5 },
      session_history_summary: {
        total_sessions: 6,
        sample_durations: drops.map((d) => d.duration_connected_seconds),
      },
    },
    null,
    2,
  );
}

/**
 * A report after four days in which keep_alive_secs went from 1200 to 60 halfway (and the drop rate
 * fell), with host events, failed reconnects and credential renewals: every history the verdict uses.
 */
function richReport(seed: number) {
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock });
  const r = rng(seed);
  const hangup = { name: 'AWS_IO_SOCKET_CLOSED', code: 1051, message: 'closed' };
  collector.recordConfigEpoch({ keep_alive_secs: 1200 });
  collector.recordCredentialRenewal({ planned: true, reason: 'sign-in' });
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  const run = (hours: number, meanGapMs: number) => {
    const end = clock.monotonic() + hours * 3_600_000;
    for (;;) {
      const gap = exponential(r, meanGapMs);
      if (clock.monotonic() + gap >= end) break;
      clock.advance(gap);
      if (r() < 0.3) collector.recordSystemEvent({ kind: 'network_change', detail: 'eth0 changed' });
      collector.recordConnectionDrop({
        error: hangup,
        reconnectAttempt: 0,
        activeSubscriptions: 2,
        queuedCommands: 0,
      });
      collector.recordReconnectAttempt({ attempt: 1, deep: false });
      if (r() < 0.2) {
        collector.recordReconnectFailure({
          attempt: 1,
          deep: false,
          error: { name: 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE', code: 2065, message: '' },
          credentialAgeSeconds: 120,
        });
        clock.advance(3000);
        collector.recordReconnectAttempt({ attempt: 2, deep: true });
        collector.recordCredentialRenewal({ planned: false, reason: 'deep reconnect' });
      }
      clock.advance(1500);
      collector.recordConnectionSuccess({
        eventType: 'resumed',
        sessionPresent: true,
        returnCode: 0,
        attemptNumber: 1,
      });
    }
    clock.advance(Math.max(0, end - clock.monotonic()));
  };
  run(48, 3_600_000);
  collector.recordConfigEpoch({ keep_alive_secs: 60 });
  run(48, 12 * 3_600_000);
  return JSON.parse(
    JSON.stringify(
      buildReport({
        collector,
        bridge: JSON.parse(JSON.stringify(baseBridge)),
        devices: [],
        redactor: new Redactor(),
      }),
    ),
  ) as ReturnType<typeof buildReport>;
}

const baseBridge = {
  version: '0.2.0',
  node: process.version,
  platform: 'linux-x64',
  uptime_seconds: 1,
  started_at: '2026-03-01T00:00:00.000+00:00',
  cloud: {
    state: 'connected',
    endpoint_host: null,
    client_id: null,
    connected_since: null,
    reconnect_attempt: 0,
    last_error: null,
    last_message_age_seconds: null,
    subscriptions: 2,
    queued_commands: 0,
  },
  local_broker: { connected: true, host: null, source: 'options', reconnects: 0 },
  config: { keep_alive_secs: 60 },
};

describe('analyze on the bridge’s own report', () => {
  it.each([1, 2, 3])(
    'reaches the live verdict and numbers, keep-alive A/B and host events included (seed %i)',
    (seed) => {
      const report = richReport(seed);
      const again = analyzeExport(report);
      expect(again.format).toBe('nwp500-bridge');
      expect(again.analysis).toEqual(report.analysis);
      expect(again.numbers).toEqual(report.numbers);
      // What an export without histories could not reach: the A/B, the failures, the renewals.
      expect(report.analysis.epochs).toHaveLength(2);
      expect(report.analysis.evidence.nat_hypothesis).not.toBeNull();
      expect(report.analysis.evidence.reconnect_failures_analysed).toBe(report.numbers.reconnect_failures);
      expect(report.analysis.evidence.credential_renewals_analysed).toBe(report.numbers.credential_renewals);
      expect(report.analysis.evidence.system_events).toBe(report.numbers.system_events);
      expect(report.history.reconnect_failures.every((f) => f.credential_age_seconds === 120)).toBe(true);
    },
  );
});

describe('analyzeExportFile', () => {
  it('analyses a report written by this bridge', async () => {
    const { status, lines } = await analyze('ours.json', ourExport());
    expect(status).toBe(0);
    expect(lines[0]).toMatch(/\(nwp500-bridge format\)$/);
    expect(lines).toContain('Verdict: regular_interval (high confidence)');
    expect(lines.join('\n')).toMatch(/Drops every ~\d+(\.\d)? min/);
    expect(lines).toContain('Analysed: 40 drops and 41 connections over 13.3 hours');
    expect(lines.some((l) => l.startsWith('  gap_mad_ratio: '))).toBe(true);
    expect(lines.find((l) => l.startsWith('Labels: '))).not.toContain('same_time_of_day'); // 13 h cannot show a daily rhythm
    expect(lines).toContain('Advice:');
  });

  it('analyses an nwp500-python export with null error names, a null shortest session and missing fields', async () => {
    const { status, lines } = await analyze('python.json', pythonExport());
    expect(status).toBe(0);
    expect(lines[0]).toMatch(/\(nwp500-python format\)$/);
    expect(lines).toContain('Totals: connections 1, recoveries 6, drops 6, reconnect attempts 6');
    expect(lines.some((l) => l.startsWith('Sessions: longest 24.0 h, shortest n/a'))).toBe(true);
    expect(lines).toContain('Verdict: fixed_lifetime (medium confidence)');
    expect(lines).toContain('  Drops every ~24 h: the AWS WebSocket lifetime');
    expect(lines.some((l) => l.startsWith('  UNKNOWN ×1: '))).toBe(true);
  });

  it.each([
    ['a missing file', 'missing.json', null, /^error: cannot read .*missing\.json: no such file$/],
    ['text that is not JSON', 'garbage.json', 'this is not { json', /^error: .*garbage\.json is not JSON/],
    ['an empty file', 'empty.json', '', /^error: .*empty\.json is not JSON/],
    ['a JSON array', 'array.json', '[1, 2, 3]', /is not a diagnostics export/],
    [
      'an unrelated JSON object',
      'other.json',
      '{"name": "package", "version": "1.0.0"}',
      /is not a diagnostics export/,
    ],
    [
      'metrics of the wrong type',
      'wrong.json',
      '{"metrics": 5, "recent_drops": "no"}',
      /is not a diagnostics export/,
    ],
  ])('refuses %s with one error line and exit status 2', async (_what, name, content, pattern) => {
    const { status, lines } = await analyze(name, content);
    expect(status).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(lines[0]).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  it('never throws on arbitrary JSON: exit 0 with a verdict, or exit 2 with one error line', async () => {
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            timestamp: fc.oneof(fc.string(), fc.constant('2026-01-01T00:00:00+00:00')),
            metrics: fc.dictionary(fc.string(), fc.jsonValue()),
            recent_drops: fc.array(
              fc.record({
                timestamp: fc.oneof(
                  fc.string(),
                  fc.date().map((d) => d.toISOString()),
                ),
                error_name: fc.jsonValue(),
              }),
            ),
            recent_connections: fc.array(fc.jsonValue()),
          }),
        ),
        async (value) => {
          const { status, lines } = await analyze(`prop-${index++}.json`, JSON.stringify(value));
          expect([0, 2]).toContain(status);
          if (status === 2) expect(lines).toHaveLength(1);
          else expect(lines.some((l) => l.startsWith('Verdict: '))).toBe(true);
        },
      ),
      { numRuns: 150, seed: 5 },
    );
  });
});
