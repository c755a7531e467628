// Retained messages on command topics (MQTT Explorer, an automation with retain on) against a real
// Mosquitto that keeps them across restarts: never run at start, after a broker restart or after a
// bridge restart; cleared with an empty retained publish, logged once per topic and counted. A
// command published without retain runs, and the empty message that clears a topic is no command.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { BASE_TOPIC, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const MODE_SET = `${BASE_TOPIC}/${SIM_MAC}/mode/set`;
const STATE = `${BASE_TOPIC}/${SIM_MAC}/state`;
const AVAILABILITY = `${BASE_TOPIC}/${SIM_MAC}/availability`;
/** Control codes are 0x02000000 and up; requests (status, feature, energy) are below. */
const FIRST_CONTROL_CODE = 0x2000000;
/** The simulator's DHW mode numbers. */
const HEAT_PUMP = 1;
const ELECTRIC = 2;
const IGNORED = 'ignored a retained command and cleared it';

let mqtt: TestBroker;
let stack: HaStack;
let observer: Observer;

/** The DHW modes the simulated heater was asked for, in order. */
function modesReceived(): number[] {
  return (stack.sim.device(SIM_MAC)?.receivedCommands() ?? [])
    .filter((c) => c.command >= FIRST_CONTROL_CODE && c.name === 'dhwMode')
    .map((c) => c.param?.[0] ?? -1);
}

async function publish(payload: string, retain: boolean): Promise<void> {
  const client = await Observer.connect(mqtt.url, []);
  try {
    await client.client.publishAsync(MODE_SET, payload, { qos: 1, retain });
  } finally {
    await client.close();
  }
}

async function retainedCommand(): Promise<string | undefined> {
  return (await retainedMessages(mqtt.url, [`${BASE_TOPIC}/+/+/set`])).get(MODE_SET);
}

async function waitUntilCleared(what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await retainedCommand()) !== undefined) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} to be cleared from the broker`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A command published without retain, after everything before it: once the heater has it, any
 * command the bridge took from the retained store would have reached the heater before it.
 */
async function barrier(): Promise<void> {
  const before = modesReceived().length;
  await publish('heat_pump', false);
  await waitFor(() => modesReceived().length > before, 'the barrier command to reach the heater', 15_000);
}

async function ready(s: HaStack, o: Observer): Promise<void> {
  await waitFor(
    () => o.last(STATE) !== undefined && o.last(AVAILABILITY) === 'online' && s.link.isConnected(),
    'state and the heater online',
    20_000,
  );
}

/** Warning lines about ignored retained commands (repeats for a topic go to debug). */
function warnings(s: HaStack): number {
  return s.log
    .records()
    .filter((r) => r.level === 40 && typeof r.msg === 'string' && r.msg.startsWith(IGNORED)).length;
}

describe('retained messages on command topics', () => {
  beforeAll(async () => {
    mqtt = await startBroker({ persistence: true });
    // Left behind by a tool or an automation before the bridge started: "electric" at 3 a.m.
    await publish('electric', true);
    stack = await startHaStack({ mqtt });
    observer = await Observer.connect(mqtt.url, [`${BASE_TOPIC}/#`]);
    await ready(stack, observer);
  });

  afterAll(async () => {
    await observer?.close();
    await stack?.close();
    await mqtt?.close();
  });

  it('does not run a retained command found at start, and clears it from the broker', async () => {
    await barrier();
    expect(modesReceived()).toEqual([HEAT_PUMP]);
    await waitUntilCleared('the retained command found at start');
    expect(stack.bridge.ignoredRetainedCommands()).toBe(1);
    expect(warnings(stack)).toBe(1);
    expect(stack.log.text()).not.toContain(SIM_MAC);
  });

  it('runs a command published without retain', async () => {
    const before = modesReceived().length;
    await publish('electric', false);
    await waitFor(() => modesReceived().length > before, 'the command to reach the heater');
    expect(modesReceived().slice(before)).toEqual([ELECTRIC]);
    await waitFor(() => JSON.parse(observer.last(STATE) ?? '{}').mode === 'electric', 'the new mode');
  });

  it('does not run a retained command again when the local broker restarts, and logs it only once', async () => {
    // Published with retain while the bridge listens, it arrives as a live message: it runs once.
    const before = modesReceived().length;
    await publish('electric', true);
    await waitFor(() => modesReceived().length > before, 'the live command to reach the heater');
    expect(modesReceived().slice(before)).toEqual([ELECTRIC]);
    expect(await retainedCommand()).toBe('electric');

    const reconnects = stack.broker.stats().reconnects;
    const beforeRestart = modesReceived().length;
    await observer.close();
    await mqtt.stop();
    await mqtt.start();
    observer = await Observer.connect(mqtt.url, [`${BASE_TOPIC}/#`]);
    await waitFor(() => stack.broker.stats().reconnects > reconnects, 'the bridge back on the broker');
    // The state it re-asserts after subscribing again: the retained command came before it.
    await waitFor(() => observer.last(STATE) !== undefined, 'the state re-asserted');
    await barrier();
    expect(modesReceived().slice(beforeRestart)).toEqual([HEAT_PUMP]);
    await waitUntilCleared('the retained command seen after the broker restart');
    expect(stack.bridge.ignoredRetainedCommands()).toBe(2);
    expect(warnings(stack)).toBe(1);
  });

  it('treats the empty message that clears a topic as no command', async () => {
    const refused = () => stack.collector.getCounters().commands_refused_by_reason;
    await publish('', false);
    await barrier();
    // The bridge's own clears came back to it as empty messages too: none was refused or run.
    expect(refused()).toEqual({});
    expect(stack.bridge.ignoredRetainedCommands()).toBe(2);
  });

  it('does not run a retained command left while the bridge was stopped, after it restarts', async () => {
    await stack.stopBridge();
    await publish('electric', true);
    const before = modesReceived().length;
    const second = await startHaStack({ mqtt, simulator: stack.sim, dataDir: stack.dataDir });
    try {
      await ready(second, observer);
      await barrier();
      expect(modesReceived().slice(before)).toEqual([HEAT_PUMP]);
      await waitUntilCleared('the retained command found after the bridge restart');
      expect(second.bridge.ignoredRetainedCommands()).toBe(1);
      expect(second.collector.getCounters().commands_refused_by_reason).toEqual({});
    } finally {
      await second.stopBridge();
    }
  });
});
