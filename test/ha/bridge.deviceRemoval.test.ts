// A heater leaves Home Assistant only when it has left the account: after a restart an empty or
// malformed device list removes nothing, a heater missing once (or twice within the hour) keeps
// its entities, and one missing from two good answers an hour apart loses discovery, state and
// availability. Real Mosquitto, the simulated cloud, and an injected clock for the hour.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOVAL_CONFIRMATION_MS } from '../../src/navien/deviceRoster.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { BASE_TOPIC, DISCOVERY_PREFIX, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const SECOND_MAC = '04786332fca1';
const MINUTE = 60_000;
const FILTERS = [`${DISCOVERY_PREFIX}/#`, `${BASE_TOPIC}/#`];
const topicsOf = (mac: string) => ({
  discovery: `${DISCOVERY_PREFIX}/device/nwp500_${mac}/config`,
  state: `${BASE_TOPIC}/${mac}/state`,
  attributes: `${BASE_TOPIC}/${mac}/attributes`,
  availability: `${BASE_TOPIC}/${mac}/availability`,
});
const HEATERS = [SIM_MAC, SECOND_MAC];
/** The lines the cloud side logs once per device-list read, whatever the answer. */
const LIST_READ = [
  'read the NaviLink device list',
  'no devices on the NaviLink account',
  'the device list came back empty',
  'could not read the device list',
];

let mqtt: TestBroker;
let stack: HaStack | undefined;
let observer: Observer;
let dataDir: string;
/** The roster's wall clock: the test moves it by the hour; everything else runs in real time. */
let now = Date.now();

async function start(): Promise<HaStack> {
  stack = await startHaStack({
    mqtt,
    ...(stack
      ? { simulator: stack.sim, dataDir }
      : { sim: { keepAlive: { minSecs: 1 }, devices: [{}, { macAddress: SECOND_MAC }] } }),
    rosterNow: () => now,
    cloud: { deviceListIntervalMs: 300, deviceListBackoff: { initialMs: 200, maxMs: 400 } },
  });
  dataDir = stack.dataDir;
  return stack;
}

function current(): HaStack {
  if (!stack) throw new Error('no stack');
  return stack;
}

function listReads(s: HaStack): number {
  return s.log.records().filter((r) => LIST_READ.some((line) => String(r.msg).startsWith(line))).length;
}

/** Waits for `n` more device-list reads, then a moment for their effects to reach the broker. */
async function afterListReads(n: number): Promise<void> {
  const s = current();
  const target = listReads(s) + n;
  await waitFor(() => listReads(s) >= target, `${n} more device-list reads`, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
}

async function retained(): Promise<Map<string, string>> {
  return retainedMessages(mqtt.url, FILTERS);
}

/** Whether the observer saw any of the heater's topics cleared (an empty retained payload). */
function cleared(mac: string, since: number): string[] {
  const topics = Object.values(topicsOf(mac));
  return observer.messages
    .slice(since)
    .filter((m) => topics.includes(m.topic) && m.payload === '')
    .map((m) => m.topic);
}

async function expectKept(mac: string, since: number): Promise<void> {
  expect(cleared(mac, since)).toEqual([]);
  const r = await retained();
  const { discovery, state, attributes, availability } = topicsOf(mac);
  expect(r.has(discovery), `discovery of ${mac} kept`).toBe(true);
  expect(r.has(state), `state of ${mac} kept`).toBe(true);
  expect(r.has(attributes), `attributes of ${mac} kept`).toBe(true);
  expect(r.has(availability), `availability of ${mac} kept`).toBe(true);
}

async function restart(): Promise<void> {
  await current().stopBridge();
  await start();
}

describe('heaters removed from the account', () => {
  beforeAll(async () => {
    mqtt = await startBroker();
    observer = await Observer.connect(mqtt.url, FILTERS);
    await start();
    await waitFor(
      () =>
        HEATERS.every((mac) => {
          const t = topicsOf(mac);
          return (
            observer.last(t.discovery) && observer.last(t.state) && observer.last(t.availability) === 'online'
          );
        }),
      'both heaters in Home Assistant',
      20_000,
    );
  });

  afterAll(async () => {
    await observer?.close();
    await stack?.close();
    await mqtt?.close();
  });

  it('keeps every heater when the first answer after a restart is empty', async () => {
    current().sim.deviceList.answer = 'empty';
    const since = observer.messages.length;
    await restart();
    await afterListReads(2);
    for (const mac of HEATERS) await expectKept(mac, since);
    expect(current().log.text()).toContain('the device list came back empty; keeping every known heater');
  });

  it('keeps every heater on a malformed answer, names the error and retries', async () => {
    const since = observer.messages.length;
    for (const answer of ['not-a-list', 'bad-entry'] as const) {
      current().sim.deviceList.answer = answer;
      await afterListReads(2);
    }
    for (const mac of HEATERS) await expectKept(mac, since);
    const failures = current()
      .log.records()
      .filter((r) => String(r.msg).startsWith('could not read the device list'));
    expect(failures.length).toBeGreaterThanOrEqual(4);
    expect(new Set(failures.map((r) => r.error))).toEqual(new Set(['NAVIEN_BAD_DEVICE_LIST']));
  });

  it('keeps a heater missing once, and missing again within the hour', async () => {
    const s = current();
    s.sim.deviceList.reset();
    s.sim.deviceList.hide(SECOND_MAC);
    const since = observer.messages.length;
    await afterListReads(1);
    expect(s.log.text()).toContain('heaters missing from the device list are kept');
    await expectKept(SECOND_MAC, since);
    now += 59 * MINUTE;
    await afterListReads(2);
    await expectKept(SECOND_MAC, since);
    // Offline is fine while it is missing; its entities stay.
    expect(observer.last(topicsOf(SECOND_MAC).availability)).toBe('offline');
  });

  it('removes a heater missing from two answers an hour apart, also across a restart, and nothing else', async () => {
    const since = observer.messages.length;
    // The evidence is on disk: a restart neither forgets nor resets it.
    await restart();
    await afterListReads(1);
    await expectKept(SECOND_MAC, since);
    now += REMOVAL_CONFIRMATION_MS - 59 * MINUTE;
    await waitFor(
      () => new Set(cleared(SECOND_MAC, since)).size === Object.keys(topicsOf(SECOND_MAC)).length,
      'discovery, state, attributes and availability of the removed heater cleared',
      15_000,
    );
    const r = await retained();
    for (const topic of Object.values(topicsOf(SECOND_MAC))) expect(r.has(topic), topic).toBe(false);
    await expectKept(SIM_MAC, since);
    expect(
      current()
        .cloud.devices()
        .map((d) => d.macAddress),
    ).toEqual([SIM_MAC]);
    expect(current().registry.snapshot().has(topicsOf(SECOND_MAC).discovery)).toBe(false);
  });
});
