// Commands through overlapping faults, end to end on real parts (HA commands over a real
// Mosquitto, aws-crt to the simulated cloud, the simulator's fault API): the sequences
// that used to wedge the queue or apply an older command after a newer one.

import { afterEach, describe, expect, it } from 'vitest';
import { temperatureToHalfRaw } from '../../src/device/units.js';
import { unaccounted } from '../../src/navien/commandLedger.js';
import type { ReceivedCommand } from '../../src/sim/index.js';
import { BASE_TOPIC, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, waitFor } from './observer.js';

const GARAGE_MAC = 'aabbccddeeff';
/** Control codes are 0x02000000 and up; requests (status, feature, energy) are below. */
const FIRST_CONTROL_CODE = 0x2000000;

let stack: HaStack | undefined;
let observer: Observer | undefined;
afterEach(async () => {
  await observer?.close();
  await stack?.close();
  observer = undefined;
  stack = undefined;
});

function controls(s: HaStack, mac: string): ReceivedCommand[] {
  return (s.sim.device(mac)?.receivedCommands() ?? []).filter((c) => c.command >= FIRST_CONTROL_CODE);
}

async function simFault(s: HaStack, path: string): Promise<void> {
  const response = await fetch(`${s.sim.controlUrl}/faults/${path}`, { method: 'POST' });
  expect(response.status).toBe(200);
}

async function haCommand(mac: string, key: string, payload: string): Promise<void> {
  await observer?.client.publishAsync(`${BASE_TOPIC}/${mac}/${key}/set`, payload, { qos: 1 });
}

async function twoHeaters(options: Parameters<typeof startHaStack>[0] = {}): Promise<HaStack> {
  const s = await startHaStack({
    sim: {
      keepAlive: { minSecs: 1 },
      devices: [{}, { macAddress: GARAGE_MAC, deviceName: 'Garage' }],
    },
    ...options,
  });
  observer = await Observer.connect(s.mqtt.url, [`${BASE_TOPIC}/#`]);
  await waitFor(
    () =>
      [SIM_MAC, GARAGE_MAC].every((mac) => observer?.last(`${BASE_TOPIC}/${mac}/availability`) === 'online'),
    'both heaters online',
    20_000,
  );
  return s;
}

describe('commands through compound faults', () => {
  it('blackhole, a command, reset, lift: that command and later ones for both heaters arrive, depth back to 0 (issue case 1)', async () => {
    stack = await twoHeaters();
    const s = stack;
    await simFault(s, 'blackhole?on=1');
    await haCommand(SIM_MAC, 'mode', 'heat_pump');
    await waitFor(() => s.queue.size === 1, 'the command accepted');
    await new Promise((r) => setTimeout(r, 500));
    await simFault(s, 'reset');
    await simFault(s, 'blackhole?on=0');
    await waitFor(
      () => controls(s, SIM_MAC).some((c) => c.name === 'dhwMode' && c.param?.[0] === 1),
      'the command sent into the blackhole reaches the heater',
      30_000,
    );
    await waitFor(() => s.link.isConnected(), 'the link back');
    // Later commands, for either heater, go through too.
    await haCommand(SIM_MAC, 'mode', 'electric');
    await haCommand(GARAGE_MAC, 'mode', 'high_demand');
    await waitFor(
      () =>
        controls(s, SIM_MAC).some((c) => c.name === 'dhwMode' && c.param?.[0] === 2) &&
        controls(s, GARAGE_MAC).some((c) => c.name === 'dhwMode' && c.param?.[0] === 4),
      'a later command for each heater reaches it',
      20_000,
    );
    await waitFor(() => s.queue.size === 0, 'the queue empties', 20_000);
    const accounting = s.queue.accounting();
    expect(accounting).toMatchObject({ accepted: 3, delivered: 3, in_queue: 0 });
    expect(unaccounted(accounting)).toBe(0);
    // The heaters end in what was asked last.
    await waitFor(
      () =>
        s.sim.device(SIM_MAC)?.status().dhwOperationSetting === 2 &&
        s.sim.device(GARAGE_MAC)?.status().dhwOperationSetting === 4,
      'the final modes',
    );
  }, 90_000);

  it('never applies an older command that timed out after a newer one: the heater ends at the last (issue case 2)', async () => {
    // A short aws-crt operation timeout makes a PUBACK lost in a blackhole fail after about 2 s,
    // and one publish a second spaces the sends. 120 °F goes into the blackhole; 130 °F follows
    // at once and the blackhole lifts before a second has passed. The old queue sent 130 a second
    // after 120 (both in flight), so 130 was acknowledged while 120 timed out, was kept, and was
    // sent once more later: the heater ended at 120 °F.
    stack = await twoHeaters({
      link: { operationTimeoutMs: 2_000, flushRatePerSecond: 1 },
      queue: { publishTimeoutMs: 3_000 },
    });
    const s = stack;
    const setpoints = () =>
      controls(s, SIM_MAC)
        .filter((c) => c.name === 'dhwTemperature')
        .map((c) => c.param?.[0]);
    await simFault(s, 'blackhole?on=1');
    await haCommand(SIM_MAC, 'target_temperature', '120');
    await waitFor(() => s.queue.size === 1, 'the first command accepted');
    const firstAt = Date.now();
    await new Promise((r) => setTimeout(r, 200));
    await haCommand(SIM_MAC, 'target_temperature', '130');
    await waitFor(
      () => s.log.text().includes('"command":"dhw_temperature 130 F"'),
      'the second command accepted',
    );
    await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - firstAt))));
    await simFault(s, 'blackhole?on=0');
    await waitFor(() => s.log.text().includes('not acknowledged'), 'the first send failed', 10_000);
    // Anything that makes the bridge send again (here a command for the other heater).
    await new Promise((r) => setTimeout(r, 3_000));
    await haCommand(GARAGE_MAC, 'tou', 'ON');
    await waitFor(() => s.queue.size === 0, 'the queue empties', 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // Whatever was sent again, 130 °F came last and 120 °F never after it.
    const older = temperatureToHalfRaw(120, 'F');
    const newer = temperatureToHalfRaw(130, 'F');
    const seen = setpoints();
    expect(seen.at(-1)).toBe(newer);
    expect(seen.slice(seen.indexOf(newer))).not.toContain(older);
    expect(s.sim.device(SIM_MAC)?.status().dhwTemperatureSetting).toBe(newer);
    expect(unaccounted(s.queue.accounting())).toBe(0);
  }, 90_000);

  it('counts what HA sent that was refused or retained, outside the invariant', async () => {
    stack = await twoHeaters();
    const s = stack;
    await haCommand(SIM_MAC, 'target_temperature', 'hot');
    await haCommand(SIM_MAC, 'no_such_key', 'ON');
    await observer?.client.publishAsync(`${BASE_TOPIC}/${SIM_MAC}/power/set`, 'OFF', {
      qos: 1,
      retain: true,
    });
    // A retained command is run once when it is first published (MQTT delivers it live), then
    // ignored when it comes back from the broker: reconnecting the bridge's broker client shows it.
    await waitFor(() => s.queue.accounting().refused === 2, 'two refusals counted');
    await waitFor(() => s.queue.accounting().accepted === 1, 'the live power command accepted');
    s.broker.republishRetained();
    await s.bridge.stop();
    await s.bridge.start();
    await waitFor(
      () => s.queue.accounting().ignored_retained >= 1,
      'the retained command ignored and counted',
      15_000,
    );
    expect(unaccounted(s.queue.accounting())).toBe(0);
  }, 60_000);
});
