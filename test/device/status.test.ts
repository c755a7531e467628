// Status decoding worked examples (°C and °F devices) and payload extraction from device messages.

import { describe, expect, it } from 'vitest';
import { decodeStatus, decodeStatusMessage, extractFeature, extractStatus } from '../../src/device/status.js';
import { STATUS_FIELDS } from '../../src/device/statusFields.js';

/** A realistic °F status (values in the device's raw units). */
function fahrenheitStatus(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    command: 16777219,
    temperatureType: 2,
    tempFormulaType: 0,
    dhwOperationSetting: 3,
    operationMode: 64,
    currentHeatUse: 1,
    errorCode: 0,
    subErrorCode: 0,
    dhwTemperature: 120,
    dhwTemperatureSetting: 98,
    dhwTargetTemperatureSetting: 98,
    tankUpperTemperature: 523,
    tankLowerTemperature: 381,
    outsideTemperature: -11,
    hpUpperOnDiffTempSetting: 50,
    heLowerOnTDiffempSetting: -25,
    targetSuperHeat: 55,
    currentSuperHeat: 0,
    currentDhwFlowRate: 38,
    cumulatedDhwFlowRate: 12345,
    totalEnergyCapacity: 2500,
    availableEnergyCapacity: 400,
    currentInstPower: 466,
    dhwChargePer: 87,
    dhwUse: 2,
    didReload: 1,
    ecoUse: 0,
    compUse: 2,
    heatUpperUse: 1,
    heatLowerUse: 0,
    touStatus: 1,
    touOverrideStatus: 2,
    wifiRssi: -61,
    ...overrides,
  };
}

describe('decodeStatus on a °F device', () => {
  const status = decodeStatus(fahrenheitStatus());

  it('reports °F and the command that produced the status, with no problems', () => {
    expect(status.temperatureUnit).toBe('F');
    expect(status.command).toBe(16777219);
    expect(status.problems).toEqual([]);
  });

  it('converts half-degree temperatures: raw 120 → 140 °F, raw 98 → 120.2 °F', () => {
    expect(status.values.get('dhw_temperature')).toBe(140);
    expect(status.values.get('dhw_temperature_setting')).toBe(120.2);
    expect(status.values.get('dhw_target_temperature_setting')).toBe(120.2);
  });

  it('converts deci-degree thermistors: raw 523 → 126.14 °F', () => {
    expect(status.values.get('tank_upper_temperature')).toBe(126.14);
    expect(status.values.get('tank_lower_temperature')).toBe(100.58);
  });

  it('converts differences without the 32° offset, superheat included', () => {
    expect(status.values.get('hp_upper_on_diff_temp_setting')).toBe(9);
    expect(status.values.get('he_lower_on_diff_temp_setting')).toBe(-4.5);
    expect(status.values.get('target_super_heat')).toBe(9.9);
    expect(status.values.get('current_super_heat')).toBe(0);
  });

  it('rounds the outside temperature with the asymmetric rule: raw -11 → 23 °F', () => {
    expect(status.values.get('outside_temperature')).toBe(23);
  });

  it('keeps flow in L/min and volume in litres whatever the display unit', () => {
    expect(status.values.get('current_dhw_flow_rate')).toBe(3.8);
    expect(status.values.get('cumulated_dhw_flow_rate')).toBe(12345);
  });

  it('turns energy counts into Wh and computes usable_energy', () => {
    expect(status.values.get('full_recovery_energy')).toBe(10000);
    expect(status.values.get('energy_to_setpoint')).toBe(1600);
    expect(status.values.get('usable_energy')).toBe(8400);
  });

  it('decodes device booleans (2 true, 1/0 false) and tri-states (0 unknown)', () => {
    expect(status.values.get('dhw_use')).toBe(true);
    expect(status.values.get('did_reload')).toBe(false);
    expect(status.values.get('eco_use')).toBe(false);
    expect(status.values.get('comp_use')).toBe(true);
    expect(status.values.get('heat_upper_use')).toBe(false);
    expect(status.values.get('heat_lower_use')).toBeNull();
  });

  it('decodes the TOU flags: status non-zero → on, override 1 → active and 2 → inactive', () => {
    expect(status.values.get('tou_status')).toBe(true);
    expect(status.values.get('tou_override_status')).toBe(false);
    expect(decodeStatus({ touStatus: 0, touOverrideStatus: 1 }).values.toRecord()).toMatchObject({
      tou_status: false,
      tou_override_status: true,
    });
    expect(decodeStatus({ touStatus: 2, touOverrideStatus: 0 }).values.toRecord()).toMatchObject({
      tou_status: true,
      tou_override_status: false,
    });
  });

  it('keeps enums as numbers and names them', () => {
    expect(status.values.get('dhw_operation_setting')).toBe(3);
    expect(status.values.name('dhw_operation_setting')).toBe('ENERGY_SAVER');
    expect(status.values.name('operation_mode')).toBe('HYBRID_EFFICIENCY_MODE');
    expect(status.values.name('current_heat_use')).toBe('HEATPUMP');
    expect(status.values.name('error_code')).toBe('NO_ERROR');
    expect(status.values.name('temperature_type')).toBe('FAHRENHEIT');
  });

  it('passes raw values through as-is (power, charge, RSSI)', () => {
    expect(status.values.get('current_inst_power')).toBe(466);
    expect(status.values.get('dhw_charge_per')).toBe(87);
    expect(status.values.get('wifi_rssi')).toBe(-61);
  });

  it('leaves absent fields out instead of inventing values', () => {
    expect(status.values.has('ambient_temperature')).toBe(false);
    expect(status.values.name('recirculation_operation_mode')).toBeUndefined();
  });
});

