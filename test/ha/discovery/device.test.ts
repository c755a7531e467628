// The device-based discovery message: assembled from built components, validated as one unit.

import { describe, expect, it } from 'vitest';
import { buildBinarySensor } from '../../../src/ha/discovery/binarySensor.js';
import {
  buildDeviceDiscovery,
  type ComponentConfig,
  componentRefs,
  componentRemovalMessage,
  type DeviceDiscoveryInput,
} from '../../../src/ha/discovery/device.js';
import { buildSensor } from '../../../src/ha/discovery/sensor.js';
import { buildSwitch } from '../../../src/ha/discovery/switch.js';
import { buildWaterHeater } from '../../../src/ha/discovery/waterHeater.js';

const ID = '04786332fca0';
const STATE = `nwp500/${ID}/state`;

function input(components?: Record<string, ComponentConfig>): DeviceDiscoveryInput {
  return {
    device: {
      identifiers: [`nwp500_${ID}`],
      name: 'Water Heater',
      manufacturer: 'Navien',
      model: 'NWP500',
      model_id: 'NPF',
      sw_version: '184.5',
      configuration_url: 'homeassistant://hassio/ingress/nwp500_bridge',
      via_device: 'nwp500_bridge',
    },
    origin: { name: 'nwp500-bridge', sw_version: '0.1.0', support_url: 'https://example.org/nwp500-bridge' },
    availability: [{ topic: 'nwp500/bridge/availability' }, { topic: `nwp500/${ID}/availability` }],
    stateTopic: STATE,
    components: components ?? {
      heater: buildWaterHeater({
        unique_id: `nwp500_${ID}_water_heater`,
        name: null,
        modes: ['eco', 'heat_pump'],
        mode_state_topic: STATE,
        mode_state_template: '{{ value_json.mode }}',
        mode_command_topic: `nwp500/${ID}/mode/set`,
      }),
      energy: buildSensor({
        unique_id: `nwp500_${ID}_energy`,
        name: 'Energy',
        value_template: '{{ value_json.energy_kwh }}',
        device_class: 'energy',
        state_class: 'total_increasing',
        unit_of_measurement: 'kWh',
      }),
      heating: buildBinarySensor({
        unique_id: `nwp500_${ID}_heating`,
        name: 'Heating',
        device_class: 'heat',
        value_template: "{{ 'ON' if value_json.heating else 'OFF' }}",
      }),
    },
  };
}

describe('buildDeviceDiscovery', () => {
  it('assembles the device message with availability_mode all and QoS 1', () => {
    const message = buildDeviceDiscovery(input());
    expect(Object.keys(message)).toEqual([
      'device',
      'origin',
      'availability',
      'availability_mode',
      'state_topic',
      'qos',
      'components',
    ]);
    expect(message.availability_mode).toBe('all');
    expect(message.qos).toBe(1);
    expect(message.state_topic).toBe(STATE);
    expect(message.components.energy).toEqual({
      platform: 'sensor',
      unique_id: `nwp500_${ID}_energy`,
      name: 'Energy',
      value_template: '{{ value_json.energy_kwh }}',
      device_class: 'energy',
      state_class: 'total_increasing',
      unit_of_measurement: 'kWh',
    });
    expect(JSON.stringify(message)).not.toContain('object_id');
    expect(componentRefs(message)).toEqual([
      { id: 'heater', platform: 'water_heater' },
      { id: 'energy', platform: 'sensor' },
      { id: 'heating', platform: 'binary_sensor' },
    ]);
  });

  it('refuses two components with the same unique_id', () => {
    const { components } = input();
    const energy = components.energy as ComponentConfig;
    expect(() => buildDeviceDiscovery(input({ ...components, again: { ...energy } }))).toThrow(
      /unique_id "nwp500_04786332fca0_energy" is already used by component "energy"/,
    );
  });

  it('refuses a sensor that has no state_topic of its own or from the device message', () => {
    const base = input();
    const { stateTopic: _omit, ...withoutRoot } = base;
    expect(() => buildDeviceDiscovery(withoutRoot)).toThrow(/sensor needs a state_topic/);
  });

  it('refuses a component that would inherit the JSON state topic without a value_template', () => {
    const base = input();
    const toggle = buildSwitch({ unique_id: `nwp500_${ID}_power`, command_topic: `nwp500/${ID}/power/set` });
    expect(() => buildDeviceDiscovery({ ...base, components: { ...base.components, toggle } })).toThrow(
      /components\.toggle\.value_template: switch would read the device's whole JSON state/,
    );
    const { stateTopic: _omit, ...withoutRoot } = base;
    const energy = buildSensor({ unique_id: `nwp500_${ID}_energy`, state_topic: STATE });
    expect(() => buildDeviceDiscovery({ ...withoutRoot, components: { energy, toggle } })).not.toThrow();
  });

  it('refuses components that skipped their builder (no platform, no unique_id, abbreviations)', () => {
    const broken = { unique_id: 'x' } as unknown as ComponentConfig;
    expect(() => buildDeviceDiscovery(input({ broken }))).toThrow(/components\.broken/);
    const abbreviated = { platform: 'sensor', uniq_id: 'x', stat_t: STATE } as unknown as ComponentConfig;
    expect(() => buildDeviceDiscovery(input({ abbreviated }))).toThrow(/unknown key/);
    expect(() => buildDeviceDiscovery(input({}))).toThrow(/at least one component/);
  });

  it('refuses a device without identifiers, an origin without name and a bad component id', () => {
    const base = input();
    expect(() => buildDeviceDiscovery({ ...base, device: { ...base.device, identifiers: [] } })).toThrow(
      /at least one identifier/,
    );
    expect(() => buildDeviceDiscovery({ ...base, origin: { name: '' } })).toThrow(/origin\.name/);
    const energy = base.components.energy as ComponentConfig;
    expect(() => buildDeviceDiscovery(input({ 'bad id': energy }))).toThrow(/letters, digits/);
  });

  it('builds the first removal step: removed components reduced to their platform', () => {
    const message = buildDeviceDiscovery(input());
    const step = componentRemovalMessage(message, [{ id: 'old_sensor', platform: 'sensor' }]);
    expect(step.components).toEqual({ ...message.components, old_sensor: { platform: 'sensor' } });
    expect(step.device).toEqual(message.device);
    expect(message.components).not.toHaveProperty('old_sensor');
  });
});
