// What a command means to the queue: the setting it writes (supersede) and the status that shows
// it was applied (confirmation), checked against the simulated NWP500 applying the real encoded
// command, and against a status from before the command.

import { describe, expect, it } from 'vitest';
import { confirmationFor, isConfirmedBy, supersedeKey } from '../../src/device/commandIntent.js';
import { type DeviceCommand, encodeCommand } from '../../src/device/commands.js';
import { decodeFeature } from '../../src/device/feature.js';
import { SimDevice } from '../../src/sim/device.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const MAC = '04786332fca0';
const CLIENT = { clientId: 'navien-client-test0001', sessionId: 'session' };

function device(): SimDevice {
  return new SimDevice(
    { macAddress: MAC, feature: { recirculationUse: 2, freezeProtectionUse: 2 } },
    { clock: new ManualClock(), logger: captureLog('warn').logger },
  );
}

/** Applies the encoded command to a simulated heater; returns its statuses before and after. */
function apply(command: DeviceCommand, setup: DeviceCommand[] = []) {
  const sim = device();
  const feature = decodeFeature(sim.featurePayload());
  const address = { macAddress: MAC, additionalValue: sim.additionalValue, deviceType: 52 };
  const send = (c: DeviceCommand) => {
    const encoded = encodeCommand(c, address, CLIENT, feature);
    if (!encoded.ok) throw new Error(encoded.reason);
    const suffix = encoded.topic.split(`navilink-${MAC}/`)[1] ?? '';
    sim.handleRequest(suffix, Buffer.from(JSON.stringify(encoded.payload)), CLIENT.clientId);
    return encoded;
  };
  for (const c of setup) send(c);
  const before = sim.status() as unknown as Record<string, unknown>;
  const encoded = send(command);
  const request = encoded.payload.request as { param?: number[] };
  return {
    confirm: confirmationFor(encoded.commandCode, request.param ?? []),
    before,
    after: sim.status() as unknown as Record<string, unknown>,
  };
}

describe('confirmation: the status that shows a command was applied', () => {
  const cases: Array<[string, DeviceCommand, DeviceCommand[]]> = [
    ['power off', { kind: 'power', on: false }, []],
    ['power on', { kind: 'power', on: true }, [{ kind: 'power', on: false }]],
    ['DHW mode', { kind: 'dhw_mode', mode: 'heat_pump' }, []],
    ['vacation with its days', { kind: 'vacation', days: 9 }, []],
    ['target temperature', { kind: 'dhw_temperature', value: 130, unit: 'F' }, []],
    ['anti-legionella on with its period', { kind: 'anti_legionella', on: true, periodDays: 21 }, []],
    ['anti-legionella off', { kind: 'anti_legionella', on: false }, []],
    ['time of use on', { kind: 'tou', on: true }, []],
    ['time of use off', { kind: 'tou', on: false }, [{ kind: 'tou', on: true }]],
    ['recirculation mode', { kind: 'recirculation_mode', mode: 3 }, []],
    ['freeze-protection temperature', { kind: 'freeze_protection_temperature', value: 8, unit: 'C' }, []],
  ];
  it.each(cases)('%s: not shown before, shown after the heater applied it', (_name, command, setup) => {
    const { confirm, before, after } = apply(command, setup);
    expect(confirm).not.toBeNull();
    if (!confirm) return;
    expect(isConfirmedBy(confirm, before)).toBe(false);
    expect(isConfirmedBy(confirm, after)).toBe(true);
  });

  it('has no status to wait for where the heater shows none: demand response, buttons, reservation writes', () => {
    for (const command of [
      { kind: 'demand_response', on: false },
      { kind: 'air_filter_reset' },
      { kind: 'recirculation_hot_button' },
      { kind: 'reservation_write', reservationUse: 2, entries: [] },
    ] satisfies DeviceCommand[]) {
      expect(apply(command).confirm, command.kind).toBeNull();
    }
  });

  it('never takes a missing or non-numeric field for a confirmation', () => {
    const confirm = [{ field: 'dhwTemperatureSetting', equals: 108 }];
    expect(isConfirmedBy(confirm, {})).toBe(false);
    expect(isConfirmedBy(confirm, { dhwTemperatureSetting: '108' })).toBe(false);
    expect(isConfirmedBy(confirm, { dhwTemperatureSetting: 108 })).toBe(true);
  });
});

describe('supersede: the setting a command writes', () => {
  it('gives vacation and DHW mode one key (both are the DHW_MODE command), every other setting its own', () => {
    const keys = (
      [
        { kind: 'dhw_mode', mode: 'eco' },
        { kind: 'vacation', days: 3 },
        { kind: 'power', on: true },
        { kind: 'dhw_temperature', value: 120, unit: 'F' },
        { kind: 'anti_legionella', on: true },
        { kind: 'tou', on: false },
        { kind: 'demand_response', on: true },
        { kind: 'recirculation_mode', mode: 1 },
        { kind: 'freeze_protection_temperature', value: 8, unit: 'C' },
        { kind: 'air_filter_reset' },
        { kind: 'recirculation_hot_button' },
      ] satisfies DeviceCommand[]
    ).map(supersedeKey);
    expect(keys).toEqual([
      'dhw_mode',
      'dhw_mode',
      'power',
      'dhw_temperature',
      'anti_legionella',
      'tou',
      'demand_response',
      'recirculation_mode',
      'freeze_protection_temperature',
      'air_filter_reset',
      'recirculation_hot_button',
    ]);
  });

  it('never lets reservation writes or requests replace each other', () => {
    for (const command of [
      { kind: 'reservation_write', reservationUse: 2, entries: [] },
      { kind: 'status_request' },
      { kind: 'reservation_read' },
    ] satisfies DeviceCommand[]) {
      expect(supersedeKey(command)).toBeNull();
    }
  });
});
