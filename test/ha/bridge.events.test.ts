// HaBridge's reactions to cloud events, one at a time, on a real Mosquitto with the cloud replaced
// by a double and timers on a manual clock: when discovery is (re)built and republished, how lost
// components are removed, and what happens to events it cannot place.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeFeature } from '../../src/device/feature.js';
import { decodeStatus } from '../../src/device/status.js';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { HaBridge } from '../../src/ha/bridge.js';
import { LocalBroker } from '../../src/ha/broker.js';
import { DiscoveryRegistry } from '../../src/ha/registry.js';
import { SimDevice } from '../../src/sim/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { CloudDouble, LinkDouble } from './doubles.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const MAC = '04786332fca0';
const DISCOVERY = `homeassistant/device/nwp500_${MAC}/config`;
const STATE = `nwp500/${MAC}/state`;
const FEATURE_GRACE_MS = 30_000;

let mqtt: TestBroker;
let dataDir: string;
let clock: ManualClock;
let log: CapturedLog;
let broker: LocalBroker;
let observer: Observer;
let cloud: CloudDouble;
let bridge: HaBridge;
let device: SimDevice;
let collector: DiagnosticsCollector;

beforeEach(async () => {
  mqtt = await startBroker();
  dataDir = await mkdtemp(join(tmpdir(), 'nwp500-events-'));
  clock = new ManualClock();
  log = captureLog('debug');
  broker = new LocalBroker({
    settings: { host: mqtt.host, port: mqtt.port, ssl: false, source: 'options' },
    baseTopic: 'nwp500',
    installId: 'a1b2c3d4',
    discoveryPrefix: 'homeassistant',
    clientId: 'ha-bridge-events-test',
    log: log.logger,
    stopTimeoutMs: 1000,
  });
  broker.start();
  await waitFor(() => broker.isConnected(), 'the local broker');
  observer = await Observer.connect(mqtt.url, ['homeassistant/#', 'nwp500/#']);
  cloud = new CloudDouble();
  device = new SimDevice({}, { clock, logger: log.logger });
  collector = new DiagnosticsCollector({ maxEventsRetained: 100, clock });
  bridge = new HaBridge({
    cloud,
    link: new LinkDouble(clock),
    broker,
    collector,
    registry: new DiscoveryRegistry({ dataDir, log: log.logger }),
    dataDir,
    version: '0.1.0-test',
    clock,
    log: log.logger,
    featureGraceMs: FEATURE_GRACE_MS,
    installId: 'a1b2c3d4',
  });
  await bridge.start();
});

afterEach(async () => {
  await bridge.stop();
  await observer.close();
  await broker.stop();
  await mqtt.close();
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
});

function status(changes: Record<string, unknown> = {}) {
  return decodeStatus({ ...device.status(), ...changes });
}

function feature(changes: Record<string, unknown> = {}) {
  return decodeFeature({ ...device.featurePayload(), ...changes });
}

function discoveries(): Array<Record<string, unknown>> {
  return observer.on(DISCOVERY).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
}

function componentsOf(index: number): Record<string, Record<string, unknown>> {
  const message = discoveries()[index];
  if (!message) throw new Error(`no discovery message #${index}`);
  return message.components as Record<string, Record<string, unknown>>;
}

/** Lets the broker deliver what was published so far, by publishing a marker after it. */
async function settled(): Promise<void> {
  const marker = `nwp500/marker-${Math.random()}`;
  broker.publish(marker, 'x');
  await waitFor(() => observer.on(marker).length > 0, 'the marker');
}

