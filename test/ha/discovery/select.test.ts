// The select builder: a valid select passes, HA's refusals are rejected.

import { describe, expect, it } from 'vitest';
import { buildSelect } from '../../../src/ha/discovery/select.js';

const base = {
  unique_id: 'nwp500_bridge_log_level',
  command_topic: 'nwp500/bridge/log_level/set',
  state_topic: 'nwp500/bridge/diagnostics',
};

describe('buildSelect', () => {
  it('returns a log-level select exactly as given', () => {
    expect(
      buildSelect({
        ...base,
        name: 'Log level',
        entity_category: 'config',
        options: ['info', 'debug'],
        value_template: '{{ value_json.log_level }}',
      }),
    ).toEqual({
      platform: 'select',
      unique_id: 'nwp500_bridge_log_level',
      name: 'Log level',
      entity_category: 'config',
      command_topic: 'nwp500/bridge/log_level/set',
      options: ['info', 'debug'],
      state_topic: 'nwp500/bridge/diagnostics',
      value_template: '{{ value_json.log_level }}',
    });
  });

  it('refuses empty and repeated options', () => {
    expect(() => buildSelect({ ...base, options: [] })).toThrow(/at least one option/);
    expect(() => buildSelect({ ...base, options: ['a', 'a'] })).toThrow(/must not repeat/);
  });
});
