// Secrets planted everywhere the HTTP side reads from must come out nowhere people can see them:
// the API answers, the report file, /metrics, the page and the log.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { analyzeDrops } from '../../src/diagnostics/patterns.js';
import { type BridgeInfo, buildReport, type DeviceSummary } from '../../src/diagnostics/report.js';
import type { ManualClock } from '../../src/util/clock.js';
import { pseudonym, Redactor } from '../../src/util/redact.js';
import { bridgeInfo, type Harness, HOUR_MS, rawRequest, startHarness } from './harness.js';

const EMAIL = 'alice.smith@example.com';
const PASSWORD = 'hunter2-Secret!';
const ACCESS_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl';
const REFRESH_TOKEN = 'rt-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const ACCESS_KEY = 'ASIAXAMPLEKEY1234567';
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENVALUE';
const MAC = '04786332fa1b';
const MAC_COLONS = '04:78:63:32:FA:1B';
const SERIAL = 'SN7700112233';
const CLIENT_ID = 'navien-client-5f2c9a71';

const SECRETS = [
  EMAIL,
  PASSWORD,
  ACCESS_TOKEN,
  REFRESH_TOKEN,
  ACCESS_KEY,
  SECRET_KEY,
  SESSION_TOKEN,
  MAC,
  MAC.toUpperCase(),
  MAC_COLONS,
  MAC_COLONS.toLowerCase(),
  SERIAL,
  CLIENT_ID,
];

function expectClean(where: string, text: string): void {
  for (const secret of SECRETS) expect(text.includes(secret), `${where} contains ${secret}`).toBe(false);
}

function plantSecrets(collector: DiagnosticsCollector, clock: ManualClock): void {
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  clock.advance(HOUR_MS);
  collector.recordConnectionDrop({
    error: {
      name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
      code: 5134,
      message: `hang-up for ${CLIENT_ID} on cmd/52/navilink-${MAC}/st (user ${EMAIL}, device ${MAC_COLONS}, serial ${SERIAL})`,
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
      message: `403 for X-Amz-Credential=${ACCESS_KEY}&X-Amz-Security-Token=${SESSION_TOKEN} token ${ACCESS_TOKEN} refresh ${REFRESH_TOKEN} password ${PASSWORD}`,
    },
  });
  collector.recordSystemEvent({ kind: 'network_change', detail: `interface for ${EMAIL} ${MAC_COLONS}` });
  collector.recordCommandRefused(`bad command from ${MAC}`);
  clock.advance(2_000);
  collector.recordConnectionSuccess({
    eventType: 'resumed',
    sessionPresent: true,
    returnCode: 0,
    attemptNumber: 1,
  });
}

describe('redaction across the HTTP side', () => {
  let h: Harness;
  beforeAll(async () => {
    const redactor = new Redactor();
    // What the bridge registers at start-up: everything secret it holds, and the device identifiers.
    for (const secret of [
      PASSWORD,
      ACCESS_TOKEN,
      REFRESH_TOKEN,
      SECRET_KEY,
      SESSION_TOKEN,
      EMAIL,
      CLIENT_ID,
    ]) {
      redactor.addSecret(secret);
    }
    redactor.addDeviceId(MAC);
    redactor.addDeviceId(SERIAL);
    h = await startHarness({
      redactor,
      plant: plantSecrets,
      logCollector: true,
      // A heater card whose name and waiting command quote secrets the way a careless user might.
      heaters: () => [
        {
          deviceId: MAC,
          name: `Heater ${MAC} of ${EMAIL}`,
          model: 'NWP500',
          available: true,
          linkConnected: true,
          lastStatusAt: Date.now(),
          lastStatusAgeSeconds: 1,
          staleAfterSeconds: 150,
          state: { mode: 'eco', dhw_temperature: 120, target_temperature: 125 },
          unit: 'F',
          pending: [
            { description: `password ${PASSWORD} for ${MAC}`, createdAt: Date.now(), state: 'queued' },
          ],
        },
      ],
    });
    const devices = [
      {
        id: MAC,
        model: 'NWP500',
        online: true,
        last_update: null,
        firmware: '1.0',
        macAddress: MAC,
        serialNumber: SERIAL,
        email: EMAIL,
      } as DeviceSummary,
    ];
    h.reportOverride.fn = () => {
      const bridge: BridgeInfo = bridgeInfo(h.clock, h.collector);
      bridge.cloud.client_id = CLIENT_ID;
      bridge.cloud.last_error = {
        name: 'AWS_IO_SOCKET_CLOSED',
        code: 1051,
        message: `closed; key ${SECRET_KEY} ${ACCESS_KEY}`,
      };
      bridge.config = { keep_alive_secs: 60, email: EMAIL, password: PASSWORD, refresh_token: REFRESH_TOKEN };
      return buildReport({
        collector: h.collector,
        analysis: analyzeDrops(h.collector.analysisInput({ keepAliveSecs: 60 })),
        bridge,
        devices,
        redactor,
      });
    };
    h.bridge.devices = [{ id: MAC, available: true, last_update_age_seconds: 5 }];
    h.health.cloud.last_error = 'AWS_IO_SOCKET_CLOSED';
  });
  afterAll(async () => {
    await h.close();
  });

  it('keeps every planted secret out of the API answers, the file, /metrics, the page and the log', async () => {
    const report = await (await fetch(`${h.url}/api/diagnostics`)).text();
    // The planted history made it into the report, redacted, not dropped.
    expect(report).toContain('AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE');
    expect(report).toContain('**REDACTED**');
    expectClean('/api/diagnostics', report);
    expectClean(
      '/api/diagnostics?download=1',
      await (await fetch(`${h.url}/api/diagnostics?download=1`)).text(),
    );

    const exported = (await (await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' })).json()) as {
      path: string;
    };
    expectClean('the report file', await readFile(exported.path, 'utf8'));

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('nwp500_device_available{device="dev-');
    expectClean('/metrics', metrics);
    expectClean('/api/timeline', await (await fetch(`${h.url}/api/timeline?days=30`)).text());
    expectClean('/healthz', await (await fetch(`${h.url}/healthz`)).text());
    const heaters = await (await fetch(`${h.url}/api/heaters`)).text();
    expect(heaters).toContain('"mode":"eco"');
    expectClean('/api/heaters', heaters);
    expectClean('the page', await (await fetch(`${h.url}/`)).text());

    // A handler failure whose error quotes secrets: logged, scrubbed, answered without them.
    const original = h.reportOverride.fn;
    h.reportOverride.fn = () => {
      throw new Error(`sign-in as ${EMAIL} with ${PASSWORD} failed; token ${ACCESS_TOKEN} device ${MAC}`);
    };
    const failed = await rawRequest(`${h.url}/api/diagnostics`);
    h.reportOverride.fn = original;
    expect(failed.status).toBe(500);
    expectClean('the 500 answer', failed.body);

    expect(h.log.text()).toContain('http handler failed');
    expect(h.log.text()).toContain('host event: network_change');
    expectClean('the log', h.log.text());
  });
});

describe('redacting map keys', () => {
  it('scrubs identifiers out of map keys and adds up counts that collide', () => {
    const redactor = new Redactor();
    redactor.addDeviceId(MAC);
    const scrubbed = redactor.redact({
      reasons: { [`offline ${MAC}`]: 2, [`offline ${MAC.toUpperCase()}`]: 3, ok: 1 },
      list: [{ [EMAIL]: true }],
    });
    expect(scrubbed).toEqual({
      reasons: { [`offline ${pseudonym(MAC)}`]: 5, ok: 1 },
      list: [{ '**EMAIL**': true }],
    });
  });
});
