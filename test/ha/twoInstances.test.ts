// Two bridge instances (two NaviLink accounts) on one Mosquitto: each keeps its own complete
// discovery — its own bridge device, unique ids and default entity ids that never collide, even
// with heaters named alike — and one that shares the other's base topic says so in its log.

import { afterAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { DISCOVERY_PREFIX, type HaStack, startHaStack } from '../helpers/stack.js';
import { retainedMessages, waitFor } from './observer.js';

const MAC_A = '04786332fca0';
const MAC_B = '0478633200b1';
const FILTERS = [`${DISCOVERY_PREFIX}/#`, 'nwp500/#', 'nwp500_second/#'];
const SHARED_BASE_WARNING = 'another nwp500-bridge publishes under the same base_topic';

let mqtt: TestBroker;
const stacks: HaStack[] = [];
const sims: Simulator[] = [];

afterAll(async () => {
  for (const stack of stacks.reverse()) await stack.close();
  for (const sim of sims) await sim.close();
  await mqtt?.close();
});

interface Discovery {
  device: { identifiers: string[]; via_device?: string };
  components: Record<string, { unique_id: string; default_entity_id: string }>;
}

/** What is retained on the broker once `ready` holds for it. */
async function retainedWhen(ready: (retained: Map<string, string>) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const retained = await retainedMessages(mqtt.url, FILTERS);
    if (ready(retained)) return retained;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function simulator(mac: string): Promise<Simulator> {
  const sim = await startSimulator({ keepAlive: { minSecs: 1 }, devices: [{ macAddress: mac }] });
  sims.push(sim);
  return sim;
}

const heaterTopic = (mac: string) => `${DISCOVERY_PREFIX}/device/nwp500_${mac}/config`;

describe('two bridge instances on one broker', () => {
  it('keep separate, complete discovery with unique ids; heaters named alike get distinct entity ids', async () => {
    mqtt = await startBroker();
    // Two accounts, each with a heater called "Water Heater".
    const a = await startHaStack({ simulator: await simulator(MAC_A), mqtt, installId: 'aaaa1111' });
    stacks.push(a);
    await retainedWhen((r) => r.has(heaterTopic(MAC_A)), 'the first heater');
    const b = await startHaStack({
      simulator: await simulator(MAC_B),
      mqtt,
      installId: 'bbbb2222',
      baseTopic: 'nwp500_second',
    });
    stacks.push(b);
    const retained = await retainedWhen(
      (r) =>
        r.has(heaterTopic(MAC_B)) &&
        r.get(`nwp500/${MAC_A}/availability`) === 'online' &&
        r.get(`nwp500_second/${MAC_B}/availability`) === 'online',
      'both heaters online',
    );
    // Both bridge devices, each under its own install id; nothing of either overwritten.
    expect(retained.has(`${DISCOVERY_PREFIX}/device/nwp500_bridge_aaaa1111/config`)).toBe(true);
    expect(retained.has(`${DISCOVERY_PREFIX}/device/nwp500_bridge_bbbb2222/config`)).toBe(true);
    expect(retained.get('nwp500/bridge/availability')).toBe('online');
    expect(retained.get('nwp500_second/bridge/availability')).toBe('online');
    const heaterA = JSON.parse(retained.get(heaterTopic(MAC_A)) ?? '{}') as Discovery;
    const heaterB = JSON.parse(retained.get(heaterTopic(MAC_B)) ?? '{}') as Discovery;
    expect(heaterA.device.via_device).toBe('nwp500_bridge_aaaa1111');
    expect(heaterB.device.via_device).toBe('nwp500_bridge_bbbb2222');
    expect(heaterA.components.tank_upper_temperature?.default_entity_id).toBe(
      'sensor.nwp500_water_heater_tank_upper_temperature',
    );
    // The second instance saw the first one's heater on the broker and took the short id.
    expect(heaterB.components.tank_upper_temperature?.default_entity_id).toBe(
      `sensor.nwp500_${MAC_B.slice(-6)}_tank_upper_temperature`,
    );
    // One check over everything retained: unique ids and default entity ids unique across both.
    expect(checkRetainedDiscovery(retained, { baseTopic: ['nwp500', 'nwp500_second'] })).toEqual([]);
    expect(a.log.text()).not.toContain(SHARED_BASE_WARNING);
    expect(b.log.text()).not.toContain(SHARED_BASE_WARNING);
  });

  it('warns, once, when a second instance shares the base topic', async () => {
    const c = await startHaStack({ simulator: await simulator('0478633200c2'), mqtt, installId: 'cccc3333' });
    stacks.push(c);
    await waitFor(() => c.log.text().includes(SHARED_BASE_WARNING), 'the warning', 20_000);
    await waitFor(
      () => stacks[0]?.log.text().includes(SHARED_BASE_WARNING) === true,
      'the first one too',
      20_000,
    );
    expect(c.log.text().split(SHARED_BASE_WARNING)).toHaveLength(2);
  });
});