describe('decodeStatus on a °C device', () => {
  const status = decodeStatus(fahrenheitStatus({ temperatureType: 1 }));

  it('reports °C and converts every temperature kind to Celsius', () => {
    expect(status.temperatureUnit).toBe('C');
    expect(status.values.get('dhw_temperature')).toBe(60);
    expect(status.values.get('dhw_temperature_setting')).toBe(49);
    expect(status.values.get('tank_upper_temperature')).toBe(52.3);
    expect(status.values.get('hp_upper_on_diff_temp_setting')).toBe(5);
    expect(status.values.get('target_super_heat')).toBe(5.5);
    expect(status.values.get('outside_temperature')).toBe(-5.5);
    expect(status.values.get('current_dhw_flow_rate')).toBe(3.8);
  });

  it('converts to the unit a caller asks for instead of the display unit', () => {
    const converted = decodeStatus(fahrenheitStatus({ temperatureType: 1 }), { unit: 'F' });
    expect(converted.temperatureUnit).toBe('F');
    expect(converted.values.get('dhw_temperature')).toBe(140);
    expect(converted.values.get('temperature_type')).toBe(1);
  });
});

describe('decodeStatus edge cases', () => {
  it('treats temperature 0 as a real value, not as missing', () => {
    const status = decodeStatus({ temperatureType: 2, dhwTemperature: 0, tankUpperTemperature: 0 });
    expect(status.values.get('dhw_temperature')).toBe(32);
    expect(status.values.get('tank_upper_temperature')).toBe(32);
    expect(decodeStatus({ temperatureType: 1, dhwTemperature: 0 }).values.get('dhw_temperature')).toBe(0);
  });

  it('defaults to °F when temperatureType is missing or unknown, keeping the unknown number', () => {
    expect(decodeStatus({ dhwTemperature: 120 }).temperatureUnit).toBe('F');
    const odd = decodeStatus({ temperatureType: 3, dhwTemperature: 120 });
    expect(odd.temperatureUnit).toBe('F');
    expect(odd.values.get('temperature_type')).toBe(3);
    expect(odd.values.name('temperature_type')).toBeNull();
  });

  it('rounds the outside temperature half to even with formula type 1: raw 5 → 36 °F', () => {
    expect(
      decodeStatus({ tempFormulaType: 1, outsideTemperature: 5 }).values.get('outside_temperature'),
    ).toBe(36);
    expect(
      decodeStatus({ tempFormulaType: 0, outsideTemperature: 119 }).values.get('outside_temperature'),
    ).toBe(139);
    expect(
      decodeStatus({ tempFormulaType: 0, outsideTemperature: -19 }).values.get('outside_temperature'),
    ).toBe(15);
  });

  it('keeps unknown enum values instead of dropping the status', () => {
    const status = decodeStatus({
      errorCode: 12345,
      dhwOperationSetting: 9,
      operationMode: 33,
      dhwTemperature: 120,
    });
    expect(status.values.get('error_code')).toBe(12345);
    expect(status.values.name('error_code')).toBeNull();
    expect(status.values.get('dhw_operation_setting')).toBe(9);
    expect(status.values.name('dhw_operation_setting')).toBeNull();
    expect(status.values.get('operation_mode')).toBe(33);
    expect(status.values.get('dhw_temperature')).toBe(140);
    expect(status.problems).toEqual([]);
  });

  it('names a water leak error', () => {
    const status = decodeStatus({ errorCode: 799, subErrorCode: 1 });
    expect(status.values.name('error_code')).toBe('E799_WATER_LEAK');
    expect(status.values.get('sub_error_code')).toBe(1);
  });

  it('clamps usable_energy at 0 when the tank needs more than a full recovery', () => {
    const status = decodeStatus({ totalEnergyCapacity: 100, availableEnergyCapacity: 300 });
    expect(status.values.get('usable_energy')).toBe(0);
    expect(decodeStatus({ totalEnergyCapacity: 100 }).values.has('usable_energy')).toBe(false);
  });

  it('accepts numbers sent as text', () => {
    const status = decodeStatus({ dhwTemperature: '120', temperatureType: '1', currentInstPower: ' 12.5 ' });
    expect(status.temperatureUnit).toBe('C');
    expect(status.values.get('dhw_temperature')).toBe(60);
    expect(status.values.get('current_inst_power')).toBe(12.5);
    expect(status.problems).toEqual([]);
  });

  it('reports booleans, objects, text, NaN and Infinity as problems of that field only', () => {
    const status = decodeStatus({
      dhwTemperature: true,
      tankUpperTemperature: { value: 1 },
      tankLowerTemperature: [1],
      dhwChargePer: 'full',
      currentInstPower: Number.NaN,
      wifiRssi: Number.POSITIVE_INFINITY,
      outsideTemperature: '1e999',
      dhwTemperatureSetting: 98,
    });
    expect(status.values.toRecord()).toEqual({ dhw_temperature_setting: 120.2 });
    expect([...status.problems].sort()).toEqual([
      'currentInstPower: expected a number, got NaN',
      'dhwChargePer: expected a number, got text that is not a number',
      'dhwTemperature: expected a number, got a boolean',
      'outsideTemperature: expected a number, got text that is not a number',
      'tankLowerTemperature: expected a number, got an array',
      'tankUpperTemperature: expected a number, got an object',
      'wifiRssi: expected a number, got an infinite number',
    ]);
  });

  it('reports a value that overflows once converted and keeps the rest', () => {
    const status = decodeStatus({ totalEnergyCapacity: 1e308, dhwTemperature: 120, temperatureType: 1 });
    expect(status.values.toRecord()).toEqual({ dhw_temperature: 60, temperature_type: 1 });
    expect(status.problems).toEqual(['totalEnergyCapacity: 1e+308 is out of range once converted']);
  });

  it('treats null like an absent field', () => {
    const status = decodeStatus({ dhwTemperature: null });
    expect(status.values.toRecord()).toEqual({});
    expect(status.problems).toEqual([]);
  });

  it('returns an empty status with one problem for anything that is not an object', () => {
    for (const input of [null, undefined, 42, 'status', [1, 2], true]) {
      const status = decodeStatus(input);
      expect(status.values.toRecord()).toEqual({});
      expect(status.command).toBeNull();
      expect(status.problems).toHaveLength(1);
      expect(status.problems[0]).toMatch(/^status: expected an object/);
    }
  });

  it('survives an object whose getter throws', () => {
    const hostile = Object.defineProperty({}, 'dhwTemperature', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    const status = decodeStatus(hostile);
    expect(status.values.toRecord()).toEqual({});
    expect(status.problems).toEqual(['status: could not be read (Error)']);
  });

  it('keeps a JSON-only copy of the wire object', () => {
    const wire = {
      dhwTemperature: 120,
      extra: { nested: [1, 'a', null, Number.NaN] },
      fn: () => 1,
      nan: Number.NaN,
    };
    const status = decodeStatus(wire);
    expect(status.raw).toEqual({ dhwTemperature: 120, extra: { nested: [1, 'a', null, null] } });
    wire.dhwTemperature = 1;
    expect(status.raw.dhwTemperature).toBe(120);
  });

  it('copies a __proto__ key as a plain key without touching any prototype', () => {
    const wire = JSON.parse('{"dhwTemperature":120,"__proto__":{"polluted":1}}');
    const status = decodeStatus(wire);
    expect(Object.hasOwn(status.raw, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(status.raw)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(status.values.get('dhw_temperature')).toBe(140);
  });

  it('decodes every field of the table when all are present', () => {
    const all = Object.fromEntries(STATUS_FIELDS.map((f) => [f.wire, 2]));
    const status = decodeStatus(all);
    expect(status.problems).toEqual([]);
    for (const f of STATUS_FIELDS) expect(status.values.has(f.key)).toBe(true);
    expect(Object.keys(status.values.toRecord())).toHaveLength(STATUS_FIELDS.length + 1);
  });
});

describe('extractStatus and extractFeature', () => {
  const a = { dhwTemperature: 1 };
  const b = { dhwTemperature: 2 };
  const c = { dhwTemperature: 3 };
  const d = { dhwTemperature: 4 };

  it('prefers response.status, then response.st, then status, then st', () => {
    expect(extractStatus({ response: { status: a, st: b }, status: c, st: d })).toBe(a);
    expect(extractStatus({ response: { st: b }, status: c, st: d })).toBe(b);
    expect(extractStatus({ response: {}, status: c, st: d })).toBe(c);
    expect(extractStatus({ st: d })).toBe(d);
  });

  it('decides by presence, not truthiness: a present but unusable payload ends the search', () => {
    expect(extractStatus({ response: { status: null, st: b } })).toBeUndefined();
    expect(extractStatus({ response: { status: {}, st: b } })).toEqual({});
  });

  it('ignores the echo of our own command, which has a request and no response', () => {
    const echo = {
      clientID: 'navien-client-1a2b3c4d',
      request: { command: 16777219, deviceType: 52 },
      requestTopic: 'cmd/52/navilink-04786332fca0/st',
      status: a,
    };
    expect(extractStatus(echo)).toBeUndefined();
    expect(extractFeature(echo)).toBeUndefined();
    expect(decodeStatusMessage(echo)).toBeUndefined();
  });

  it('finds the feature under response.feature, response.did, feature or did', () => {
    expect(extractFeature({ response: { feature: a, did: b } })).toBe(a);
    expect(extractFeature({ response: { did: b }, feature: c })).toBe(b);
    expect(extractFeature({ feature: c, did: d })).toBe(c);
    expect(extractFeature({ did: d })).toBe(d);
    expect(extractFeature({ response: { status: a } })).toBeUndefined();
  });

  it('returns undefined for messages that are not objects', () => {
    for (const message of [null, 'x', 3, [a]]) expect(extractStatus(message)).toBeUndefined();
  });

  it('decodes the status of a full device reply', () => {
    const reply = {
      clientID: 'navien-client-1a2b3c4d',
      response: { command: 16777219, deviceType: 52, status: fahrenheitStatus() },
    };
    expect(decodeStatusMessage(reply)?.values.get('dhw_temperature')).toBe(140);
    expect(decodeStatusMessage(reply, { unit: 'C' })?.values.get('dhw_temperature')).toBe(60);
  });
});
