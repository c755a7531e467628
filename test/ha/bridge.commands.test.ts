// HA commands end to end: published on `<b>/<id>/<key>/set` to a real Mosquitto, they reach the
// simulated NWP500 as the right Navien command and the new state comes back from the device; bad
// ones are refused, counted and never reach the simulator.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedCommand } from '../../src/sim/index.js';
import { BASE_TOPIC, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, waitFor } from './observer.js';

/** A second heater whose feature denies the time-of-use capability (the cloud refuses TOU for it). */
const NO_TOU_MAC = 'aabbccddeeff';
const STATE = `${BASE_TOPIC}/${SIM_MAC}/state`;
/** Control codes are 0x02000000 and up; requests (status, feature, energy) are below. */
const FIRST_CONTROL_CODE = 0x2000000;

let stack: HaStack;
let observer: Observer;

function controls(mac = SIM_MAC): ReceivedCommand[] {
  return (stack.sim.device(mac)?.receivedCommands() ?? []).filter((c) => c.command >= FIRST_CONTROL_CODE);
}

function state(): Record<string, unknown> {
  return JSON.parse(observer.last(STATE) ?? '{}') as Record<string, unknown>;
}

function refusals(): Record<string, number> {
  return stack.collector.getCounters().commands_refused_by_reason;
}

async function command(key: string, payload: string | Buffer, mac = SIM_MAC): Promise<void> {
  await observer.client.publishAsync(`${BASE_TOPIC}/${mac}/${key}/set`, payload, { qos: 1 });
}

/** Sends a command and waits for the device to receive exactly `expected` (name, param) in order. */
async function expectDeviceGets(
  key: string,
  payload: string,
  expected: Array<{ name: string; param: number[] }>,
): Promise<void> {
  const before = controls().length;
  await command(key, payload);
  await waitFor(() => controls().length >= before + expected.length, `${key}=${payload} to reach the device`);
  const received = controls()
    .slice(before)
    .map((c) => ({ name: c.name, param: [...(c.param ?? [])] }));
  expect(received).toEqual(expected);
}

async function expectState(match: Record<string, unknown>, what: string): Promise<void> {
  await waitFor(() => Object.entries(match).every(([k, v]) => state()[k] === v), what);
}

beforeAll(async () => {
  stack = await startHaStack({
    sim: {
      keepAlive: { minSecs: 1 },
      // Replies come a little late, so a test can see that nothing is published before them.
      replyDelayMs: 150,
      devices: [{}, { macAddress: NO_TOU_MAC, deviceName: 'Garage', feature: { programReservationUse: 1 } }],
    },
    statusIntervalMs: 5_000,
  });
  observer = await Observer.connect(stack.mqtt.url, [`${BASE_TOPIC}/#`]);
  await waitFor(
    () => state().mode === 'eco' && observer.last(`${BASE_TOPIC}/${SIM_MAC}/availability`) === 'online',
    'the first state',
    20_000,
  );
});

afterAll(async () => {
  await observer?.close();
  await stack?.close();
});

