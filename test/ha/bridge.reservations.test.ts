// Reservation schedules end to end: HA-style JSON on `<b>/<id>/reservations/set` (and the program
// switch) through a real Mosquitto, the bridge and the cloud link to the simulated NWP500, which
// must receive exactly the library's write (RESERVATION_MANAGEMENT 16777226, the full list, six
// fields per entry); the new list must come back in the retained state. A change never loses an
// entry it did not name and never turns the program on or off; bad commands send nothing.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reservationHash } from '../../src/device/reservations.js';
import type { ReceivedCommand } from '../../src/sim/index.js';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { BASE_TOPIC, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const STATE = `${BASE_TOPIC}/${SIM_MAC}/state`;
const ATTRIBUTES = `${BASE_TOPIC}/${SIM_MAC}/attributes`;
const RESERVATION_WRITE = 16777226;

/** What the simulator holds at the start of each test: weekdays 06:30 high demand 140 °F, weekend 08:00. */
const WEEKDAYS = { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 };
const WEEKEND = { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 116 };

let stack: HaStack;
let observer: Observer;

interface Entry {
  enable: number;
  week: number;
  hour: number;
  min: number;
  mode: number;
  param: number;
}

function device() {
  const found = stack.sim.device(SIM_MAC);
  if (!found) throw new Error('no simulated device');
  return found;
}

function writes(): ReceivedCommand[] {
  return device()
    .receivedCommands()
    .filter((c) => c.command === RESERVATION_WRITE);
}

function state(): Record<string, unknown> {
  return JSON.parse(observer.last(STATE) ?? '{}') as Record<string, unknown>;
}

/** The heater's attributes topic, by entity key. */
function attributesByKey(): Record<string, unknown> {
  return JSON.parse(observer.last(ATTRIBUTES) ?? '{}') as Record<string, unknown>;
}

interface ScheduleAttributes {
  program: boolean | null;
  entries: Array<Record<string, unknown>>;
  hash: string | null;
  last_write: { action: string; outcome: string; reason: string | null } | null;
}

function attributes(): ScheduleAttributes {
  return attributesByKey().reservations as ScheduleAttributes;
}

function refusals(): Record<string, number> {
  return stack.collector.getCounters().commands_refused_by_reason;
}

async function send(payload: unknown): Promise<void> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  await observer.client.publishAsync(`${BASE_TOPIC}/${SIM_MAC}/reservations/set`, text, { qos: 1 });
}

/** Sends a change and waits for its outcome in the sensor's `last_write` (a fresh object each time). */
async function change(payload: unknown, outcome = 'confirmed'): Promise<ScheduleAttributes> {
  const before = observer.on(STATE).length;
  const previous = JSON.stringify(attributes().last_write);
  await send(payload);
  await waitFor(
    () =>
      observer.on(STATE).length > before &&
      attributes().last_write !== null &&
      JSON.stringify(attributes().last_write) !== previous,
    `the outcome of ${JSON.stringify(payload)}`,
    15_000,
  );
  const result = attributes();
  expect(result.last_write?.outcome, JSON.stringify(result.last_write)).toBe(outcome);
  return result;
}

function sorted(entries: readonly Entry[]): Entry[] {
  return [...entries].sort((a, b) => a.week - b.week || a.hour - b.hour || a.min - b.min);
}

beforeAll(async () => {
  stack = await startHaStack({ statusIntervalMs: 5_000 });
  observer = await Observer.connect(stack.mqtt.url, [`${BASE_TOPIC}/#`]);
  await waitFor(() => typeof state().reservations === 'number', 'the first schedule read', 20_000);
});

afterAll(async () => {
  await observer?.close();
  await stack?.close();
});

beforeEach(async () => {
  // Every test starts from the unit's own two entries with the program on, and a state showing it.
  device().setReservations(2, [WEEKDAYS, WEEKEND]);
  // A change that changes nothing reads the list fresh: the state shows the unit's list again.
  await change({ action: 'update', index: 1, enabled: true }, 'unchanged');
});

describe('the schedule as entity state', () => {
  it('shows the entries, the program switch and the hash; discovery passes the HA rules', async () => {
    expect(state().reservations).toBe(2);
    expect(state().reservation_program).toBe('ON');
    const { entries, program, hash } = attributes();
    expect(program).toBe(true);
    expect(hash).toBe(reservationHash(true, [WEEKDAYS, WEEKEND]));
    expect(entries).toEqual([
      {
        index: 1,
        enabled: true,
        days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
        time: '06:30',
        mode: 'high_demand',
        temperature: 140,
        raw: WEEKDAYS,
      },
      {
        index: 2,
        enabled: true,
        days: ['sunday', 'saturday'],
        time: '08:00',
        mode: 'energy_saver',
        temperature: 136,
        raw: WEEKEND,
      },
    ]);
    const retained = await retainedMessages(stack.mqtt.url, ['homeassistant/#', `${BASE_TOPIC}/#`]);
    expect(checkRetainedDiscovery(retained)).toEqual([]);
  });
});

