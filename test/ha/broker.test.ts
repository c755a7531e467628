// LocalBroker against a real Mosquitto: LWT, retained cache re-asserted after broker restarts, change
// detection, backoff reconnects, HA birth handling, resubscription and shutdown.

import { type IClientOptions, type MqttClient, connect as mqttConnect } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalBroker, type LocalBrokerOptions } from '../../src/ha/broker.js';
import { ManualClock } from '../../src/util/clock.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const AVAILABILITY = 'nwp500/bridge/availability';
const DISCOVERY = 'homeassistant/device/nwp500_aabbccddeeff/config';
const STATE = 'nwp500/aabbccddeeff/state';

let testBroker: TestBroker;
let clock: ManualClock;
let log: CapturedLog;
let bridges: LocalBroker[];
let clients: MqttClient[];

beforeEach(async () => {
  testBroker = await startBroker();
  clock = new ManualClock();
  log = captureLog('debug');
  bridges = [];
  clients = [];
});

afterEach(async () => {
  for (const bridge of bridges) await bridge.stop();
  await testBroker.close();
});

/** A LocalBroker on the test broker; reconnect delays are exactly 1 s, 2 s, 4 s … (random = 0.5). */
function makeBridge(overrides: Partial<LocalBrokerOptions> = {}): LocalBroker {
  const bridge = new LocalBroker({
    settings: { host: testBroker.host, port: testBroker.port, ssl: false, source: 'options' },
    baseTopic: 'nwp500',
    discoveryPrefix: 'homeassistant',
    installId: 'a1b2c3d4',
    clientId: `bridge-under-test-${bridges.length}`,
    log: log.logger,
    clock,
    random: () => 0.5,
    birthDelayMs: [1000, 3000],
    stopTimeoutMs: 1000,
    connect: (options: IClientOptions) => {
      const client = mqttConnect(options);
      clients.push(client);
      return client;
    },
    ...overrides,
  });
  bridges.push(bridge);
  return bridge;
}

async function connected(bridge: LocalBroker): Promise<void> {
  await waitFor(() => bridge.isConnected(), 'the bridge to connect');
}

/** Lets pending reconnect timers fire until the bridge is connected again. */
async function reconnect(bridge: LocalBroker): Promise<void> {
  await waitFor(() => !bridge.isConnected(), 'the bridge to notice the outage');
  await waitFor(
    () => {
      if (!bridge.isConnected()) clock.advance(1000);
      return bridge.isConnected();
    },
    'the bridge to reconnect',
    15_000,
  );
}

