// The binary_sensor builder: a valid heating sensor passes, HA's refusals are rejected.

import { describe, expect, it } from 'vitest';
import { type BinarySensorInput, buildBinarySensor } from '../../../src/ha/discovery/binarySensor.js';

const base = { unique_id: 'nwp500_04786332fca0_comp_use', state_topic: 'nwp500/04786332fca0/state' };

describe('buildBinarySensor', () => {
  it('returns a running binary sensor exactly as given', () => {
    expect(
      buildBinarySensor({
        ...base,
        name: 'Compressor',
        device_class: 'running',
        value_template: "{{ 'ON' if value_json.comp_use else 'OFF' }}",
        enabled_by_default: true,
      }),
    ).toEqual({
      platform: 'binary_sensor',
      unique_id: 'nwp500_04786332fca0_comp_use',
      name: 'Compressor',
      enabled_by_default: true,
      state_topic: 'nwp500/04786332fca0/state',
      value_template: "{{ 'ON' if value_json.comp_use else 'OFF' }}",
      device_class: 'running',
    });
  });

  it('allows the connectivity class with the diagnostic category', () => {
    expect(
      buildBinarySensor({ ...base, device_class: 'connectivity', entity_category: 'diagnostic' }),
    ).toMatchObject({
      entity_category: 'diagnostic',
    });
  });

  it('refuses entity_category config, unknown classes and equal on/off payloads', () => {
    expect(() =>
      buildBinarySensor({ ...base, entity_category: 'config' } as unknown as BinarySensorInput),
    ).toThrow(/entity_category/);
    expect(() => buildBinarySensor({ ...base, device_class: 'hot' } as unknown as BinarySensorInput)).toThrow(
      /device_class/,
    );
    expect(() => buildBinarySensor({ ...base, payload_on: 'X', payload_off: 'X' })).toThrow(/must differ/);
  });
});
