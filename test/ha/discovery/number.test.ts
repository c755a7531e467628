// The number builder: a valid setpoint passes, HA's refusals are rejected.

import { describe, expect, it } from 'vitest';
import { buildNumber, type NumberInput } from '../../../src/ha/discovery/number.js';

const base = {
  unique_id: 'nwp500_04786332fca0_target_temperature',
  command_topic: 'nwp500/04786332fca0/target_temperature/set',
  state_topic: 'nwp500/04786332fca0/state',
};

describe('buildNumber', () => {
  it('returns a temperature setpoint exactly as given', () => {
    expect(
      buildNumber({
        ...base,
        name: 'Target temperature',
        min: 80,
        max: 150,
        step: 1,
        mode: 'box',
        device_class: 'temperature',
        unit_of_measurement: '°F',
        value_template: '{{ value_json.target_temperature }}',
      }),
    ).toEqual({
      platform: 'number',
      unique_id: 'nwp500_04786332fca0_target_temperature',
      name: 'Target temperature',
      command_topic: 'nwp500/04786332fca0/target_temperature/set',
      state_topic: 'nwp500/04786332fca0/state',
      value_template: '{{ value_json.target_temperature }}',
      min: 80,
      max: 150,
      step: 1,
      mode: 'box',
      device_class: 'temperature',
      unit_of_measurement: '°F',
    });
  });

  it('accepts a plain day counter without a device class', () => {
    expect(buildNumber({ ...base, min: 0, max: 99, unit_of_measurement: 'd' }).max).toBe(99);
  });

  it('refuses min ≥ max, a zero step, an unknown mode and a wrong unit for the class', () => {
    expect(() => buildNumber({ ...base, min: 150, max: 80 })).toThrow(/min \(150\) must be below max \(80\)/);
    // HA's default max is 100.
    expect(() => buildNumber({ ...base, min: 120 })).toThrow(/must be below max \(100\)/);
    expect(() => buildNumber({ ...base, step: 0 })).toThrow(/at least 0.001/);
    expect(() => buildNumber({ ...base, mode: 'dial' } as unknown as NumberInput)).toThrow(/mode/);
    expect(() => buildNumber({ ...base, device_class: 'temperature', unit_of_measurement: 'F' })).toThrow(
      /unit "F"/,
    );
  });
});
