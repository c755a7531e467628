// The bridge device's controls as the add-on wires them (main.ts), in the bridge's own process:
// "Export diagnostics" writes the report file into the HA config folder, "Log level" changes what
// every module logs at once (and a restart goes back to log_level), "Reconnect cloud link" makes
// a new cloud connection without counting a drop.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsReportSchema } from '../../src/diagnostics/report.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { type BridgeProcess, eventually, startBridgeProcess } from '../main/bridgeProcess.js';
import { Observer, waitFor } from './observer.js';

const MAC = '04786332fca0';
const DIAGNOSTICS = 'nwp500/bridge/diagnostics';

let broker: TestBroker;
let sim: Simulator;
let bridge: BridgeProcess;
let observer: Observer;

function bridgeState(): Record<string, unknown> {
  return JSON.parse(observer.last(DIAGNOSTICS) ?? '{}') as Record<string, unknown>;
}

async function press(key: string, payload = 'PRESS'): Promise<void> {
  await observer.client.publishAsync(`nwp500/bridge/${key}/set`, payload, { qos: 1 });
}

beforeAll(async () => {
  broker = await startBroker();
  sim = await startSimulator();
  observer = await Observer.connect(broker.url, ['nwp500/#', 'homeassistant/#']);
  // Only on demand (and at shutdown): a file that appears was written by the button.
  bridge = await startBridgeProcess({ sim, broker, env: { NWP500_DIAGNOSTICS_EXPORT_INTERVAL: '0' } });
  await eventually('the bridge connected', async () => {
    const { body } = await bridge.http<{ cloud?: { connected?: boolean } }>('/healthz');
    return body.cloud?.connected;
  });
  await observer.waitForPayload(`nwp500/${MAC}/availability`, 'online', 20_000);
  await waitFor(() => bridgeState().log_level === 'debug', 'the log-level select showing debug');
});

afterAll(async () => {
  await observer?.close();
  await bridge?.close();
  await sim?.close();
  await broker?.close();
});

describe('the bridge controls in the add-on process', () => {
  it('writes the redacted report into the HA config folder on "Export diagnostics"', async () => {
    const file = join(bridge.configDir, 'nwp500_diagnostics.json');
    await expect(stat(file)).rejects.toThrow();
    await press('export_diagnostics');
    const report = await eventually(
      'the report file',
      async () => JSON.parse(await readFile(file, 'utf8')) as unknown,
    );
    expect(diagnosticsReportSchema.safeParse(report).success).toBe(true);
    expect(JSON.stringify(report)).not.toContain(MAC);
  });

  it('changes what every module logs at once, and shows the level on the select', async () => {
    await press('log_level', 'error');
    await waitFor(() => bridgeState().log_level === 'error', 'the select showing error');
    // The change itself is said at info, just before it: wait for that line to come through the pipe.
    await eventually('the log-level line', async () => bridge.stdout().includes('log level set to error'));
    const quietFrom = bridge.stdout().length;
    // A command makes the cloud module log "command sent" at info: not at level error.
    await observer.client.publishAsync(`nwp500/${MAC}/tou/set`, 'ON', { qos: 1 });
    await waitFor(() => JSON.parse(observer.last(`nwp500/${MAC}/state`) ?? '{}').tou === 'ON', 'TOU on');
    const quiet = bridge.stdout().slice(quietFrom);
    expect(quiet).not.toContain('command sent');
    expect(quiet.split('\n').filter((line) => line.includes('"level":30'))).toEqual([]);
    await press('log_level', 'info');
    await waitFor(() => bridgeState().log_level === 'info', 'the select showing info');
    const loudFrom = bridge.stdout().length;
    await observer.client.publishAsync(`nwp500/${MAC}/tou/set`, 'OFF', { qos: 1 });
    await eventually('the info line again', async () =>
      bridge.stdout().slice(loudFrom).includes('command sent'),
    );
  });

  it('makes a new cloud connection on "Reconnect cloud link", not counted as a drop', async () => {
    const accepted = sim.counters().connectionsAccepted;
    await press('reconnect_cloud');
    await eventually('a new cloud connection', async () => sim.counters().connectionsAccepted > accepted);
    const health = await eventually('connected again', async () => {
      const { body } = await bridge.http<{ cloud?: { connected?: boolean } }>('/healthz');
      return body.cloud?.connected ? body : undefined;
    });
    expect(health).toBeTruthy();
    const { body } = await bridge.http<{ metrics: { total_connection_drops: number } }>('/api/diagnostics');
    expect(body.metrics.total_connection_drops).toBe(0);
  });
});
