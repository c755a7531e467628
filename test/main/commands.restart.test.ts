// Queued commands across a restart of the bridge process (the add-on's own `run`, the simulated
// cloud, a real Mosquitto): a command older than max_queued_command_age when the bridge starts
// again is dropped and counted as expired, never sent; a younger one is sent; the counters
// survive the restart and show on /api/diagnostics (bridge.commands) and /metrics.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { Observer } from '../ha/observer.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { type BridgeProcess, eventually, startBridgeProcess } from './bridgeProcess.js';

const MAC = '04786332fca0';
const DHW_MODE = 33554437;
let broker: TestBroker;
let sim: Simulator | undefined;
let observer: Observer | undefined;
const bridges: BridgeProcess[] = [];
const dirs: string[] = [];

// A broker per test: retained availability from one test must not satisfy the next one's wait.
beforeEach(async () => {
  broker = await startBroker();
});
afterEach(async () => {
  for (const bridge of bridges.splice(0)) await bridge.close();
  await observer?.close();
  await sim?.close();
  await broker.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  observer = undefined;
  sim = undefined;
});

interface Diagnostics {
  bridge: { cloud: { state: string }; commands?: Record<string, number | null> };
}

async function start(dataDir: string, configDir: string): Promise<BridgeProcess> {
  if (!sim) throw new Error('no simulator');
  const bridge = await startBridgeProcess({
    sim,
    broker,
    dataDir,
    configDir,
    env: { NWP500_MAX_QUEUED_COMMAND_AGE: '4', NWP500_DIAGNOSTICS_EXPORT_INTERVAL: '0' },
  });
  bridges.push(bridge);
  return bridge;
}

async function commands(bridge: BridgeProcess): Promise<Record<string, number | null> | undefined> {
  const { body } = await bridge.http<Diagnostics>('/api/diagnostics');
  return body.bridge.commands;
}

async function stop(bridge: BridgeProcess): Promise<void> {
  bridge.child.kill('SIGTERM');
  expect(await bridge.exited).toBe(0);
}

function modeCommands(mode: number): number {
  return (sim?.device(MAC)?.receivedCommands() ?? []).filter(
    (c) => c.command === DHW_MODE && c.param?.[0] === mode,
  ).length;
}

