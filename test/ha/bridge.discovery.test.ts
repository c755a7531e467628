// HaBridge against a real Mosquitto and the simulated Navien cloud, read as Home Assistant reads it:
// retained discovery that passes HA's rules (snapshotted), the state JSON every template reads,
// availability, the bridge's own diagnostic device, and HA's birth bringing it all back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { BASE_TOPIC, DISCOVERY_PREFIX, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const DEVICE_DISCOVERY = `${DISCOVERY_PREFIX}/device/nwp500_${SIM_MAC}/config`;
const BRIDGE_DISCOVERY = `${DISCOVERY_PREFIX}/device/nwp500_bridge_a1b2c3d4/config`;
const STATE = `${BASE_TOPIC}/${SIM_MAC}/state`;
const AVAILABILITY = `${BASE_TOPIC}/${SIM_MAC}/availability`;
const DIAGNOSTICS = `${BASE_TOPIC}/bridge/diagnostics`;
const ATTRIBUTES = `${BASE_TOPIC}/bridge/diagnostics/attributes`;
const HA_FILTERS = [`${DISCOVERY_PREFIX}/#`, `${BASE_TOPIC}/#`];

let stack: HaStack;
let observer: Observer;

function lastJson(topic: string): Record<string, unknown> | undefined {
  const payload = observer.last(topic);
  return payload === undefined || payload === ''
    ? undefined
    : (JSON.parse(payload) as Record<string, unknown>);
}

beforeAll(async () => {
  stack = await startHaStack();
  observer = await Observer.connect(stack.mqtt.url, HA_FILTERS);
  // Discovery, a state with energy totals, and the device online: what HA needs to show everything.
  await waitFor(
    () =>
      observer.last(DEVICE_DISCOVERY) !== undefined &&
      typeof lastJson(STATE)?.energy_total === 'number' &&
      observer.last(AVAILABILITY) === 'online',
    'discovery, a state with energy totals and the device online',
    20_000,
  );
});

afterAll(async () => {
  await observer?.close();
  await stack?.close();
});

describe('HaBridge as Home Assistant sees it', () => {
  it('retains discovery HA accepts for the water heater and the bridge, every template reading a key of its state', async () => {
    const retained = await retainedMessages(stack.mqtt.url, HA_FILTERS);
    expect(checkRetainedDiscovery(retained)).toEqual([]);
    expect(retained.get(`${BASE_TOPIC}/bridge/availability`)).toBe('online');
    expect(retained.get(AVAILABILITY)).toBe('online');
    expect(retained.has(DIAGNOSTICS)).toBe(true);
    expect(retained.has(ATTRIBUTES)).toBe(true);
  });

  it('publishes the discovery messages shown in the snapshots', async () => {
    const retained = await retainedMessages(stack.mqtt.url, [`${DISCOVERY_PREFIX}/#`]);
    expect(JSON.parse(retained.get(DEVICE_DISCOVERY) ?? 'null')).toMatchSnapshot('water heater discovery');
    expect(JSON.parse(retained.get(BRIDGE_DISCOVERY) ?? 'null')).toMatchSnapshot('bridge discovery');
  });

  it('reports the device state in the device unit, with the mode and setpoint the simulator holds', () => {
    const state = lastJson(STATE) ?? {};
    expect(state).toMatchObject({
      mode: 'eco',
      target_temperature: 140,
      power: 'ON',
      vacation: 'OFF',
      problem: 'OFF',
    });
    expect(typeof state.dhw_temperature).toBe('number');
    expect(state.error_code).toBe('No error');
  });

  it('keeps the bridge device state current: connected, no drops yet, the verdict and the link attributes', () => {
    expect(lastJson(DIAGNOSTICS)).toMatchObject({
      cloud_connected: 'ON',
      drops_total: 0,
      drops_24h: 0,
      last_drop_error: 'none',
      link_state: 'connected',
      queued_commands: 0,
      health: 'ok',
      health_attributes: { reasons: [] },
    });
    expect(lastJson(ATTRIBUTES)).toMatchObject({
      link_state: 'connected',
      drops_total: 0,
      recent_drops: [],
      config: { keep_alive_secs: 30 },
    });
  });

  it('republishes discovery, state and availability when Home Assistant announces itself', async () => {
    const before = {
      discovery: observer.on(DEVICE_DISCOVERY).length,
      bridge: observer.on(BRIDGE_DISCOVERY).length,
      state: observer.on(STATE).length,
      availability: observer.on(AVAILABILITY).length,
    };
    await observer.client.publishAsync(`${DISCOVERY_PREFIX}/status`, 'online', { qos: 1 });
    await waitFor(
      () =>
        observer.on(DEVICE_DISCOVERY).length > before.discovery &&
        observer.on(BRIDGE_DISCOVERY).length > before.bridge &&
        observer.on(STATE).length > before.state &&
        observer.on(AVAILABILITY).length > before.availability,
      'discovery, state and availability republished after the birth message',
    );
    expect(JSON.parse(observer.last(DEVICE_DISCOVERY) ?? '{}')).toHaveProperty('components.water_heater');
  });

  it('keeps logs free of the MAC and the serial', () => {
    const text = stack.log.text();
    expect(text).not.toContain(SIM_MAC);
    expect(text.toLowerCase()).not.toContain(`nwp500${SIM_MAC.slice(6)}`);
  });
});