describe('HA commands reaching the water heater', () => {
  it('changes the mode with DHW_MODE and shows it once the device confirms', async () => {
    await expectDeviceGets('mode', 'heat_pump', [{ name: 'dhwMode', param: [1] }]);
    await expectState({ mode: 'heat_pump', dhw_operation_setting: 'Heat pump' }, 'heat pump mode confirmed');
  });

  it('publishes nothing before the device confirms: the state changes only with its reply', async () => {
    const before = controls().length;
    await command('power', 'OFF');
    await waitFor(() => controls().length > before, 'power off to reach the device');
    // The reply is 150 ms away: what HA sees is still the device's last word.
    expect(state().power).toBe('ON');
    await expectState({ power: 'OFF', mode: 'off' }, 'power off confirmed');
  });

  it('powers on before changing the mode of a unit that is off', async () => {
    await expectDeviceGets('mode', 'high_demand', [
      { name: 'powerOn', param: [] },
      { name: 'dhwMode', param: [4] },
    ]);
    await expectState({ mode: 'high_demand', power: 'ON' }, 'high demand confirmed');
  });

  it('switches power with POWER_OFF and POWER_ON, also from the water heater card', async () => {
    await expectDeviceGets('mode', 'off', [{ name: 'powerOff', param: [] }]);
    await expectState({ power: 'OFF', mode: 'off' }, 'off from the mode list');
    await expectDeviceGets('power', 'ON', [{ name: 'powerOn', param: [] }]);
    await expectState({ power: 'ON', mode: 'high_demand' }, 'back on in the mode it had');
  });

  it('sets the target temperature as half-degrees Celsius', async () => {
    // 130 °F is 54.4 °C: raw 109 (130.1 °F), which reads back as 130 °F, as the heater's panel shows it.
    await expectDeviceGets('target_temperature', '130', [{ name: 'dhwTemperature', param: [109] }]);
    await expectState({ target_temperature: 130 }, 'the new setpoint');
  });

  it('switches time of use, anti-legionella (with the device period) and demand response', async () => {
    await expectDeviceGets('tou', 'ON', [{ name: 'touOn', param: [] }]);
    await expectState({ tou: 'ON' }, 'TOU on');
    await expectDeviceGets('tou', 'OFF', [{ name: 'touOff', param: [] }]);
    await expectState({ tou: 'OFF' }, 'TOU off');
    await expectDeviceGets('anti_legionella', 'OFF', [{ name: 'antiLegionellaOff', param: [] }]);
    await expectState({ anti_legionella: 'OFF' }, 'anti-legionella off');
    await expectDeviceGets('anti_legionella', 'ON', [{ name: 'antiLegionellaOn', param: [7] }]);
    await expectState({ anti_legionella: 'ON' }, 'anti-legionella on');
    await expectDeviceGets('demand_response', 'OFF', [{ name: 'drOff', param: [] }]);
    await expectDeviceGets('demand_response', 'ON', [{ name: 'drOn', param: [] }]);
  });

  it('remembers vacation days, starts vacation with them and ends it in the mode from before', async () => {
    const before = controls().length;
    await command('vacation_days', '10');
    await expectState({ vacation_days: 10 }, 'the remembered vacation length');
    expect(controls().length).toBe(before);
    await expectDeviceGets('vacation', 'ON', [{ name: 'dhwMode', param: [5, 10] }]);
    await expectState({ vacation: 'ON', vacation_days: 10, mode: 'high_demand' }, 'vacation confirmed');
    await expectDeviceGets('vacation', 'OFF', [{ name: 'dhwMode', param: [4] }]);
    await expectState({ vacation: 'OFF', mode: 'high_demand' }, 'back from vacation');
  });

  it('resets the air filter on PRESS', async () => {
    await expectDeviceGets('air_filter_reset', 'PRESS', [{ name: 'airFilterReset', param: [] }]);
    await expectState({ air_filter_alarm_elapsed: 0 }, 'the filter hours back at 0');
  });
});

describe('bad HA commands', () => {
  it('refuses unknown keys, wrong types, out-of-range values, unknown devices and garbage, sending nothing', async () => {
    const before = controls().length;
    const counted = { ...refusals() };
    await command('bogus', 'ON');
    await command('target_temperature', 'hot');
    await command('target_temperature', '200');
    await command('power', 'ON', 'ffffffffffff');
    await command('power', Buffer.from([0xff, 0xfe, 0xfd, 0x00]));
    await command('mode', 'x'.repeat(100_000));
    // A good command after the bad ones: once it arrives, the bad ones had their chance to.
    await expectDeviceGets('tou', 'ON', [{ name: 'touOn', param: [] }]);
    expect(controls().length).toBe(before + 1);
    const delta = (reason: string) => (refusals()[reason] ?? 0) - (counted[reason] ?? 0);
    expect(delta('unknown_key')).toBe(1);
    expect(delta('invalid_payload')).toBe(3);
    expect(delta('out_of_range')).toBe(1);
    expect(delta('unknown_device')).toBe(1);
    const warnings = stack.log.records().filter((r) => String(r.msg).startsWith('refused an HA command'));
    expect(warnings.length).toBeGreaterThanOrEqual(6);
    expect(stack.log.text()).not.toContain('x'.repeat(100));
  });

  it('passes on a refusal from the cloud (a capability the device lacks), counted once, nothing sent', async () => {
    await waitFor(
      () => observer.last(`${BASE_TOPIC}/${NO_TOU_MAC}/availability`) === 'online',
      'the second heater online',
    );
    const unsupported = refusals().unsupported ?? 0;
    await command('tou', 'ON', NO_TOU_MAC);
    await waitFor(() => (refusals().unsupported ?? 0) === unsupported + 1, 'the cloud refusal to be counted');
    expect(controls(NO_TOU_MAC)).toEqual([]);
    expect(stack.log.text()).toContain('time of use is not supported by this device');
  });
});
