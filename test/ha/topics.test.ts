// The topic contract (docs/ARCHITECTURE.md): builders, device-id validation, the command parser and filter matching.

import { describe, expect, it } from 'vitest';
import { isDeviceId, parseCommandTopic, topicMatches, topics } from '../../src/ha/topics.js';

const ID = '04786332fca0';

describe('topics', () => {
  it('builds every topic of the contract from the base topic and discovery prefix', () => {
    const t = topics('nwp500', 'homeassistant', 'a1b2c3d4');
    expect(t.bridgeAvailability).toBe('nwp500/bridge/availability');
    expect(t.bridgeDiagnostics).toBe('nwp500/bridge/diagnostics');
    expect(t.deviceAvailability(ID)).toBe('nwp500/04786332fca0/availability');
    expect(t.deviceState(ID)).toBe('nwp500/04786332fca0/state');
    expect(t.deviceAttributes(ID)).toBe('nwp500/04786332fca0/attributes');
    expect(t.command(ID, 'target_temp')).toBe('nwp500/04786332fca0/target_temp/set');
    expect(t.commandFilter).toBe('nwp500/+/+/set');
    expect(t.deviceDiscovery(ID)).toBe('homeassistant/device/nwp500_04786332fca0/config');
    // The per-install id keeps two add-on instances (two accounts) apart on one broker.
    expect(t.bridgeDeviceId).toBe('nwp500_bridge_a1b2c3d4');
    expect(t.bridgeDiscovery).toBe('homeassistant/device/nwp500_bridge_a1b2c3d4/config');
    expect(t.legacyBridgeDiscovery).toBe('homeassistant/device/nwp500_bridge/config');
    expect(t.bridgeCommand('log_level')).toBe('nwp500/bridge/log_level/set');
    expect(t.parseBridgeCommandTopic('nwp500/bridge/log_level/set')).toBe('log_level');
    expect(t.parseBridgeCommandTopic('nwp500/bridge/Log-Level/set')).toBeUndefined();
    expect(t.parseBridgeCommandTopic('nwp500/04786332fca0/power/set')).toBeUndefined();
    expect(t.parseCommandTopic('nwp500/bridge/log_level/set')).toBeUndefined();
    expect(() => topics('nwp500', 'homeassistant', 'A1/B2')).toThrow(/not an install id/);
    expect(t.homeAssistantStatus).toBe('homeassistant/status');
  });

  it('accepts a multi-level base topic', () => {
    const t = topics('home/water', 'ha', 'a1b2c3d4');
    expect(t.deviceState(ID)).toBe('home/water/04786332fca0/state');
    expect(t.parseCommandTopic('home/water/04786332fca0/mode/set')).toEqual({ deviceId: ID, key: 'mode' });
  });

  it('refuses device ids that are not 12 lowercase hex digits', () => {
    const t = topics('nwp500', 'homeassistant', 'a1b2c3d4');
    for (const bad of ['04:78:63:32:fc:a0', '04786332FCA0', '04786332fca', '04786332fca0a', 'bridge', '']) {
      expect(isDeviceId(bad)).toBe(false);
      expect(() => t.deviceState(bad)).toThrow(/not a device id/);
      expect(() => t.deviceAttributes(bad)).toThrow(/not a device id/);
    }
    expect(() => t.command(ID, 'Target-Temp')).toThrow(/not an entity key/);
  });

  it('refuses base topics and prefixes with wildcards or stray slashes', () => {
    expect(() => topics('nwp500/#', 'homeassistant', 'a1b2c3d4')).toThrow(/base_topic/);
    expect(() => topics('nwp500', '/homeassistant', 'a1b2c3d4')).toThrow(/discovery_prefix/);
    expect(() => topics('', 'homeassistant', 'a1b2c3d4')).toThrow(/base_topic/);
  });

  it('parses well-formed command topics and nothing else', () => {
    expect(parseCommandTopic('nwp500', 'nwp500/04786332fca0/power/set')).toEqual({
      deviceId: ID,
      key: 'power',
    });
    for (const bad of [
      'nwp500/04786332fca0/power',
      'nwp500/04786332fca0/power/get',
      'nwp500/04786332fca0/power/set/extra',
      'nwp500/bridge/restart/set',
      'nwp500/04786332FCA0/power/set',
      'other/04786332fca0/power/set',
      'nwp5000/04786332fca0/power/set',
      'nwp500/04786332fca0/Power/set',
      'nwp500/04786332fca0//set',
    ]) {
      expect(parseCommandTopic('nwp500', bad)).toBeUndefined();
    }
  });

  it('matches MQTT filters with + and # like a broker does', () => {
    expect(topicMatches('nwp500/+/+/set', 'nwp500/04786332fca0/mode/set')).toBe(true);
    expect(topicMatches('nwp500/+/+/set', 'nwp500/04786332fca0/mode')).toBe(false);
    expect(topicMatches('nwp500/+/+/set', 'nwp500/04786332fca0/mode/set/x')).toBe(false);
    expect(topicMatches('nwp500/#', 'nwp500')).toBe(true);
    expect(topicMatches('nwp500/#', 'nwp500/a/b/c')).toBe(true);
    expect(topicMatches('homeassistant/status', 'homeassistant/status')).toBe(true);
    expect(topicMatches('homeassistant/status', 'homeassistant/statu')).toBe(false);
    expect(topicMatches('#', '$SYS/broker/uptime')).toBe(false);
    expect(topicMatches('+/+', 'a/b')).toBe(true);
    expect(topicMatches('+', 'a/b')).toBe(false);
  });
});
