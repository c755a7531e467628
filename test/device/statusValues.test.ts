// Decoded values are held by position; these pin the key ↔ position mapping readers resolve once,
// and that a reader with a key no field has fails when it is made, not by reading null forever.

import { describe, expect, it } from 'vitest';
import { decodeStatus } from '../../src/device/status.js';
import { STATUS_FIELDS, USABLE_ENERGY_KEY } from '../../src/device/statusFields.js';
import { STATUS_POSITIONS, statusPosition, USABLE_ENERGY_POSITION } from '../../src/device/statusValues.js';
import { enumNameOf, numberOf, statusReader } from '../../src/ha/snapshot.js';
import { simSnapshot } from '../ha/fixtures.js';

describe('StatusValues', () => {
  it('gives every field of the table its own position, and the usable energy the one after them', () => {
    const positions = STATUS_FIELDS.map((field) => statusPosition(field.key));
    expect(positions).toEqual(STATUS_FIELDS.map((_, i) => i));
    expect(statusPosition(USABLE_ENERGY_KEY)).toBe(USABLE_ENERGY_POSITION);
    expect(STATUS_POSITIONS).toBe(STATUS_FIELDS.length + 1);
  });

  it('reads the same value by key and by position, and absent fields as undefined', () => {
    const status = decodeStatus({ dhwTemperature: 120, dhwOperationSetting: 3 });
    const position = statusPosition('dhw_temperature');
    // Half-degree Celsius on the wire, °F by default: 120 → 60 °C → 140 °F.
    expect(status.values.at(position)).toBe(140);
    expect(status.values.get('dhw_temperature')).toBe(140);
    expect(status.values.get('tank_upper_temperature')).toBeUndefined();
    expect(status.values.has('tank_upper_temperature')).toBe(false);
    expect(status.values.get('no_such_key')).toBeUndefined();
  });

  it('names enum values on demand and nothing else', () => {
    const status = decodeStatus({ dhwOperationSetting: 3, dhwTemperature: 120, errorCode: 31_337 });
    expect(status.values.name('dhw_operation_setting')).toBe('ENERGY_SAVER');
    expect(status.values.name('error_code')).toBeNull();
    expect(status.values.name('dhw_temperature')).toBeUndefined();
    expect(status.values.name('operation_mode')).toBeUndefined();
  });

  it('lists the present values in table order, the derived usable energy last', () => {
    const status = decodeStatus({
      availableEnergyCapacity: 400,
      dhwTemperature: 120,
      totalEnergyCapacity: 2500,
    });
    const keys = Object.keys(status.values.toRecord());
    const tableOrder = STATUS_FIELDS.map((f) => f.key).filter((key) => keys.includes(key));
    expect(keys).toEqual([...tableOrder, USABLE_ENERGY_KEY]);
  });

  it('refuses a reader for a key no status field has, when the reader is made', () => {
    expect(() => statusPosition('dhw_temprature')).toThrow(/no field has the key "dhw_temprature"/);
    expect(() => statusReader('dhw_temprature')).toThrow(/dhw_temprature/);
    expect(() => numberOf('dhw_temprature')).toThrow(/dhw_temprature/);
    expect(() => enumNameOf('dhw_operation_settings')).toThrow(/dhw_operation_settings/);
  });

  it('readers made from a key read what the snapshot holds, null when absent', () => {
    const s = simSnapshot({ status: { dhwTemperature: 100 } });
    expect(statusReader('dhw_temperature')(s)).toBe(122);
    expect(enumNameOf('dhw_operation_setting')(s)).toBe(s.status?.values.name('dhw_operation_setting'));
    expect(enumNameOf('dhw_operation_setting')(s)).toMatch(/^[A-Z_]+$/);
    expect(statusReader('dhw_temperature')({ ...s, status: null })).toBeNull();
  });
});
