// The stale-entity registry: what a restart removes from HA (gone devices, gone components), what it
// never touches (other bridges' topics), and how the record survives restarts and corruption.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBroker } from '../../src/ha/broker.js';
import { buildBinarySensor } from '../../src/ha/discovery/binarySensor.js';
import { buildDeviceDiscovery, type DeviceDiscovery } from '../../src/ha/discovery/device.js';
import { buildSensor } from '../../src/ha/discovery/sensor.js';
import {
  applyDiscoveryPlan,
  currentComponents,
  DiscoveryRegistry,
  REGISTRY_FILE,
} from '../../src/ha/registry.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const A = 'aaaaaaaaaaaa';
const B = 'bbbbbbbbbbbb';
const topicOf = (id: string) => `homeassistant/device/nwp500_${id}/config`;
const FOREIGN = 'homeassistant/device/other_bridge_1234/config';

/** A water heater message with the given component keys (each a sensor, `heating` a binary sensor). */
function heaterMessage(id: string, keys: string[]): DeviceDiscovery {
  const components = Object.fromEntries(
    keys.map((key) => [
      key,
      key === 'heating'
        ? buildBinarySensor({ unique_id: `nwp500_${id}_${key}`, value_template: '{{ value_json.heating }}' })
        : buildSensor({ unique_id: `nwp500_${id}_${key}`, value_template: `{{ value_json.${key} }}` }),
    ]),
  );
  return buildDeviceDiscovery({
    device: { identifiers: [`nwp500_${id}`], name: 'Water Heater' },
    origin: { name: 'nwp500-bridge' },
    availability: [{ topic: 'nwp500/bridge/availability' }],
    stateTopic: `nwp500/${id}/state`,
    components,
  });
}

let dir: string;
let log: CapturedLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-registry-'));
  log = captureLog('debug');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('DiscoveryRegistry.plan', () => {
  it('plans to clear a device that is gone and to remove a component that is gone, nothing else', () => {
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    registry.recordDiscovery(topicOf(A), heaterMessage(A, ['tank', 'energy', 'heating']));
    registry.recordDiscovery(topicOf(B), heaterMessage(B, ['tank']));

    const plan = registry.plan(
      new Map([
        [topicOf(A), ['tank', 'energy']],
        [FOREIGN, ['whatever']],
      ]),
    );
    expect(plan.removeTopics).toEqual([topicOf(B)]);
    expect([...plan.removeComponents]).toEqual([
      [topicOf(A), [{ id: 'heating', platform: 'binary_sensor' }]],
    ]);
  });

  it('plans nothing when everything recorded is still produced', () => {
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    const message = heaterMessage(A, ['tank']);
    registry.recordDiscovery(topicOf(A), message);
    const plan = registry.plan(currentComponents(new Map([[topicOf(A), message]])));
    expect(plan.removeTopics).toEqual([]);
    expect(plan.removeComponents.size).toBe(0);
  });
});

describe('DiscoveryRegistry persistence', () => {
  it('remembers what was published across restarts', async () => {
    const first = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await first.load();
    first.recordDiscovery(topicOf(A), heaterMessage(A, ['tank', 'heating']));
    first.recordDiscovery(topicOf(B), heaterMessage(B, ['tank']));
    await first.save();

    const second = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await second.load();
    expect(second.snapshot()).toEqual(first.snapshot());
    expect(second.plan(new Map()).removeTopics.sort()).toEqual([topicOf(A), topicOf(B)]);
    const onDisk = JSON.parse(await readFile(join(dir, REGISTRY_FILE), 'utf8')) as unknown;
    expect(onDisk).toEqual({
      version: 1,
      topics: {
        [topicOf(A)]: [
          { id: 'tank', platform: 'sensor' },
          { id: 'heating', platform: 'binary_sensor' },
        ],
        [topicOf(B)]: [{ id: 'tank', platform: 'sensor' }],
      },
    });
  });

  it('moves a file that is not JSON aside with a warning and starts empty', async () => {
    await writeFile(join(dir, REGISTRY_FILE), '{"version": 1, "topics": {');
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await registry.load();
    expect(registry.snapshot().size).toBe(0);
    const files = await readdir(dir);
    expect(files.some((f) => f.startsWith(`${REGISTRY_FILE}.corrupt-`))).toBe(true);
    expect(files).not.toContain(REGISTRY_FILE);
    expect(log.records().some((r) => r.level === 40 && String(r.msg).includes('moved aside'))).toBe(true);
  });

  it('moves a JSON file of the wrong shape aside too', async () => {
    await writeFile(
      join(dir, REGISTRY_FILE),
      JSON.stringify({ version: 1, topics: { x: [{ id: 'a b', platform: 'p' }] } }),
    );
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await registry.load();
    expect(registry.snapshot().size).toBe(0);
    expect((await readdir(dir)).some((f) => f.startsWith(`${REGISTRY_FILE}.corrupt-`))).toBe(true);
    expect(log.text()).toContain('unexpected shape');
  });

  it('treats a missing file as a first start, silently', async () => {
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await registry.load();
    expect(registry.snapshot().size).toBe(0);
    expect(log.lines).toEqual([]);
  });
});