describe('HaBridge and cloud events', () => {
  it('waits for the feature before it publishes discovery, then gives up waiting after the grace period', async () => {
    cloud.announce(MAC);
    cloud.events.emit('status', MAC, status());
    await waitFor(() => observer.last(STATE) !== undefined, 'the first state');
    clock.advance(FEATURE_GRACE_MS - 1);
    await settled();
    expect(discoveries()).toHaveLength(0);
    clock.advance(1);
    await waitFor(() => discoveries().length === 1, 'discovery with the default range');
    const heater = componentsOf(0).water_heater;
    // The library's fallback range (raw 70–131 half-°C) in °F, and every mode.
    expect(heater).toMatchObject({
      min_temp: 95,
      max_temp: 149,
      modes: ['off', 'eco', 'heat_pump', 'high_demand', 'electric'],
    });
    expect(log.text()).toContain('no feature payload from the device yet');

    cloud.events.emit('feature', MAC, feature());
    await waitFor(() => discoveries().length === 2, 'discovery with the device range');
    expect(componentsOf(1).water_heater).toMatchObject({
      min_temp: 105,
      max_temp: 149,
    });
  });

  it('republishes discovery only when the feature, unit or name changes, not for every status', async () => {
    cloud.announce(MAC);
    cloud.events.emit('feature', MAC, feature());
    cloud.events.emit('status', MAC, status());
    await waitFor(() => discoveries().length === 1, 'the first discovery');
    for (let i = 0; i < 5; i++) cloud.events.emit('status', MAC, status({ dhwTemperature: 100 + i }));
    cloud.events.emit('feature', MAC, feature());
    await settled();
    expect(discoveries()).toHaveLength(1);
    expect(observer.on(STATE).length).toBe(6);

    // The user switches the unit's display to °C.
    cloud.events.emit('status', MAC, status({ temperatureType: 1 }));
    await waitFor(() => discoveries().length === 2, 'discovery in °C');
    expect(componentsOf(1).water_heater).toMatchObject({
      temperature_unit: 'C',
      min_temp: 40.5,
      max_temp: 65,
      precision: 0.5,
    });
  });

  it('removes a component the device lost the way HA asks: reduced to its platform, then left out', async () => {
    cloud.announce(MAC);
    cloud.events.emit('feature', MAC, feature());
    cloud.events.emit('status', MAC, status());
    await waitFor(() => discoveries().length === 1, 'the first discovery');
    expect(discoveries()[0]).toHaveProperty('components.demand_response.platform', 'switch');

    cloud.events.emit('feature', MAC, feature({ drSettingUse: 1 }));
    await waitFor(() => discoveries().length === 3, 'the two removal steps');
    expect(discoveries()[1]).toHaveProperty('components.demand_response', { platform: 'switch' });
    expect(discoveries()[2]).not.toHaveProperty('components.demand_response');
    expect(JSON.parse(observer.last(STATE) ?? '{}')).not.toHaveProperty('demand_response');
    cloud.events.emit('availability', MAC, true);
    await waitFor(() => observer.last(`nwp500/${MAC}/availability`) === 'online', 'the device online');
    expect(checkRetainedDiscovery(await retainedMessages(mqtt.url, ['homeassistant/#', 'nwp500/#']))).toEqual(
      [],
    );
  });

  it('publishes availability from the cloud, offline until the cloud says otherwise', async () => {
    cloud.announce(MAC);
    await waitFor(() => observer.last(`nwp500/${MAC}/availability`) === 'offline', 'offline at first');
    cloud.events.emit('availability', MAC, true);
    await waitFor(() => observer.last(`nwp500/${MAC}/availability`) === 'online', 'online');
    cloud.events.emit('availability', MAC, false);
    await waitFor(() => observer.last(`nwp500/${MAC}/availability`) === 'offline', 'offline again');
  });

  it('ignores events for devices that are not on the account, and commands for them', async () => {
    cloud.announce(MAC);
    const other = 'aabbccddeeff';
    cloud.events.emit('status', other, status());
    cloud.events.emit('feature', other, feature());
    cloud.events.emit('availability', other, true);
    await observer.client.publishAsync(`nwp500/${other}/power/set`, 'ON', { qos: 1 });
    await settled();
    await waitFor(() => log.text().includes('no such water heater'), 'the refusal');
    expect(collector.getCounters().commands_refused_by_reason).toEqual({ unknown_device: 1 });
    expect(observer.messages.some((m) => m.topic.includes(other))).toBe(true);
    expect(
      observer.messages.filter((m) => m.topic.includes(other)).every((m) => m.topic.endsWith('/set')),
    ).toBe(true);
    expect(cloud.sent).toEqual([]);
  });

  it('logs a refusal from the cloud without counting it again (the cloud counted it)', async () => {
    cloud.announce(MAC);
    cloud.events.emit('feature', MAC, feature());
    cloud.events.emit('status', MAC, status());
    cloud.outcome = { ok: false, code: 'unsupported', reason: 'time of use is not supported by this device' };
    await observer.client.publishAsync(`nwp500/${MAC}/tou/set`, 'ON', { qos: 1 });
    await waitFor(
      () => log.text().includes('refused an HA command: time of use is not supported'),
      'the refusal',
    );
    expect(cloud.sent).toEqual([]);
    expect(collector.getCounters().commands_refused).toBe(0);
  });

  it('keeps a heater left out of a device list until the cloud confirms it removed', async () => {
    cloud.announce(MAC);
    cloud.events.emit('feature', MAC, feature());
    cloud.events.emit('status', MAC, status());
    await waitFor(
      () => observer.last(DISCOVERY) !== undefined && observer.last(STATE) !== undefined,
      'entities',
    );
    cloud.announce();
    await settled();
    expect(observer.messages.some((m) => m.payload === '' && m.topic.includes(MAC))).toBe(false);
    cloud.remove(MAC);
    await waitFor(
      () =>
        [DISCOVERY, STATE, `nwp500/${MAC}/attributes`, `nwp500/${MAC}/availability`].every(
          (t) => observer.last(t) === '',
        ),
      'discovery, state, attributes and availability cleared',
    );
  });

  it('tells the cloud which heaters its registry knows, and keeps their entities after a restart', async () => {
    cloud.announce(MAC);
    cloud.events.emit('feature', MAC, feature());
    await waitFor(() => observer.last(DISCOVERY) !== undefined, 'discovery');
    await bridge.stop();
    const restarted = new CloudDouble();
    bridge = new HaBridge({
      cloud: restarted,
      link: new LinkDouble(clock),
      broker,
      collector,
      registry: new DiscoveryRegistry({ dataDir, log: log.logger }),
      dataDir,
      version: '0.1.0-test',
      clock,
      log: log.logger,
      installId: 'a1b2c3d4',
    });
    const since = observer.messages.length;
    await bridge.start();
    expect([...restarted.expected]).toEqual([MAC]);
    // The first list is empty, as after a cloud hiccup: nothing is removed; availability stays offline.
    restarted.announce();
    await settled();
    const fresh = observer.messages.slice(since);
    expect(fresh.some((m) => m.payload === '' && m.topic.includes(MAC))).toBe(false);
    const retained = await retainedMessages(mqtt.url, ['homeassistant/#', 'nwp500/#']);
    expect(retained.has(DISCOVERY)).toBe(true);
    expect(retained.get(`nwp500/${MAC}/availability`)).toBe('offline');
  });
});
