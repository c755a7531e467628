// The water_heater builder: the NWP500 heater passes exactly as given, HA's refusals are rejected.

import { describe, expect, it } from 'vitest';
import { buildWaterHeater, type WaterHeaterInput } from '../../../src/ha/discovery/waterHeater.js';

const state = 'nwp500/04786332fca0/state';
const heater: WaterHeaterInput = {
  unique_id: 'nwp500_04786332fca0_water_heater',
  name: null,
  default_entity_id: 'water_heater.nwp500',
  modes: ['off', 'eco', 'heat_pump', 'high_demand', 'electric'],
  mode_state_topic: state,
  mode_state_template: '{{ value_json.mode }}',
  mode_command_topic: 'nwp500/04786332fca0/mode/set',
  temperature_state_topic: state,
  temperature_state_template: '{{ value_json.target_temperature }}',
  temperature_command_topic: 'nwp500/04786332fca0/target_temperature/set',
  current_temperature_topic: state,
  current_temperature_template: '{{ value_json.dhw_temperature }}',
  power_command_topic: 'nwp500/04786332fca0/power/set',
  min_temp: 80,
  max_temp: 150,
  precision: 1.0,
  temperature_unit: 'F',
};

describe('buildWaterHeater', () => {
  it('returns the NWP500 heater exactly as given, with the platform in front', () => {
    expect(buildWaterHeater(heater)).toEqual({ platform: 'water_heater', ...heater });
    expect(Object.keys(buildWaterHeater(heater))[0]).toBe('platform');
  });

  it('refuses a mode HA does not know', () => {
    expect(() =>
      buildWaterHeater({ ...heater, modes: ['eco', 'vacation'] } as unknown as WaterHeaterInput),
    ).toThrow(/modes\.1/);
    expect(() => buildWaterHeater({ ...heater, modes: [] })).toThrow(/at least one mode/);
    expect(() => buildWaterHeater({ ...heater, modes: ['eco', 'eco'] })).toThrow(/must not repeat/);
  });

  it('refuses a precision other than 0.1, 0.5 or 1.0 and a unit other than C or F', () => {
    expect(() => buildWaterHeater({ ...heater, precision: 0.25 } as unknown as WaterHeaterInput)).toThrow(
      /precision/,
    );
    expect(() =>
      buildWaterHeater({ ...heater, temperature_unit: '°F' } as unknown as WaterHeaterInput),
    ).toThrow(/temperature_unit/);
  });

  it('refuses a template without its topic, a reversed range and a range without unit', () => {
    const { mode_state_topic: _omit, ...noModeTopic } = heater;
    expect(() => buildWaterHeater(noModeTopic)).toThrow(/mode_state_template needs mode_state_topic/);
    expect(() => buildWaterHeater({ ...heater, min_temp: 150, max_temp: 80 })).toThrow(
      /must be below max_temp/,
    );
    const { temperature_unit: _unit, ...noUnit } = heater;
    expect(() => buildWaterHeater(noUnit)).toThrow(/temperature_unit is required/);
  });

  it('refuses a default_entity_id in another domain (deprecated by HA)', () => {
    expect(() => buildWaterHeater({ ...heater, default_entity_id: 'climate.nwp500' })).toThrow(
      /must be "water_heater.<object id>"/,
    );
  });
});
