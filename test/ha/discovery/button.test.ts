// The button builder: a valid restart button passes, HA's refusals are rejected.

import { describe, expect, it } from 'vitest';
import { type ButtonInput, buildButton } from '../../../src/ha/discovery/button.js';

const base = { unique_id: 'nwp500_bridge_restart', command_topic: 'nwp500/bridge/restart/set' };

describe('buildButton', () => {
  it('returns a restart button exactly as given (an empty press payload is allowed)', () => {
    expect(
      buildButton({
        ...base,
        name: 'Restart',
        device_class: 'restart',
        entity_category: 'config',
        payload_press: '',
      }),
    ).toEqual({
      platform: 'button',
      unique_id: 'nwp500_bridge_restart',
      name: 'Restart',
      entity_category: 'config',
      command_topic: 'nwp500/bridge/restart/set',
      payload_press: '',
      device_class: 'restart',
    });
  });

  it('refuses an identify button outside the diagnostic category, and a button without command_topic', () => {
    expect(() => buildButton({ ...base, device_class: 'identify' })).toThrow(
      /identify must have entity_category diagnostic/,
    );
    expect(
      buildButton({ ...base, device_class: 'identify', entity_category: 'diagnostic' }).device_class,
    ).toBe('identify');
    expect(() => buildButton({ unique_id: 'x' } as unknown as ButtonInput)).toThrow(/command_topic/);
  });
});