describe('queued commands across a restart', () => {
  it('drops and counts a command that passed max_queued_command_age while the bridge was down, and never sends it', async () => {
    sim = await startSimulator();
    const dataDir = await mkdtemp(join(tmpdir(), 'nwp500-data-'));
    const configDir = await mkdtemp(join(tmpdir(), 'nwp500-config-'));
    dirs.push(dataDir, configDir);
    observer = await Observer.connect(broker.url, ['nwp500/#']);
    const first = await start(dataDir, configDir);
    await observer.waitForPayload(`nwp500/${MAC}/availability`, 'online', 30_000);
    // The cloud goes away; HA asks for heat pump mode, which waits in the queue.
    sim.faults.refuseConnections(true);
    sim.faults.hangUpAll();
    await eventually('the link down', async () => {
      const { body } = await first.http<Diagnostics>('/api/diagnostics');
      return body.bridge.cloud.state !== 'connected';
    });
    await observer.client.publishAsync(`nwp500/${MAC}/mode/set`, 'heat_pump', { qos: 1 });
    await eventually('the command queued', async () =>
      /nwp500_command_queue_depth 1\b/.test((await first.http('/metrics')).text),
    );
    await stop(first);
    // Down for longer than the 4 s age limit; then the cloud is back and the bridge starts again.
    await new Promise((r) => setTimeout(r, 5_000));
    sim.faults.refuseConnections(false);
    const second = await start(dataDir, configDir);
    await eventually(
      'connected again',
      async () => {
        const { body } = await second.http<Diagnostics>('/api/diagnostics');
        return body.bridge.cloud.state === 'connected';
      },
      30_000,
    );
    // A status round trip after the reconnect: anything restored would have been sent by now.
    const polled = sim.device(MAC)?.receivedCommands().length ?? 0;
    await eventually(
      'a status poll after the restart',
      async () => (sim?.device(MAC)?.receivedCommands().length ?? 0) > polled + 1,
      20_000,
    );
    expect(modeCommands(1)).toBe(0);
    expect(second.stdout()).toContain('older than max_queued_command_age at start-up');
    expect(await commands(second)).toMatchObject({ accepted: 1, expired: 1, delivered: 0, in_queue: 0 });
    const metrics = (await second.http('/metrics')).text;
    expect(metrics).toContain('nwp500_commands_total{outcome="expired"} 1');
    expect(metrics).toContain('nwp500_commands_total{outcome="accepted"} 1');
    expect(metrics).toMatch(/nwp500_command_queue_depth 0\b/);
  }, 120_000);

  it('sends a command still within the age limit after a restart, and counts it delivered once the heater shows it', async () => {
    sim = await startSimulator();
    const dataDir = await mkdtemp(join(tmpdir(), 'nwp500-data-'));
    const configDir = await mkdtemp(join(tmpdir(), 'nwp500-config-'));
    dirs.push(dataDir, configDir);
    observer = await Observer.connect(broker.url, ['nwp500/#']);
    const first = await start(dataDir, configDir);
    await observer.waitForPayload(`nwp500/${MAC}/availability`, 'online', 30_000);
    sim.faults.refuseConnections(true);
    sim.faults.hangUpAll();
    await eventually('the link down', async () => {
      const { body } = await first.http<Diagnostics>('/api/diagnostics');
      return body.bridge.cloud.state !== 'connected';
    });
    await observer.client.publishAsync(`nwp500/${MAC}/mode/set`, 'electric', { qos: 1 });
    await eventually('the command queued', async () =>
      /nwp500_command_queue_depth 1\b/.test((await first.http('/metrics')).text),
    );
    await stop(first);
    sim.faults.refuseConnections(false);
    const second = await start(dataDir, configDir);
    await eventually('the restored command delivered', async () => modeCommands(2) === 1, 30_000);
    await eventually('counted delivered', async () => (await commands(second))?.delivered === 1);
    expect(await commands(second)).toMatchObject({ accepted: 1, expired: 0, in_queue: 0 });
  }, 120_000);

  it('lists a queued command on its heater card (GET /api/heaters over HTTP)', async () => {
    sim = await startSimulator();
    const dataDir = await mkdtemp(join(tmpdir(), 'nwp500-data-'));
    const configDir = await mkdtemp(join(tmpdir(), 'nwp500-config-'));
    dirs.push(dataDir, configDir);
    observer = await Observer.connect(broker.url, ['nwp500/#']);
    const bridge = await start(dataDir, configDir);
    await observer.waitForPayload(`nwp500/${MAC}/availability`, 'online', 30_000);
    sim.faults.refuseConnections(true);
    sim.faults.hangUpAll();
    await eventually('the link down', async () => {
      const { body } = await bridge.http<Diagnostics>('/api/diagnostics');
      return body.bridge.cloud.state !== 'connected';
    });
    await observer.client.publishAsync(`nwp500/${MAC}/target_temperature/set`, '125', { qos: 1 });
    interface Heaters {
      heaters: Array<{
        id: string;
        queued: Array<{ description: string; created_ms: number; state: string }> | null;
      }>;
    }
    const card = await eventually('the command on the card', async () => {
      const { status, body } = await bridge.http<Heaters>('/api/heaters');
      expect(status).toBe(200);
      return body.heaters[0]?.queued?.length ? body.heaters[0] : undefined;
    });
    expect(card.id).toMatch(/^dev-[0-9a-f]{8}$/);
    expect(card.queued).toEqual([
      { description: 'dhw_temperature 125 F', created_ms: expect.any(Number), state: 'queued' },
    ]);
  }, 60_000);
});