describe('applyDiscoveryPlan against a real broker', () => {
  let testBroker: TestBroker;
  const bridges: LocalBroker[] = [];

  beforeEach(async () => {
    testBroker = await startBroker();
  });

  afterEach(async () => {
    for (const bridge of bridges.splice(0)) await bridge.stop();
    await testBroker.close();
  });

  async function connectedBridge(): Promise<LocalBroker> {
    const bridge = new LocalBroker({
      settings: { host: testBroker.host, port: testBroker.port, ssl: false, source: 'options' },
      baseTopic: 'nwp500',
      installId: 'a1b2c3d4',
      discoveryPrefix: 'homeassistant',
      clientId: `registry-test-${bridges.length}`,
      log: log.logger,
      stopTimeoutMs: 1000,
    });
    bridges.push(bridge);
    bridge.start();
    await waitFor(() => bridge.isConnected(), 'the bridge to connect');
    return bridge;
  }

  /** One bridge run: load the registry, plan against `current`, apply, save, stop. */
  async function run(current: Map<string, DeviceDiscovery>): Promise<void> {
    const bridge = await connectedBridge();
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await registry.load();
    const plan = registry.plan(currentComponents(current));
    expect(applyDiscoveryPlan(plan, { broker: bridge, registry, current, log: log.logger })).toBe('applied');
    await registry.save();
    await waitFor(() => bridge.stats().published >= 1 + current.size, 'the discovery publishes');
    await bridge.stop();
  }

  it('clears a removed device, removes a removed component in two steps, and leaves foreign topics alone', async () => {
    const other = await Observer.connect(testBroker.url, []);
    await other.client.publishAsync(FOREIGN, '{"another":"bridge"}', { qos: 1, retain: true });
    await other.close();

    await run(
      new Map([
        [topicOf(A), heaterMessage(A, ['tank', 'energy', 'heating'])],
        [topicOf(B), heaterMessage(B, ['tank'])],
      ]),
    );
    let retained = await retainedMessages(testBroker.url, ['homeassistant/#']);
    expect([...retained.keys()].sort()).toEqual([FOREIGN, topicOf(A), topicOf(B)].sort());

    const watcher = await Observer.connect(testBroker.url, ['homeassistant/#']);
    const reduced = heaterMessage(A, ['tank', 'energy']);
    await run(new Map([[topicOf(A), reduced]]));
    await waitFor(() => watcher.on(topicOf(A)).filter((m) => !m.retain).length === 2, 'both removal steps');

    // Step 1: the gone component reduced to its platform; step 2: the message without it.
    const live = watcher.on(topicOf(A)).filter((m) => !m.retain);
    const step1 = JSON.parse(live[0]?.payload ?? '{}') as DeviceDiscovery;
    expect(step1.components.heating).toEqual({ platform: 'binary_sensor' });
    expect(Object.keys(step1.components)).toEqual(['tank', 'energy', 'heating']);
    expect(JSON.parse(live[1]?.payload ?? '{}')).toEqual(reduced);

    retained = await retainedMessages(testBroker.url, ['homeassistant/#']);
    expect(retained.has(topicOf(B))).toBe(false);
    expect(retained.get(FOREIGN)).toBe('{"another":"bridge"}');
    expect(JSON.parse(retained.get(topicOf(A)) ?? '{}')).toEqual(reduced);
    expect(watcher.on(FOREIGN).filter((m) => !m.retain)).toEqual([]);
    await watcher.close();

    const after = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    await after.load();
    expect(after.snapshot()).toEqual(
      new Map([
        [
          topicOf(A),
          [
            { id: 'tank', platform: 'sensor' },
            { id: 'energy', platform: 'sensor' },
          ],
        ],
      ]),
    );
  });

  it('waits for the broker before removing anything, so neither removal step is lost', async () => {
    const registry = new DiscoveryRegistry({ dataDir: dir, log: log.logger });
    registry.recordDiscovery(topicOf(A), heaterMessage(A, ['tank', 'heating']));
    const bridge = new LocalBroker({
      settings: { host: testBroker.host, port: testBroker.port, ssl: false, source: 'options' },
      baseTopic: 'nwp500',
      installId: 'a1b2c3d4',
      discoveryPrefix: 'homeassistant',
      clientId: 'registry-test-deferred',
      log: log.logger,
      stopTimeoutMs: 1000,
    });
    bridges.push(bridge);
    const current = new Map([[topicOf(A), heaterMessage(A, ['tank'])]]);
    let applied = false;
    const watcher = await Observer.connect(testBroker.url, [topicOf(A)]);
    const outcome = applyDiscoveryPlan(registry.plan(currentComponents(current)), {
      broker: bridge,
      registry,
      current,
      log: log.logger,
      onApplied: () => {
        applied = true;
      },
    });
    expect(outcome).toBe('deferred');
    bridge.start();
    await waitFor(() => applied, 'the deferred plan');
    await waitFor(() => watcher.on(topicOf(A)).length === 2, 'both removal steps');
    expect(JSON.parse(watcher.on(topicOf(A))[0]?.payload ?? '{}').components.heating).toEqual({
      platform: 'binary_sensor',
    });
    await watcher.close();
  });
});
