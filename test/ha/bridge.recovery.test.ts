// HaBridge through outages and restarts: a local broker restart, a cloud drop, a bridge restart on
// the same data dir, and discovery left behind by an earlier run for a heater that is gone.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_FILE } from '../../src/ha/deviceMemory.js';
import { REGISTRY_FILE } from '../../src/ha/registry.js';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { BASE_TOPIC, DISCOVERY_PREFIX, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const DISCOVERY = `${DISCOVERY_PREFIX}/device/nwp500_${SIM_MAC}/config`;
const STATE = `${BASE_TOPIC}/${SIM_MAC}/state`;
const AVAILABILITY = `${BASE_TOPIC}/${SIM_MAC}/availability`;
const DIAGNOSTICS = `${BASE_TOPIC}/bridge/diagnostics`;
const FILTERS = [`${DISCOVERY_PREFIX}/#`, `${BASE_TOPIC}/#`];

let stack: HaStack;
let observer: Observer;

function json(topic: string): Record<string, unknown> {
  const payload = observer.last(topic);
  return payload ? (JSON.parse(payload) as Record<string, unknown>) : {};
}

async function ready(s: HaStack, o: Observer): Promise<void> {
  await waitFor(
    () => {
      const state = o.last(STATE);
      return (
        o.last(DISCOVERY) !== undefined &&
        state !== undefined &&
        typeof (JSON.parse(state) as Record<string, unknown>).energy_total === 'number' &&
        o.last(AVAILABILITY) === 'online' &&
        s.link.isConnected()
      );
    },
    'discovery, state with energy and the device online',
    20_000,
  );
}

describe('HaBridge through outages', () => {
  beforeAll(async () => {
    stack = await startHaStack();
    observer = await Observer.connect(stack.mqtt.url, FILTERS);
    await ready(stack, observer);
  });

  afterAll(async () => {
    await observer?.close();
    await stack?.close();
  });

  it('brings discovery, state and availability back after the local broker restarts empty', async () => {
    await observer.close();
    await stack.mqtt.stop();
    await stack.mqtt.start();
    observer = await Observer.connect(stack.mqtt.url, FILTERS);
    await waitFor(
      () => observer.last(DISCOVERY) !== undefined && observer.last(STATE) !== undefined,
      'discovery and state re-asserted',
      15_000,
    );
    const retained = await retainedMessages(stack.mqtt.url, FILTERS);
    expect(checkRetainedDiscovery(retained)).toEqual([]);
    expect(retained.get(AVAILABILITY)).toBe('online');
    expect(retained.get(`${BASE_TOPIC}/bridge/availability`)).toBe('online');
  });

  it('marks the device offline while the cloud link is down and online once it is back, and counts the drop', async () => {
    const seen = observer.on(AVAILABILITY).length;
    stack.sim.faults.hangUpAll();
    await waitFor(
      () =>
        observer
          .on(AVAILABILITY)
          .slice(seen)
          .some((m) => m.payload === 'offline'),
      'the device to go offline',
    );
    await waitFor(() => observer.last(AVAILABILITY) === 'online', 'the device to come back online', 15_000);
    await waitFor(
      () => json(DIAGNOSTICS).drops_total === 1 && json(DIAGNOSTICS).cloud_connected === 'ON',
      'the bridge device to show the drop and the link back up',
    );
    expect(json(DIAGNOSTICS)).toMatchObject({
      drops_24h: 1,
      last_drop_error: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    });
    const attributes = json(`${DIAGNOSTICS}/attributes`);
    expect(attributes).toMatchObject({
      drops_total: 1,
      drops_by_error: { AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 1 },
    });
    expect(attributes.recent_drops).toHaveLength(1);
    // The outage showed up on the bridge device as it happened, not a minute later.
    expect(
      observer
        .on(DIAGNOSTICS)
        .some((m) => (JSON.parse(m.payload) as { cloud_connected?: string }).cloud_connected === 'OFF'),
    ).toBe(true);
  });

  it('restarts on the same data dir with energy totals not lower, settings remembered, entities there before the device answers', async () => {
    await observer.client.publishAsync(`${BASE_TOPIC}/${SIM_MAC}/vacation_days/set`, '12', { qos: 1 });
    await waitFor(() => json(STATE).vacation_days === 12, 'the vacation length remembered');
    const energyBefore = json(STATE).energy_total as number;
    await stack.stopBridge();

    const device = stack.sim.device(SIM_MAC);
    if (!device) throw new Error('no simulated device');
    device.online = false;
    const since = observer.messages.length;
    const second = await startHaStack({ simulator: stack.sim, mqtt: stack.mqtt, dataDir: stack.dataDir });
    try {
      const fresh = () => observer.messages.slice(since);
      await waitFor(
        () => fresh().some((m) => m.topic === DISCOVERY),
        'discovery from the remembered feature',
      );
      expect(fresh().find((m) => m.topic === AVAILABILITY)?.payload).toBe('offline');
      expect(fresh().some((m) => m.topic === STATE)).toBe(false);

      device.online = true;
      await ready(second, observer);
      const state = json(STATE);
      expect(state.energy_total as number).toBeGreaterThanOrEqual(energyBefore);
      expect(state.vacation_days).toBe(12);
      // Every state the new run published had totals at or above the old ones: no meter reset for HA.
      for (const message of fresh().filter((m) => m.topic === STATE)) {
        const total = (JSON.parse(message.payload) as { energy_total: number | null }).energy_total;
        expect(total === null || total >= energyBefore).toBe(true);
      }
    } finally {
      await second.stopBridge();
    }
  });
});

describe('stale discovery from an earlier run', () => {
  const GONE = 'aabbccddeeff';
  const GONE_DISCOVERY = `${DISCOVERY_PREFIX}/device/nwp500_${GONE}/config`;
  let mqtt: TestBroker;
  let gcStack: HaStack | undefined;
  let dataDir: string;

  beforeAll(async () => {
    mqtt = await startBroker();
  });

  afterAll(async () => {
    await gcStack?.close();
    await mqtt?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('removes the retained discovery, state and availability of a heater no longer on the account an hour after it went missing, and nothing else', async () => {
    const seed = await Observer.connect(mqtt.url, []);
    const foreign = `${DISCOVERY_PREFIX}/device/someone_else/config`;
    for (const [topic, payload] of [
      [GONE_DISCOVERY, '{"device":{"identifiers":["nwp500_aabbccddeeff"]}}'],
      [`${BASE_TOPIC}/${GONE}/state`, '{"mode":"eco"}'],
      [`${BASE_TOPIC}/${GONE}/availability`, 'online'],
      [foreign, '{"device":{"identifiers":["x"]}}'],
    ] as const) {
      await seed.client.publishAsync(topic, payload, { qos: 1, retain: true });
    }
    await seed.close();
    dataDir = await mkdtemp(join(tmpdir(), 'nwp500-gc-'));
    await writeFile(
      join(dataDir, REGISTRY_FILE),
      JSON.stringify({ version: 1, topics: { [GONE_DISCOVERY]: [{ id: 'power', platform: 'switch' }] } }),
    );
    // A remembered feature for the gone heater must not bring it back.
    await writeFile(
      join(dataDir, MEMORY_FILE),
      JSON.stringify({ version: 1, devices: { [GONE]: { vacationDays: 3 } } }),
    );

    let now = Date.now();
    gcStack = await startHaStack({
      mqtt,
      dataDir,
      rosterNow: () => now,
      cloud: { deviceListIntervalMs: 300 },
    });
    const watcher = await Observer.connect(mqtt.url, FILTERS);
    try {
      await ready(gcStack, watcher);
      // Missing from the first answer: kept until it is missing again at least an hour later.
      await waitFor(
        () => gcStack?.log.text().includes('heaters missing from the device list are kept') === true,
        'the gone heater noted as missing',
      );
      const early = await retainedMessages(mqtt.url, FILTERS);
      expect(early.has(GONE_DISCOVERY)).toBe(true);
      expect(early.has(`${BASE_TOPIC}/${GONE}/state`)).toBe(true);
      now += 3_600_000;
      await waitFor(
        () => watcher.on(GONE_DISCOVERY).some((m) => m.payload === ''),
        'the gone heater removed',
        15_000,
      );
      const retained = await retainedMessages(mqtt.url, FILTERS);
      expect(retained.has(GONE_DISCOVERY)).toBe(false);
      expect(retained.has(`${BASE_TOPIC}/${GONE}/state`)).toBe(false);
      expect(retained.has(`${BASE_TOPIC}/${GONE}/availability`)).toBe(false);
      expect(retained.get(foreign)).toBe('{"device":{"identifiers":["x"]}}');
      expect(checkRetainedDiscovery(new Map([...retained].filter(([topic]) => topic !== foreign)))).toEqual(
        [],
      );
      expect([...gcStack.registry.snapshot().keys()].sort()).toEqual(
        [DISCOVERY, `${DISCOVERY_PREFIX}/device/nwp500_bridge/config`].sort(),
      );
    } finally {
      await watcher.close();
    }
  });
});
