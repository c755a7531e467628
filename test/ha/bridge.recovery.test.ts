// HaBridge through outages and restarts: a local broker restart, a cloud drop (short: heaters stay
// available; long: offline after the grace period), a bridge restart on the same data dir, and
// discovery left behind by an earlier run for a heater that is gone or a bridge device of 0.1.0.

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

  it('keeps the heater available through a short cloud drop, while the bridge device shows the drop at once', async () => {
    const seen = observer.on(AVAILABILITY).length;
    const diagnosticsSeen = observer.on(DIAGNOSTICS).length;
    stack.sim.faults.hangUpAll();
    await waitFor(
      () => json(DIAGNOSTICS).drops_total === 1 && json(DIAGNOSTICS).cloud_connected === 'ON',
      'the bridge device to show the drop and the link back up',
      15_000,
    );
    // The heater's availability never said offline: the drop was shorter than availability_grace_secs.
    expect(
      observer
        .on(AVAILABILITY)
        .slice(seen)
        .map((m) => m.payload),
    ).not.toContain('offline');
    expect(observer.last(AVAILABILITY)).toBe('online');
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
        .slice(diagnosticsSeen)
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

describe('availability grace through a long cloud outage', () => {
  let graceStack: HaStack | undefined;
  let watcher: Observer | undefined;

  afterAll(async () => {
    await watcher?.close();
    await graceStack?.close();
  });

  it('keeps the heater online for availability_grace_secs, then offline until a fresh status after the reconnect', async () => {
    graceStack = await startHaStack({ bridge: { availabilityGraceMs: 1_500 } });
    watcher = await Observer.connect(graceStack.mqtt.url, FILTERS);
    const w = watcher;
    await ready(graceStack, w);
    const seen = w.on(AVAILABILITY).length;
    // The link cannot come back while new connections are refused.
    graceStack.sim.faults.refuseConnections(true);
    const droppedAt = Date.now();
    graceStack.sim.faults.hangUpAll();
    await waitFor(
      () => w.last(AVAILABILITY) === 'offline',
      'the heater to go offline after the grace',
      10_000,
    );
    const offlineAfter = Date.now() - droppedAt;
    expect(offlineAfter).toBeGreaterThanOrEqual(1_400);
    // Online until then, and offline once: no flapping.
    expect(
      w
        .on(AVAILABILITY)
        .slice(seen)
        .map((m) => m.payload),
    ).toEqual(['offline']);
    graceStack.sim.faults.refuseConnections(false);
    await waitFor(() => w.last(AVAILABILITY) === 'online', 'the heater back with a fresh status', 20_000);
  });

  it('with a grace of 0, marks the heater offline as soon as the link drops', async () => {
    await watcher?.close();
    await graceStack?.close();
    graceStack = await startHaStack({ bridge: { availabilityGraceMs: 0 } });
    watcher = await Observer.connect(graceStack.mqtt.url, FILTERS);
    const w = watcher;
    await ready(graceStack, w);
    const seen = w.on(AVAILABILITY).length;
    graceStack.sim.faults.hangUpAll();
    await waitFor(
      () =>
        w
          .on(AVAILABILITY)
          .slice(seen)
          .some((m) => m.payload === 'offline'),
      'the heater offline at once',
    );
    await waitFor(() => w.last(AVAILABILITY) === 'online', 'back online', 15_000);
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
    if (dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('removes the retained discovery, state, attributes and availability of a heater no longer on the account an hour after it went missing, and the 0.1.0 bridge device, and nothing else', async () => {
    const seed = await Observer.connect(mqtt.url, []);
    const foreign = `${DISCOVERY_PREFIX}/device/someone_else/config`;
    const legacyBridge = `${DISCOVERY_PREFIX}/device/nwp500_bridge/config`;
    for (const [topic, payload] of [
      [legacyBridge, '{"device":{"identifiers":["nwp500_bridge"]}}'],
      [GONE_DISCOVERY, '{"device":{"identifiers":["nwp500_aabbccddeeff"]}}'],
      [`${BASE_TOPIC}/${GONE}/state`, '{"mode":"eco"}'],
      [`${BASE_TOPIC}/${GONE}/attributes`, '{"error_code":{"code":0}}'],
      [`${BASE_TOPIC}/${GONE}/availability`, 'online'],
      [foreign, '{"device":{"identifiers":["x"]}}'],
    ] as const) {
      await seed.client.publishAsync(topic, payload, { qos: 1, retain: true });
    }
    await seed.close();
    dataDir = await mkdtemp(join(tmpdir(), 'nwp500-gc-'));
    await writeFile(
      join(dataDir, REGISTRY_FILE),
      JSON.stringify({
        version: 1,
        topics: {
          [GONE_DISCOVERY]: [{ id: 'power', platform: 'switch' }],
          [legacyBridge]: [{ id: 'cloud_connected', platform: 'binary_sensor' }],
        },
      }),
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
      expect(retained.has(`${BASE_TOPIC}/${GONE}/attributes`)).toBe(false);
      expect(retained.has(`${BASE_TOPIC}/${GONE}/availability`)).toBe(false);
      expect(retained.has(legacyBridge)).toBe(false);
      expect(retained.has(`${DISCOVERY_PREFIX}/device/nwp500_bridge_a1b2c3d4/config`)).toBe(true);
      expect(retained.get(foreign)).toBe('{"device":{"identifiers":["x"]}}');
      expect(checkRetainedDiscovery(new Map([...retained].filter(([topic]) => topic !== foreign)))).toEqual(
        [],
      );
      expect([...gcStack.registry.snapshot().keys()].sort()).toEqual(
        [DISCOVERY, `${DISCOVERY_PREFIX}/device/nwp500_bridge_a1b2c3d4/config`].sort(),
      );
    } finally {
      await watcher.close();
    }
  });
});