describe('LocalBroker', () => {
  it('publishes online retained on connect, and the broker publishes the offline LWT when the connection dies', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    expect((await retainedMessages(testBroker.url)).get(AVAILABILITY)).toBe('online');

    const observer = await Observer.connect(testBroker.url, [AVAILABILITY]);
    // An abrupt end, as when the process is killed: no DISCONNECT packet, so Mosquitto sends the will.
    clients[0]?.stream.destroy();
    await observer.waitForPayload(AVAILABILITY, 'offline');
    expect((await retainedMessages(testBroker.url)).get(AVAILABILITY)).toBe('offline');

    await reconnect(bridge);
    await observer.waitForPayload(AVAILABILITY, 'online');
    expect(observer.on(AVAILABILITY).map((m) => m.payload)).toEqual(['online', 'offline', 'online']);
    expect(bridge.stats().reconnects).toBe(1);
    await observer.close();
  });

  it('re-asserts availability, discovery and state after a broker restart without persistence', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    bridge.publish(DISCOVERY, '{"fake":"discovery"}', { retain: true });
    bridge.publish(STATE, '{"tank_temp":120}', { retain: true });
    await waitFor(() => bridge.stats().published >= 3, 'the first publishes');
    expect((await retainedMessages(testBroker.url)).get(STATE)).toBe('{"tank_temp":120}');

    await testBroker.stop();
    await testBroker.start();
    expect((await retainedMessages(testBroker.url)).size).toBe(0);
    await reconnect(bridge);

    await waitFor(() => bridge.stats().published >= 6, 'the re-asserted cache');
    const retained = await retainedMessages(testBroker.url);
    expect(retained.get(AVAILABILITY)).toBe('online');
    expect(retained.get(DISCOVERY)).toBe('{"fake":"discovery"}');
    expect(retained.get(STATE)).toBe('{"tank_temp":120}');
  });

  it('delivers the latest retained value per topic published while the broker was down', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    bridge.publish(STATE, '{"tank_temp":1}', { retain: true });

    await testBroker.stop();
    await waitFor(() => !bridge.isConnected(), 'the bridge to notice the outage');
    const publishedBefore = bridge.stats().published;
    bridge.publish(STATE, '{"tank_temp":2}', { retain: true });
    bridge.publish(STATE, '{"tank_temp":3}', { retain: true });
    bridge.publish('nwp500/bridge/diagnostics', '{"drops":0}', { retain: true });
    bridge.publish('nwp500/aabbccddeeff/event', 'not retained');
    // Nothing is handed to mqtt.js while down; the non-retained message is dropped and counted.
    expect(bridge.stats().published).toBe(publishedBefore);
    expect(bridge.stats().dropped).toBe(1);

    await testBroker.start();
    const observer = await Observer.connect(testBroker.url, [STATE]);
    await reconnect(bridge);
    await observer.waitForPayload(STATE, '{"tank_temp":3}');
    expect(observer.on(STATE).map((m) => m.payload)).toEqual(['{"tank_temp":3}']);
    const retained = await retainedMessages(testBroker.url);
    expect(retained.get('nwp500/bridge/diagnostics')).toBe('{"drops":0}');
    expect(retained.has('nwp500/aabbccddeeff/event')).toBe(false);
    await observer.close();
  });

  it('does not republish a retained payload equal to the cached one, unless asked to republish everything', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    const observer = await Observer.connect(testBroker.url, [STATE]);
    bridge.publish(STATE, '{"mode":"eco"}', { retain: true });
    bridge.publish(STATE, '{"mode":"eco"}', { retain: true });
    bridge.publish(STATE, '{"mode":"heat_pump"}', { retain: true });
    await observer.waitForPayload(STATE, '{"mode":"heat_pump"}');
    expect(bridge.stats().suppressed).toBe(1);

    expect(bridge.republishRetained()).toBe(2); // availability and state
    await waitFor(() => observer.on(STATE).length === 3, 'the forced republish');
    expect(observer.on(STATE).map((m) => m.payload)).toEqual([
      '{"mode":"eco"}',
      '{"mode":"heat_pump"}',
      '{"mode":"heat_pump"}',
    ]);
    await observer.close();
  });

  it('clears a retained topic, also when the clear was asked for while the broker was down', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    bridge.publish(STATE, '{"a":1}', { retain: true });
    bridge.publish(DISCOVERY, '{"b":2}', { retain: true });
    await waitFor(() => bridge.stats().published >= 3, 'the publishes');
    bridge.clear(STATE);
    await waitFor(() => bridge.stats().published >= 4, 'the clear');
    const afterClear = await retainedMessages(testBroker.url);
    expect(afterClear.has(STATE)).toBe(false);
    expect(bridge.retainedPayload(STATE)).toBeUndefined();

    // With persistence off a restart loses everything anyway, so kill only the bridge's connection.
    clients[0]?.stream.destroy();
    await waitFor(() => !bridge.isConnected(), 'the bridge to notice');
    bridge.clear(DISCOVERY);
    await reconnect(bridge);
    await waitFor(() => bridge.stats().reconnects === 1, 'the reconnect');
    const retained = await retainedMessages(testBroker.url);
    expect(retained.has(DISCOVERY)).toBe(false);
    expect(retained.get(AVAILABILITY)).toBe('online');
  });

  it('keeps subscriptions across a broker restart', async () => {
    const bridge = makeBridge();
    const commands: string[] = [];
    bridge.subscribe('nwp500/+/+/set', (topic, payload) => commands.push(`${topic}=${payload.toString()}`));
    bridge.start();
    await connected(bridge);
    const sender = await Observer.connect(testBroker.url, []);
    await sender.client.publishAsync('nwp500/aabbccddeeff/mode/set', 'eco', { qos: 1 });
    await waitFor(() => commands.length === 1, 'the first command');
    await sender.close();

    await testBroker.stop();
    await testBroker.start();
    await reconnect(bridge);
    const sender2 = await Observer.connect(testBroker.url, []);
    // The resubscription races the first publish after reconnect: send until one arrives.
    await waitFor(() => {
      if (commands.length < 2) sender2.client.publish('nwp500/aabbccddeeff/target_temp/set', '130');
      return commands.length >= 2;
    }, 'a command after the restart');
    expect(commands[0]).toBe('nwp500/aabbccddeeff/mode/set=eco');
    expect(commands[1]).toBe('nwp500/aabbccddeeff/target_temp/set=130');
    await sender2.close();
  });

  it('keeps calling the other handlers when one throws', async () => {
    const bridge = makeBridge();
    const seen: string[] = [];
    bridge.subscribe('nwp500/+/+/set', () => {
      throw new Error('handler bug');
    });
    bridge.subscribe('nwp500/+/+/set', (topic) => seen.push(`second ${topic}`));
    bridge.subscribe('nwp500/#', (topic) => seen.push(`wide ${topic}`));
    bridge.start();
    await connected(bridge);
    const sender = await Observer.connect(testBroker.url, []);
    await sender.client.publishAsync('nwp500/aabbccddeeff/power/set', 'ON', { qos: 1 });
    const commands = () => seen.filter((entry) => entry.endsWith('/power/set'));
    await waitFor(() => commands().length === 2, 'both healthy handlers');
    expect(commands().sort()).toEqual([
      'second nwp500/aabbccddeeff/power/set',
      'wide nwp500/aabbccddeeff/power/set',
    ]);
    expect(bridge.stats().handlerErrors).toBe(1);
    expect(log.text()).toContain('an MQTT message handler failed');
    await sender.close();
  });

  it('stops receiving once the last handler of a filter is removed', async () => {
    const bridge = makeBridge();
    const seen: string[] = [];
    const off = bridge.subscribe('nwp500/+/+/set', (topic) => seen.push(topic));
    bridge.start();
    await connected(bridge);
    const sender = await Observer.connect(testBroker.url, []);
    await sender.client.publishAsync('nwp500/aabbccddeeff/power/set', 'ON', { qos: 1 });
    await waitFor(() => seen.length === 1, 'the first command');
    off();
    const receivedBefore = bridge.stats().received;
    await sender.client.publishAsync('nwp500/aabbccddeeff/power/set', 'OFF', { qos: 1 });
    // The broker delivers one sender's messages in order: once the later status message is in, the
    // OFF would have been too had a handler still listened.
    await sender.client.publishAsync('homeassistant/status', 'offline', { qos: 1 });
    await waitFor(() => bridge.stats().received > receivedBefore, 'the status message');
    expect(seen).toEqual(['nwp500/aabbccddeeff/power/set']);
    await sender.close();
  });

  it('calls the birth listeners a random delay after Home Assistant announces itself', async () => {
    const bridge = makeBridge();
    let births = 0;
    bridge.onHomeAssistantBirth(() => {
      births++;
    });
    bridge.onHomeAssistantBirth(() => {
      throw new Error('listener bug');
    });
    bridge.start();
    await connected(bridge);
    const ha = await Observer.connect(testBroker.url, []);
    await ha.client.publishAsync('homeassistant/status', 'offline', { qos: 1 });
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await waitFor(() => bridge.stats().births === 1, 'the birth message');
    // random() = 0.5 within [1000, 3000] → 2000 ms.
    clock.advance(1999);
    expect(births).toBe(0);
    clock.advance(1);
    expect(births).toBe(1);
    expect(bridge.stats().handlerErrors).toBe(1);
    clock.advance(10_000);
    expect(births).toBe(1);
    await ha.close();
  });

  it('never throws while the broker is absent, backs off 1 s → 30 s, and connects once it appears', async () => {
    await testBroker.stop();
    const bridge = makeBridge();
    expect(() => bridge.start()).not.toThrow();
    const delays = () =>
      log
        .records()
        .filter((r) => r.msg === 'local MQTT reconnect scheduled')
        .map((r) => r.delayMs);
    const expected = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000];
    for (let i = 1; i <= expected.length; i++) {
      await waitFor(() => delays().length === i, `reconnect attempt ${i}`);
      clock.advance(expected[i - 1] ?? 0);
    }
    await waitFor(() => delays().length === expected.length + 1, 'the next attempt');
    expect(delays().slice(0, expected.length)).toEqual(expected);
    expect(bridge.isConnected()).toBe(false);

    await testBroker.start();
    clock.advance(30_000);
    await connected(bridge);
    expect((await retainedMessages(testBroker.url)).get(AVAILABILITY)).toBe('online');
    // The first successful connect is not a reconnect.
    expect(bridge.stats().reconnects).toBe(0);
  });

  it('leaves offline retained after stop()', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    await bridge.stop();
    expect(bridge.isConnected()).toBe(false);
    expect((await retainedMessages(testBroker.url)).get(AVAILABILITY)).toBe('offline');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('forgets publishes left unconfirmed by a dropped connection, so they neither pile up nor delay stop()', async () => {
    const bridge = makeBridge({ stopTimeoutMs: 5000 });
    bridge.start();
    await connected(bridge);
    const client = clients[0];
    if (!client) throw new Error('no client was created');
    for (let i = 0; i < 20; i++) bridge.publish(STATE, `{"n":${i}}`, { retain: true });
    client.stream.destroy();
    await reconnect(bridge);
    await waitFor(
      () => Object.keys(client.outgoing).length === 0,
      'the re-asserted publishes to be confirmed',
    );
    const started = Date.now();
    await bridge.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await retainedMessages(testBroker.url)).get(STATE)).toBe('{"n":19}');
  });

  it('stop() returns promptly when the broker is unreachable', async () => {
    const bridge = makeBridge();
    bridge.start();
    await connected(bridge);
    await testBroker.kill();
    await waitFor(() => !bridge.isConnected(), 'the bridge to notice');
    const started = Date.now();
    await bridge.stop();
    expect(Date.now() - started).toBeLessThan(2500);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('tells handlers whether a message came from the retained store or was just published', async () => {
    const seed = await Observer.connect(testBroker.url, []);
    await seed.client.publishAsync('nwp500/aabbccddeeff/mode/set', 'eco', { qos: 1, retain: true });
    const bridge = makeBridge();
    const seen: Array<{ payload: string; retain: boolean }> = [];
    bridge.subscribe('nwp500/+/+/set', (_topic, payload, { retain }) =>
      seen.push({ payload: payload.toString(), retain }),
    );
    bridge.start();
    await waitFor(() => seen.length === 1, 'the retained message');
    await seed.client.publishAsync('nwp500/aabbccddeeff/mode/set', 'heat_pump', { qos: 1 });
    await waitFor(() => seen.length === 2, 'the live message');
    expect(seen).toEqual([
      { payload: 'eco', retain: true },
      { payload: 'heat_pump', retain: false },
    ]);
    await seed.close();
  });
});
