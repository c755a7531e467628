// HA command payloads routed through the entity table: each control becomes the right device
// command, and anything else (unknown key, wrong type, out of range, garbage) is refused.

import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_BYTES, type RoutedCommand, routeCommand } from '../../src/ha/commands.js';
import { NWP500_ENTITIES } from '../../src/ha/entities.js';
import type { DeviceSnapshot } from '../../src/ha/snapshot.js';
import { simSnapshot } from './fixtures.js';

function route(
  key: string,
  payload: string | Uint8Array,
  snapshot: DeviceSnapshot = simSnapshot(),
): RoutedCommand {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return routeCommand(NWP500_ENTITIES, snapshot, key, bytes);
}

function commandsOf(result: RoutedCommand): unknown[] {
  if (!result.ok) throw new Error(`refused: ${result.code}: ${result.reason}`);
  return result.commands;
}

describe('routing HA commands', () => {
  it('turns each water-heater mode into DHW_MODE, and off into POWER_OFF', () => {
    expect(commandsOf(route('mode', 'eco'))).toEqual([{ kind: 'dhw_mode', mode: 'eco' }]);
    expect(commandsOf(route('mode', 'heat_pump'))).toEqual([{ kind: 'dhw_mode', mode: 'heat_pump' }]);
    expect(commandsOf(route('mode', 'high_demand'))).toEqual([{ kind: 'dhw_mode', mode: 'high_demand' }]);
    expect(commandsOf(route('mode', 'electric'))).toEqual([{ kind: 'dhw_mode', mode: 'electric' }]);
    expect(commandsOf(route('mode', 'off'))).toEqual([{ kind: 'power', on: false }]);
  });

  it('powers a unit that is off on before changing its mode', () => {
    const off = simSnapshot({ status: { dhwOperationSetting: 6 } });
    expect(commandsOf(route('mode', 'heat_pump', off))).toEqual([
      { kind: 'power', on: true },
      { kind: 'dhw_mode', mode: 'heat_pump' },
    ]);
  });

  it('refuses a mode the feature does not allow, and modes HA has that the NWP500 lacks', () => {
    const noElectric = simSnapshot({ feature: { electricUse: 1 } });
    expect(route('mode', 'electric', noElectric)).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('mode', 'gas')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('mode', 'performance')).toMatchObject({ ok: false, code: 'invalid_payload' });
  });

  it('switches power with POWER_ON/POWER_OFF, never DHW mode 6', () => {
    expect(commandsOf(route('power', 'ON'))).toEqual([{ kind: 'power', on: true }]);
    expect(commandsOf(route('power', 'OFF'))).toEqual([{ kind: 'power', on: false }]);
  });

  it('sets the target temperature in the device unit, as HA formats it', () => {
    expect(commandsOf(route('target_temperature', '130'))).toEqual([
      { kind: 'dhw_temperature', value: 130, unit: 'F' },
    ]);
    expect(commandsOf(route('target_temperature', '130.0'))).toEqual([
      { kind: 'dhw_temperature', value: 130, unit: 'F' },
    ]);
    const celsius = simSnapshot({
      device: { feature: { temperatureType: 1 } },
      status: { temperatureType: 1 },
    });
    expect(commandsOf(route('target_temperature', '52.5', celsius))).toEqual([
      { kind: 'dhw_temperature', value: 52.5, unit: 'C' },
    ]);
  });

  it('refuses a target temperature above the feature maximum or below its minimum', () => {
    expect(route('target_temperature', '150')).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(route('target_temperature', '104')).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(commandsOf(route('target_temperature', '149'))).toHaveLength(1);
  });

  it('turns TOU, anti-legionella and demand response on and off', () => {
    expect(commandsOf(route('tou', 'ON'))).toEqual([{ kind: 'tou', on: true }]);
    expect(commandsOf(route('tou', 'OFF'))).toEqual([{ kind: 'tou', on: false }]);
    expect(commandsOf(route('anti_legionella', 'OFF'))).toEqual([{ kind: 'anti_legionella', on: false }]);
    expect(commandsOf(route('demand_response', 'ON'))).toEqual([{ kind: 'demand_response', on: true }]);
    expect(commandsOf(route('demand_response', 'OFF'))).toEqual([{ kind: 'demand_response', on: false }]);
  });

  it('enables anti-legionella with the period the device reports, else 14 days', () => {
    const every7 = simSnapshot({ status: { antiLegionellaPeriod: 7 } });
    expect(commandsOf(route('anti_legionella', 'ON', every7))).toEqual([
      { kind: 'anti_legionella', on: true, periodDays: 7 },
    ]);
    const unknown = simSnapshot({ status: { antiLegionellaPeriod: undefined } });
    expect(commandsOf(route('anti_legionella', 'ON', unknown))).toEqual([
      { kind: 'anti_legionella', on: true, periodDays: 14 },
    ]);
    const nonsense = simSnapshot({ status: { antiLegionellaPeriod: 99 } });
    expect(commandsOf(route('anti_legionella', 'ON', nonsense))).toEqual([
      { kind: 'anti_legionella', on: true, periodDays: 14 },
    ]);
  });

  it('starts vacation with the remembered day count and ends it with the remembered mode, else eco', () => {
    expect(commandsOf(route('vacation', 'ON', simSnapshot({ vacationDays: 10 })))).toEqual([
      { kind: 'vacation', days: 10 },
    ]);
    const away = simSnapshot({ status: { dhwOperationSetting: 5 }, lastMode: 'heat_pump' });
    expect(commandsOf(route('vacation', 'OFF', away))).toEqual([{ kind: 'dhw_mode', mode: 'heat_pump' }]);
    const awayUnknown = simSnapshot({ status: { dhwOperationSetting: 5 } });
    expect(commandsOf(route('vacation', 'OFF', awayUnknown))).toEqual([{ kind: 'dhw_mode', mode: 'eco' }]);
  });

  it('remembers vacation days, and sends them to the device only while it is on vacation', () => {
    expect(route('vacation_days', '12')).toEqual({ ok: true, commands: [], remember: { vacationDays: 12 } });
    const away = simSnapshot({ status: { dhwOperationSetting: 5 } });
    expect(route('vacation_days', '12.0', away)).toEqual({
      ok: true,
      commands: [{ kind: 'vacation', days: 12 }],
      remember: { vacationDays: 12 },
    });
  });

  it('refuses vacation days outside 1–30 or not whole', () => {
    expect(route('vacation_days', '0')).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(route('vacation_days', '31')).toMatchObject({ ok: false, code: 'out_of_range' });
    expect(route('vacation_days', '2.5')).toMatchObject({ ok: false, code: 'invalid' });
  });

  it('resets the air filter on PRESS only', () => {
    expect(commandsOf(route('air_filter_reset', 'PRESS'))).toEqual([{ kind: 'air_filter_reset' }]);
    expect(route('air_filter_reset', 'ON')).toMatchObject({ ok: false, code: 'invalid_payload' });
  });

  it('refuses keys that are not controls of the device', () => {
    expect(route('bogus', 'ON')).toMatchObject({ ok: false, code: 'unknown_key' });
    expect(route('dhw_temperature', '120')).toMatchObject({ ok: false, code: 'unknown_key' });
    expect(route('water_heater', 'eco')).toMatchObject({ ok: false, code: 'unknown_key' });
    const noDr = simSnapshot({ feature: { drSettingUse: 1 } });
    expect(route('demand_response', 'ON', noDr)).toMatchObject({ ok: false, code: 'unknown_key' });
  });

  it('refuses payloads of the wrong type', () => {
    expect(route('power', 'on')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('power', '1')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('target_temperature', 'hot')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('target_temperature', 'NaN')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('target_temperature', '1e999')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('target_temperature', '{"value":130}')).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
  });

  it('refuses empty, oversized and non-UTF-8 payloads without echoing them', () => {
    expect(route('power', '')).toMatchObject({ ok: false, code: 'invalid_payload' });
    expect(route('power', 'O'.repeat(MAX_COMMAND_BYTES + 1))).toMatchObject({
      ok: false,
      code: 'invalid_payload',
    });
    const garbage = route('power', Uint8Array.from([0xff, 0xfe, 0x00, 0xc3]));
    expect(garbage).toMatchObject({
      ok: false,
      code: 'invalid_payload',
      reason: 'the payload is not UTF-8 text',
    });
    const control = route('target_temperature', '\u0000\u001b[31m');
    expect(control.ok).toBe(false);
    if (!control.ok) expect([...control.reason].every((ch) => ch.charCodeAt(0) >= 0x20)).toBe(true);
  });
});
