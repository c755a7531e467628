// The switch builder: a valid power switch passes, HA's refusals are rejected.

import { describe, expect, it } from 'vitest';
import { buildSwitch, type SwitchInput } from '../../../src/ha/discovery/switch.js';

const base = {
  unique_id: 'nwp500_04786332fca0_power',
  command_topic: 'nwp500/04786332fca0/power/set',
  state_topic: 'nwp500/04786332fca0/state',
};

describe('buildSwitch', () => {
  it('returns a power switch exactly as given', () => {
    expect(
      buildSwitch({ ...base, name: 'Power', icon: 'mdi:power', value_template: '{{ value_json.power }}' }),
    ).toEqual({
      platform: 'switch',
      unique_id: 'nwp500_04786332fca0_power',
      name: 'Power',
      icon: 'mdi:power',
      command_topic: 'nwp500/04786332fca0/power/set',
      state_topic: 'nwp500/04786332fca0/state',
      value_template: '{{ value_json.power }}',
    });
  });

  it('allows the config category on a switch', () => {
    expect(buildSwitch({ ...base, entity_category: 'config' }).entity_category).toBe('config');
  });

  it('refuses a switch without command_topic, with a bad class, icon or equal states', () => {
    const { command_topic: _omit, ...noCommand } = base;
    expect(() => buildSwitch(noCommand as unknown as SwitchInput)).toThrow(/command_topic/);
    expect(() => buildSwitch({ ...base, device_class: 'light' } as unknown as SwitchInput)).toThrow(
      /device_class/,
    );
    expect(() => buildSwitch({ ...base, icon: 'power' })).toThrow(/mdi icon/);
    expect(() => buildSwitch({ ...base, state_on: 'on', state_off: 'on' })).toThrow(/must differ/);
    expect(() => buildSwitch({ ...base, command_topic: 'nwp500/+/power/set' })).toThrow(/without wildcards/);
  });
});