describe('reservation writes', () => {
  it('adds an entry: the device gets the whole list with the new entry, the others and the program as they were', async () => {
    const before = writes().length;
    const result = await change({
      action: 'add',
      days: ['saturday', 'sunday'],
      time: '21:15',
      mode: 'heat_pump',
      temperature: 125,
    });
    const sent = writes().slice(before);
    expect(sent).toHaveLength(1);
    const added = { enable: 2, week: 130, hour: 21, min: 15, mode: 1, param: 103 };
    expect(sent[0]).toMatchObject({
      topicSuffix: 'ctrl/rsv/rd',
      reservationUse: 2,
      reservation: [WEEKDAYS, WEEKEND, added],
      outcome: 'applied',
    });
    expect(sorted(device().settings().reservations)).toEqual(sorted([WEEKDAYS, WEEKEND, added]));
    expect(result.program).toBe(true);
    expect(result.entries).toHaveLength(3);
    expect(result.entries[2]).toMatchObject({ time: '21:15', mode: 'heat_pump', temperature: 125 });
    expect(state().reservation_program).toBe('ON');
  });

  it('updates one field of one entry and nothing else', async () => {
    const before = writes().length;
    await change({ action: 'update', index: 2, temperature: 130 });
    expect(writes().slice(before)).toHaveLength(1);
    expect(sorted(device().settings().reservations)).toEqual(sorted([WEEKDAYS, { ...WEEKEND, param: 109 }]));
    // By the entry's days and time too; the device may list entries in any order.
    await change({
      action: 'update',
      match: { days: ['weekdays'], time: '06:30' },
      enabled: false,
      time: '05:45',
    });
    expect(sorted(device().settings().reservations)).toEqual(
      sorted([
        { ...WEEKDAYS, enable: 1, hour: 5, min: 45 },
        { ...WEEKEND, param: 109 },
      ]),
    );
    expect(device().settings().reservationUse).toBe(2);
  });

  it('deletes one entry, and the last one, without ever turning the program off', async () => {
    await change({ action: 'delete', match: { days: ['sat', 'sun'], time: '08:00' } });
    expect(device().settings().reservations).toEqual([WEEKDAYS]);
    await change({ action: 'delete', index: 1 });
    expect(device().settings().reservations).toEqual([]);
    // The library turns the program off with its last entry; the switch stays where the user put it.
    expect(device().settings().reservationUse).toBe(2);
    expect(state().reservation_program).toBe('ON');
  });

  it('never turns a program that is off on: an entry added to it waits for the switch', async () => {
    const switched = writes().length;
    await observer.client.publishAsync(`${BASE_TOPIC}/${SIM_MAC}/reservation_program/set`, 'OFF', { qos: 1 });
    await waitFor(
      () => state().reservation_program === 'OFF' && attributes().last_write?.outcome === 'confirmed',
      'the program off',
    );
    expect(writes().slice(switched)).toMatchObject([{ reservationUse: 1, reservation: [WEEKDAYS, WEEKEND] }]);
    await change({
      action: 'add',
      days: ['wednesday'],
      time: '12:00',
      mode: 'energy_saver',
      temperature: 120,
    });
    expect(device().settings().reservationUse).toBe(1);
    expect(state().reservation_program).toBe('OFF');
    expect(device().settings().reservations).toHaveLength(3);
    await observer.client.publishAsync(`${BASE_TOPIC}/${SIM_MAC}/reservation_program/set`, 'ON', { qos: 1 });
    await waitFor(
      () => state().reservation_program === 'ON' && attributes().last_write?.action === 'program on',
      'the program on again, confirmed',
    );
    expect(attributes().last_write?.outcome).toBe('confirmed');
    expect(device().settings().reservations).toHaveLength(3);
  });

  it('works on the list as the device holds it now: entries made in the app meanwhile survive', async () => {
    const fromApp = { enable: 2, week: 8, hour: 14, min: 0, mode: 2, param: 110 };
    device().setReservations(2, [WEEKDAYS, WEEKEND, fromApp]);
    // The bridge has not read the list since: its state still shows two entries.
    expect(state().reservations).toBe(2);
    await change({ action: 'add', days: ['friday'], time: '18:00', mode: 'high_demand', temperature: 135 });
    expect(device().settings().reservations).toHaveLength(4);
    expect(device().settings().reservations).toContainEqual(fromApp);
    expect(state().reservations).toBe(4);
  });

  it('reads the list again when the heater shows the program switched in the app', async () => {
    device().setReservations(1, [WEEKDAYS, WEEKEND]);
    // The next status (every 5 s here) shows the program off; the bridge reads the list again.
    await waitFor(
      () => state().reservation_program === 'OFF' && attributes().program === false,
      'the program off, as switched in the app',
      15_000,
    );
    expect(attributes().entries).toHaveLength(2);
  });

  it('replaces everything only when asked in so many words', async () => {
    const before = writes().length;
    await send({ action: 'replace', entries: [] });
    await waitFor(() => (refusals().invalid_payload ?? 0) > 0, 'the refusal');
    expect(writes().length).toBe(before);
    await change({
      action: 'replace',
      replace_all: true,
      entries: [{ days: ['every_day'], time: '04:00', mode: 'heat_pump', temperature: 120 }],
    });
    expect(device().settings().reservations).toEqual([
      { enable: 2, week: 254, hour: 4, min: 0, mode: 1, param: 98 },
    ]);
    expect(device().settings().reservationUse).toBe(2);
  });

  it('writes only if the schedule still has the hash the caller read (expected_hash)', async () => {
    const hash = attributes().hash;
    device().setReservations(2, [WEEKDAYS]);
    const before = writes().length;
    const conflicts = refusals().conflict ?? 0;
    await change({ action: 'delete', index: 1, expected_hash: hash }, 'refused');
    expect(refusals().conflict).toBe(conflicts + 1);
    expect(writes().length).toBe(before);
    expect(device().settings().reservations).toEqual([WEEKDAYS]);
  });
});

