// The demo against a real Mosquitto: it publishes the heaters, the bridge device and its
// diagnostics topics; Ctrl-C removes every one of them and says so; the next run starts fresh (no
// history, no queue) unless --keep.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retainedMessages } from '../ha/observer.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from './bridgeProcess.js';
import { demoDrops, demoHealthy, startDemo } from './demoProcess.js';

const FILTERS = ['nwp500demo/#', 'homeassistant/#'];
let broker: TestBroker;
let dir: string;

beforeAll(async () => {
  broker = await startBroker();
  dir = await mkdtemp(join(tmpdir(), 'nwp500-demo-'));
});
afterAll(async () => {
  await broker?.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function demo(args: string[]) {
  return await startDemo(dir, ['--calm', ...args], {
    NWP500_DEMO_MQTT_PORT: String(broker.port),
    NWP500_HTTP_PORT: String(await freePort()),
  });
}

describe('the demo on a real Mosquitto', () => {
  it('uses the broker it finds, and Ctrl-C removes everything it published, diagnostics included', async () => {
    const run = await demo([]);
    try {
      expect(run.output()).toContain(`your MQTT broker (127.0.0.1:${broker.port})`);
      await demoHealthy(run);
      const published = await eventually('the demo state, discovery and diagnostics topics', async () => {
        const retained = await retainedMessages(broker.url, FILTERS);
        const wanted = [
          'nwp500demo/bridge/availability',
          'nwp500demo/bridge/diagnostics',
          'nwp500demo/bridge/diagnostics/attributes',
          'nwp500demo/04786332fca0/state',
          'nwp500demo/04786332fca1/availability',
          'homeassistant/device/nwp500_04786332fca0/config',
        ];
        // The bridge device carries this install's id: nwp500_bridge_<install>.
        const bridgeDevice = [...retained.keys()].some((topic) =>
          /^homeassistant\/device\/nwp500_bridge_[0-9a-f]{8}\/config$/.test(topic),
        );
        return bridgeDevice && wanted.every((topic) => retained.has(topic)) ? retained : undefined;
      });
      expect(published.size).toBeGreaterThanOrEqual(7);
    } finally {
      expect(await run.stop('SIGINT')).toBe(0);
    }
    expect(run.output()).toMatch(/\[demo\] removed \d+ retained messages from the broker:/);
    expect(run.output()).toContain('[demo]   nwp500demo/bridge/diagnostics/attributes');
    expect([...(await retainedMessages(broker.url, FILTERS)).keys()]).toEqual([]);
  }, 90_000);

  it('starts fresh after a run that saw drops, and keeps its history with --keep', async () => {
    const first = await demo([]);
    try {
      await demoHealthy(first);
      await fetch(`${first.control}/faults/hangup`, { method: 'POST' });
      await eventually('the hang-up recorded and the link back', async () => {
        const health = (await fetch(`${first.page}/healthz`).then((r) => r.json())) as {
          cloud: { connected: boolean };
        };
        return health.cloud.connected && (await demoDrops(first)) >= 1;
      });
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const fresh = await demo([]);
    try {
      expect(fresh.output()).toContain('Starting fresh: the last demo run');
      await demoHealthy(fresh);
      expect(await demoDrops(fresh)).toBe(0);
      expect(fresh.output()).not.toContain('diagnostics history restored');
      // Give this run a drop of its own, for --keep to find.
      await fetch(`${fresh.control}/faults/hangup`, { method: 'POST' });
      await eventually('the hang-up recorded', async () => (await demoDrops(fresh)) >= 1);
      await demoHealthy(fresh);
    } finally {
      expect(await fresh.stop()).toBe(0);
    }

    const kept = await demo(['--keep']);
    try {
      expect(kept.output()).toContain("Keeping the last demo run's history, queue and report (--keep).");
      await demoHealthy(kept);
      expect(await demoDrops(kept)).toBeGreaterThanOrEqual(1);
    } finally {
      expect(await kept.stop()).toBe(0);
    }
    expect([...(await retainedMessages(broker.url, FILTERS)).keys()]).toEqual([]);
  }, 120_000);
});
