import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { requestEnvelope, responseTopicFor } from './helpers/envelopes.js';
import { connectMqttJs } from './helpers/mqttJs.js';
import { signIn } from './helpers/rest.js';
import { waitFor } from './helpers/wait.js';

const MAC = '04786332fca0';
const OTHER_MAC = '04786332fca1';
const CLIENT = 'navien-client-fleet001';
let sim: Simulator;
let client: MqttClient;
const received: Array<{ topic: string; payload: Buffer }> = [];

beforeAll(async () => {
  sim = await startSimulator({
    devices: [
      { macAddress: MAC, additionalValue: '5322' },
      { macAddress: OTHER_MAC, additionalValue: '5323', deviceName: 'Second' },
    ],
  });
  client = await connectMqttJs(sim, await signIn(sim), CLIENT);
  client.on('message', (topic, payload) => received.push({ topic, payload }));
  await client.subscribeAsync(
    [
      `cmd/52/navilink-${MAC}/${CLIENT}/res`,
      `cmd/52/navilink-${OTHER_MAC}/${CLIENT}/res`,
      `cmd/52/${CLIENT}/res/#`,
    ],
    {
      qos: 1,
    },
  );
});

afterAll(async () => {
  await client.endAsync();
  await sim.close();
});

afterEach(() => {
  received.length = 0;
});

async function publish(topic: string, payload: unknown): Promise<void> {
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  await client.publishAsync(topic, body, { qos: 1 });
}

function repliesTo(mac: string) {
  return received.filter((message) => message.topic === `cmd/52/navilink-${mac}/${CLIENT}/res`);
}

describe('routing client publishes to simulated devices', () => {
  it('delivers 200 commands to the device in the order they were published, each answered', async () => {
    const device = sim.device(MAC);
    const before = device?.receivedCommands().length ?? 0;
    const values = Array.from({ length: 200 }, (_, i) => 81 + (i % 50));
    for (const value of values) {
      const { topic, payload } = requestEnvelope(MAC, CLIENT, 'ctrl', {
        command: 33554464,
        mode: 'dhw-temperature',
        param: [value],
        paramStr: '',
      });
      await publish(topic, payload);
    }
    expect(await waitFor(() => repliesTo(MAC).length === 200, 10_000)).toBe(true);
    const log = device?.receivedCommands().slice(before) ?? [];
    expect(log.map((entry) => entry.param?.[0])).toEqual(values);
    expect(log.every((entry, i) => entry.seq === (log[0]?.seq ?? 0) + i)).toBe(true);
    const echoes = repliesTo(MAC).map(
      (message) => JSON.parse(message.payload.toString('utf8')).response.status,
    );
    expect(echoes.every((status) => status.command === 33554464)).toBe(true);
    expect(echoes.map((status) => status.dhwTemperatureSetting)).toEqual(values);
  });

  it('answers each device on its own topic', async () => {
    await publish(
      ...(Object.values(
        requestEnvelope(OTHER_MAC, CLIENT, 'st', { command: 16777219, additionalValue: '5323' }),
      ) as [string, unknown]),
    );
    const reply = await waitFor(() => repliesTo(OTHER_MAC)[0], 3000);
    expect(JSON.parse(reply?.payload.toString('utf8') ?? '{}').response.macAddress).toBe(OTHER_MAC);
    expect(repliesTo(MAC)).toEqual([]);
  });

  it('answers reservation and energy queries on the client-keyed response topics', async () => {
    const rsv = requestEnvelope(
      MAC,
      CLIENT,
      'st/rsv/rd',
      { command: 16777222 },
      responseTopicFor(MAC, CLIENT, 'rsv'),
    );
    const energy = requestEnvelope(
      MAC,
      CLIENT,
      'st/energy-usage-daily-query/rd',
      { command: 16777225, month: [1], year: 2026 },
      responseTopicFor(MAC, CLIENT, 'energy'),
    );
    await publish(rsv.topic, rsv.payload);
    await publish(energy.topic, energy.payload);
    const rsvReply = await waitFor(
      () => received.find((m) => m.topic === `cmd/52/${CLIENT}/res/rsv/rd`),
      3000,
    );
    const energyReply = await waitFor(
      () => received.find((m) => m.topic === `cmd/52/${CLIENT}/res/energy-usage-daily-query/rd`),
      3000,
    );
    expect(JSON.parse(rsvReply?.payload.toString('utf8') ?? '{}').response.reservation).toMatch(
      /^([0-9a-f]{12})+$/,
    );
    expect(JSON.parse(energyReply?.payload.toString('utf8') ?? '{}').response.usage[0].data).toHaveLength(31);
  });
});

describe('bad input over MQTT', () => {
  it('ignores malformed JSON, unknown commands and wrong MACs without a reply, then still answers', async () => {
    const counters = sim.counters();
    const base = `cmd/52/navilink-${MAC}`;
    await publish(`${base}/st`, '{"clientID": "x", "request": {');
    await publish(
      `${base}/ctrl`,
      requestEnvelope(MAC, CLIENT, 'ctrl', { command: 33559999, mode: 'warp', param: [] }).payload,
    );
    await publish(`${base}/st`, requestEnvelope('ffffffffffff', CLIENT, 'st', { command: 16777219 }).payload);
    await publish(
      'cmd/52/navilink-0000000000aa/st',
      requestEnvelope('0000000000aa', CLIENT, 'st', { command: 16777219 }).payload,
    );
    await publish(`${base}/st`, Buffer.from([0xff, 0x00, 0xfe]));

    const { topic, payload } = requestEnvelope(MAC, CLIENT, 'st', { command: 16777219 });
    await publish(topic, payload);
    expect(await waitFor(() => repliesTo(MAC).length > 0, 3000)).toBe(true);
    expect(repliesTo(MAC)).toHaveLength(1);
    const after = sim.counters();
    expect(after.malformedRequests - counters.malformedRequests).toBe(2);
    expect(after.requestsForUnknownDevices - counters.requestsForUnknownDevices).toBe(1);
    const outcomes = sim
      .device(MAC)
      ?.receivedCommands()
      .slice(-3)
      .map((entry) => entry.outcome);
    expect(outcomes).toEqual(['unknown-command', 'wrong-device', 'applied']);
  });
});