describe('bad reservation commands', () => {
  it('refuses each with a log line and a counter, and nothing reaches the device', async () => {
    const before = writes().length;
    const counted = { ...refusals() };
    const bad: Array<[unknown, string]> = [
      ['not json', 'invalid_payload'],
      [{ action: 'rename' }, 'invalid_payload'],
      [
        { action: 'add', days: ['someday'], time: '06:00', mode: 'heat_pump', temperature: 120 },
        'invalid_payload',
      ],
      [
        { action: 'add', days: ['monday'], time: '25:00', mode: 'heat_pump', temperature: 120 },
        'invalid_payload',
      ],
      [
        { action: 'add', days: ['monday'], time: '06:00', mode: 'turbo', temperature: 120 },
        'invalid_payload',
      ],
      [{ action: 'add', days: ['monday'], time: '06:00', mode: 'heat_pump' }, 'invalid_payload'],
      [
        { action: 'add', days: ['monday'], time: '06:00', mode: 'heat_pump', temperature: 200 },
        'out_of_range',
      ],
      [{ action: 'add', week: 125, time: '06:00', mode: 'heat_pump', temperature: 120 }, 'invalid_payload'],
      [{ action: 'update', index: 1 }, 'invalid_payload'],
      [
        { action: 'update', index: 1, match: { days: ['monday'], time: '06:30' }, enabled: false },
        'invalid_payload',
      ],
      [{ action: 'delete', index: 9 }, 'unknown_entry'],
      [{ action: 'add', days: ['weekdays'], time: '06:30', mode: 'heat_pump', temperature: 120 }, 'conflict'],
      [
        {
          action: 'add',
          days: ['monday'],
          time: '06:00',
          mode: 'heat_pump',
          temperature: 120,
          colour: 'red',
        },
        'invalid_payload',
      ],
    ];
    for (const [payload] of bad) await send(payload);
    await send(Buffer.from([0xff, 0xfe, 0x00]));
    await send(JSON.stringify({ action: 'add', pad: 'x'.repeat(9_000) }));
    const expected: Record<string, number> = {};
    for (const [, code] of bad) expected[code] = (expected[code] ?? 0) + 1;
    expected.invalid_payload = (expected.invalid_payload ?? 0) + 2;
    const delta = () =>
      Object.fromEntries(
        Object.keys(expected).map((code) => [code, (refusals()[code] ?? 0) - (counted[code] ?? 0)]),
      );
    await waitFor(
      () => JSON.stringify(delta()) === JSON.stringify(expected),
      'every refusal counted',
      15_000,
    );
    // The refusals after a fresh read come last, the slot conflict last of all; the sensor says why.
    await waitFor(
      () => attributes().last_write?.reason?.includes('exists') === true,
      'the last refusal shown',
    );
    expect(writes().length).toBe(before);
    expect(device().settings().reservations).toEqual([WEEKDAYS, WEEKEND]);
    const lines = stack.log.records().filter((r) => String(r.msg).startsWith('refused an HA command'));
    expect(lines.length).toBeGreaterThanOrEqual(bad.length + 2);
    expect(stack.log.text()).not.toContain('x'.repeat(100));
  });

  it('refuses while the cloud link is down (the list cannot be read first), sending nothing', async () => {
    const before = writes().length;
    const offline = refusals().offline ?? 0;
    stack.sim.faults.refuseConnections(true);
    stack.sim.faults.hangUpAll();
    try {
      await waitFor(() => !stack.link.isConnected(), 'the link down');
      await send({ action: 'add', days: ['monday'], time: '03:00', mode: 'heat_pump', temperature: 120 });
      await waitFor(
        () => (refusals().offline ?? 0) === offline + 1 && attributes().last_write?.outcome === 'refused',
        'the offline refusal',
      );
      expect(attributes().last_write?.reason).toContain('cloud link is down');
    } finally {
      stack.sim.faults.refuseConnections(false);
    }
    await waitFor(() => stack.link.isConnected(), 'the link back', 15_000);
    expect(writes().length).toBe(before);
  });
});
