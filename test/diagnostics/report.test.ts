import { describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { analyzeDrops } from '../../src/diagnostics/patterns.js';
import {
  type BridgeInfo,
  buildReport,
  type DeviceSummary,
  diagnosticsReportSchema,
  nonSecretConfig,
} from '../../src/diagnostics/report.js';
import { ManualClock } from '../../src/util/clock.js';
import { Redactor } from '../../src/util/redact.js';

const EMAIL = 'alice.smith@example.com';
const PASSWORD = 'hunter2-Secret!';
const ID_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
const ACCESS_KEY = 'ASIAXAMPLEKEY1234567';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENVALUE';
const MAC = '04786332fa1b';
const MAC_COLONS = '04:78:63:32:FA:1B';
const SERIAL = 'SN7700112233';
const CLIENT_ID = 'navien-client-5f2c9a71';
const LATITUDE = '37.774929';
const LONGITUDE = '-122.419416';

function plantedHistory(clock: ManualClock): DiagnosticsCollector {
  const collector = new DiagnosticsCollector({ maxEventsRetained: 100, clock });
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  clock.advance(3_600_000);
  collector.recordConnectionDrop({
    error: {
      name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
      code: 5134,
      message: `hang-up for ${CLIENT_ID} on cmd/52/navilink-${MAC}/st (user ${EMAIL}, device ${MAC_COLONS})`,
    },
    reconnectAttempt: 0,
    activeSubscriptions: 4,
    queuedCommands: 0,
  });
  collector.recordReconnectFailure({
    attempt: 1,
    deep: false,
    error: {
      name: 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE',
      code: 2065,
      message: `403 for X-Amz-Credential=${ACCESS_KEY}&X-Amz-Security-Token=${SESSION_TOKEN} token ${ID_TOKEN}`,
    },
  });
  clock.advance(2_000);
  collector.recordConnectionSuccess({
    eventType: 'resumed',
    sessionPresent: true,
    returnCode: 0,
    attemptNumber: 1,
  });
  return collector;
}

function bridgeInfo(): BridgeInfo {
  return {
    version: '0.1.0',
    node: 'v20.20.2',
    platform: 'linux-x64',
    uptime_seconds: 3602,
    started_at: '2026-01-01T12:00:00.000+00:00',
    cloud: {
      state: 'connected',
      endpoint_host: 'a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com',
      client_id: CLIENT_ID,
      connected_since: '2026-01-01T13:00:02.000+00:00',
      reconnect_attempt: 0,
      last_error: {
        name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
        code: 5134,
        message: `closed; secret ${SECRET_KEY} key ${ACCESS_KEY}`,
      },
      last_message_age_seconds: 4.2,
      subscriptions: 4,
      queued_commands: 0,
    },
    local_broker: { connected: true, host: 'core-mosquitto', source: 'supervisor', reconnects: 0 },
    config: {
      keep_alive_secs: 60,
      status_interval: 30,
      email: EMAIL,
      password: PASSWORD,
      mqtt_password: PASSWORD,
      mqtt_username: 'addons',
      location: `${LATITUDE},${LONGITUDE}`,
    },
  };
}

function devices(): DeviceSummary[] {
  const device = {
    id: MAC,
    model: 'NWP500',
    online: true,
    last_update: '2026-01-01T13:00:05.000+00:00',
    firmware: '1.2.3',
    macAddress: MAC,
    serialNumber: SERIAL,
    latitude: Number(LATITUDE),
    longitude: Number(LONGITUDE),
    email: EMAIL,
  };
  return [device];
}

function build() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
  const collector = plantedHistory(clock);
  const redactor = new Redactor();
  // What the bridge registers at start-up: the password and tokens it holds, and device serials.
  redactor.addSecret(PASSWORD);
  redactor.addSecret(SECRET_KEY);
  redactor.addSecret(SESSION_TOKEN);
  redactor.addDeviceId(SERIAL);
  const analysis = analyzeDrops(collector.analysisInput({ keepAliveSecs: 60 }));
  return buildReport({ collector, analysis, bridge: bridgeInfo(), devices: devices(), redactor });
}

describe('buildReport', () => {
  it('validates against its schema and keeps the six nwp500-python keys first', () => {
    const report = build();
    expect(diagnosticsReportSchema.safeParse(report).success).toBe(true);
    expect(Object.keys(report)).toEqual([
      'timestamp',
      'metrics',
      'recent_drops',
      'recent_connections',
      'aws_error_counts',
      'session_history_summary',
      'export_version',
      'counters',
      'numbers',
      'history',
      'analysis',
      'bridge',
      'devices',
    ]);
    expect(report.metrics.total_connection_drops).toBe(1);
    expect(report.bridge.config).toEqual({
      keep_alive_secs: 60,
      status_interval: 30,
      location: '**REDACTED**',
    });
    expect(report.analysis.verdict).toBe('collecting_baseline');
  });

  it('shows devices and the client id only as stable pseudonyms', () => {
    const report = build();
    expect(report.devices).toEqual([
      {
        id: expect.stringMatching(/^dev-[0-9a-f]{8}$/),
        model: 'NWP500',
        online: true,
        last_update: '2026-01-01T13:00:05.000+00:00',
        firmware: '1.2.3',
      },
    ]);
    expect(report.bridge.cloud.client_id).toMatch(/^client-[0-9a-f]{8}$/);
    expect(build().bridge.cloud.client_id).toBe(report.bridge.cloud.client_id);
    expect(report.recent_drops[0]?.error_message).toContain(report.bridge.cloud.client_id ?? 'missing');
    expect(report.recent_drops[0]?.error_message).toContain(report.devices[0]?.id ?? 'missing');
  });

  it('leaks none of the planted secrets anywhere in its JSON', () => {
    const text = JSON.stringify(build());
    for (const secret of [
      EMAIL,
      PASSWORD,
      ID_TOKEN,
      ACCESS_KEY,
      SECRET_KEY,
      SESSION_TOKEN,
      MAC,
      MAC.toUpperCase(),
      MAC_COLONS,
      MAC_COLONS.toLowerCase(),
      SERIAL,
      CLIENT_ID,
      LATITUDE,
      LONGITUDE,
      'addons',
    ]) {
      expect(text, `report contains ${secret}`).not.toContain(secret);
    }
  });

  it('picks only behaviour settings out of the full options', () => {
    expect(
      nonSecretConfig({
        keep_alive_secs: 90,
        email: EMAIL,
        password: PASSWORD,
        status_interval: 15,
        mqtt_username: 'u',
      }),
    ).toEqual({ keep_alive_secs: 90, status_interval: 15 });
  });
});
