// The sensor builder: valid sensors pass exactly as given, and the mistakes HA refuses are rejected.

import { describe, expect, it } from 'vitest';
import { DiscoveryConfigError } from '../../../src/ha/discovery/common.js';
import { buildSensor, type SensorInput } from '../../../src/ha/discovery/sensor.js';

const base = {
  unique_id: 'nwp500_04786332fca0_tank_upper_temperature',
  state_topic: 'nwp500/04786332fca0/state',
};

describe('buildSensor', () => {
  it('returns a temperature sensor exactly as HA expects it', () => {
    expect(
      buildSensor({
        ...base,
        name: 'Tank upper temperature',
        default_entity_id: 'sensor.nwp500_tank_upper_temperature',
        value_template: '{{ value_json.tank_upper_temperature }}',
        device_class: 'temperature',
        state_class: 'measurement',
        unit_of_measurement: '°F',
        suggested_display_precision: 1,
      }),
    ).toEqual({
      platform: 'sensor',
      unique_id: 'nwp500_04786332fca0_tank_upper_temperature',
      name: 'Tank upper temperature',
      default_entity_id: 'sensor.nwp500_tank_upper_temperature',
      state_topic: 'nwp500/04786332fca0/state',
      value_template: '{{ value_json.tank_upper_temperature }}',
      device_class: 'temperature',
      state_class: 'measurement',
      unit_of_measurement: '°F',
      suggested_display_precision: 1,
    });
  });

  it('accepts an Energy-dashboard sensor: energy, total_increasing, kWh', () => {
    const sensor = buildSensor({
      ...base,
      unique_id: 'nwp500_04786332fca0_energy',
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
    });
    expect(sensor.state_class).toBe('total_increasing');
    expect(
      buildSensor({ ...base, device_class: 'energy', state_class: 'total', unit_of_measurement: 'Wh' }),
    ).toBeTruthy();
  });

  it('accepts the other classes the NWP500 needs with their units', () => {
    const ok: SensorInput[] = [
      { ...base, device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W' },
      { ...base, device_class: 'energy_storage', state_class: 'measurement', unit_of_measurement: 'Wh' },
      { ...base, device_class: 'water', state_class: 'total_increasing', unit_of_measurement: 'gal' },
      { ...base, device_class: 'volume_flow_rate', state_class: 'measurement', unit_of_measurement: 'L/min' },
      { ...base, device_class: 'duration', unit_of_measurement: 'd' },
      { ...base, device_class: 'signal_strength', unit_of_measurement: 'dBm', entity_category: 'diagnostic' },
      { ...base, device_class: 'battery', unit_of_measurement: '%' },
      { ...base, device_class: 'enum', options: ['STANDBY', 'HEAT_PUMP_MODE'] },
      { ...base, device_class: 'timestamp' },
      { ...base, state_class: 'measurement', unit_of_measurement: 'RPM' },
    ];
    for (const input of ok) expect(() => buildSensor(input)).not.toThrow();
  });

  it('refuses an energy sensor with state_class measurement (the Energy dashboard cannot use it)', () => {
    expect(() =>
      buildSensor({
        ...base,
        device_class: 'energy',
        state_class: 'measurement',
        unit_of_measurement: 'kWh',
      }),
    ).toThrow(
      /state_class measurement is not allowed for device_class energy; use total or total_increasing/,
    );
  });

  it('refuses a unit the device class does not allow', () => {
    expect(() => buildSensor({ ...base, device_class: 'temperature', unit_of_measurement: 'C' })).toThrow(
      /unit "C" is not allowed for device_class temperature/,
    );
    expect(() => buildSensor({ ...base, device_class: 'water', unit_of_measurement: 'm3' })).toThrow(
      /unit "m3"/,
    );
    expect(() => buildSensor({ ...base, device_class: 'duration', unit_of_measurement: 'days' })).toThrow(
      /"days"/,
    );
    expect(() => buildSensor({ ...base, device_class: 'power' })).toThrow(/needs a unit_of_measurement/);
  });

  it('refuses entity_category config on a sensor', () => {
    expect(() => buildSensor({ ...base, entity_category: 'config' } as unknown as SensorInput)).toThrow(
      /entity_category: sensors and binary sensors allow only entity_category diagnostic/,
    );
  });

  it('refuses a default_entity_id whose domain is not sensor', () => {
    expect(() => buildSensor({ ...base, default_entity_id: 'binary_sensor.nwp500_x' })).toThrow(
      /must be "sensor.<object id>"/,
    );
  });

  it('refuses object_id and abbreviated keys, naming them', () => {
    expect(() => buildSensor({ ...base, object_id: 'nwp500_x' } as unknown as SensorInput)).toThrow(
      /unknown key object_id \(object_id is deprecated: use default_entity_id\)/,
    );
    expect(() => buildSensor({ ...base, stat_t: 'x' } as unknown as SensorInput)).toThrow(
      /unknown key stat_t/,
    );
  });

  it('enforces the enum rules: options required, no unit, no state class', () => {
    expect(() => buildSensor({ ...base, device_class: 'enum' })).toThrow(/device_class enum needs options/);
    expect(() =>
      buildSensor({ ...base, device_class: 'enum', options: ['A'], unit_of_measurement: '%' }),
    ).toThrow(/takes no unit_of_measurement/);
    expect(() =>
      buildSensor({ ...base, device_class: 'enum', options: ['A'], state_class: 'measurement' }),
    ).toThrow(/takes no state_class/);
    expect(() => buildSensor({ ...base, options: ['A'] })).toThrow(
      /options is only allowed with device_class enum/,
    );
  });

  it('refuses last_reset_value_template without state_class total', () => {
    expect(() =>
      buildSensor({
        ...base,
        device_class: 'energy',
        state_class: 'total_increasing',
        unit_of_measurement: 'kWh',
        last_reset_value_template: '{{ value_json.reset }}',
      }),
    ).toThrow(/last_reset_value_template needs state_class total/);
  });

  it('names the entity and the problem in the error', () => {
    try {
      buildSensor({ ...base, device_class: 'temperature', unit_of_measurement: 'C' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DiscoveryConfigError);
      const e = error as DiscoveryConfigError;
      expect(e.name).toBe('NWP500_DISCOVERY_CONFIG_INVALID');
      expect(e.uniqueId).toBe(base.unique_id);
      expect(e.message).toContain(
        'invalid sensor discovery config "nwp500_04786332fca0_tank_upper_temperature"',
      );
    }
  });
});
