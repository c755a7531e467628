// The new controls end to end, on a heater with a recirculation module: the recirculation-mode
// select and the hot button, the freeze-protection number, the firmware update entity and the TOU
// plan read from the cloud's REST API, and the bridge device's controls (reconnect, export, log
// level). Each HA-style command reaches the simulator as the library's encoding and comes back in
// the retained state; bad ones are refused, counted, and send nothing.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedCommand } from '../../src/sim/index.js';
import { checkRetainedDiscovery } from '../helpers/haRules.js';
import { BASE_TOPIC, DISCOVERY_PREFIX, type HaStack, SIM_MAC, startHaStack } from '../helpers/stack.js';
import { Observer, retainedMessages, waitFor } from './observer.js';

const STATE = `${BASE_TOPIC}/${SIM_MAC}/state`;
const ATTRIBUTES = `${BASE_TOPIC}/${SIM_MAC}/attributes`;
const DIAGNOSTICS = `${BASE_TOPIC}/bridge/diagnostics`;
const DISCOVERY = `${DISCOVERY_PREFIX}/device/nwp500_${SIM_MAC}/config`;
const FIRST_CONTROL_CODE = 0x2000000;

let stack: HaStack;
let observer: Observer;

function controls(): ReceivedCommand[] {
  return (stack.sim.device(SIM_MAC)?.receivedCommands() ?? []).filter((c) => c.command >= FIRST_CONTROL_CODE);
}

function state(): Record<string, unknown> {
  return JSON.parse(observer.last(STATE) ?? '{}') as Record<string, unknown>;
}

/** The heater's attributes topic, by entity key. */
function attributesByKey(): Record<string, unknown> {
  return JSON.parse(observer.last(ATTRIBUTES) ?? '{}') as Record<string, unknown>;
}

function bridgeState(): Record<string, unknown> {
  return JSON.parse(observer.last(DIAGNOSTICS) ?? '{}') as Record<string, unknown>;
}

function refusals(): Record<string, number> {
  return stack.collector.getCounters().commands_refused_by_reason;
}

async function command(key: string, payload: string): Promise<void> {
  await observer.client.publishAsync(`${BASE_TOPIC}/${SIM_MAC}/${key}/set`, payload, { qos: 1 });
}

async function bridgeCommand(key: string, payload: string): Promise<void> {
  await observer.client.publishAsync(`${BASE_TOPIC}/bridge/${key}/set`, payload, { qos: 1 });
}

async function expectDeviceGets(key: string, payload: string, expected: { name: string; param: number[] }) {
  const before = controls().length;
  await command(key, payload);
  await waitFor(() => controls().length > before, `${key}=${payload} to reach the device`);
  expect(
    controls()
      .slice(before)
      .map((c) => ({ name: c.name, param: [...(c.param ?? [])] })),
  ).toEqual([expected]);
}

beforeAll(async () => {
  stack = await startHaStack({
    sim: { devices: [{ feature: { recirculationUse: 2 } }] },
    statusIntervalMs: 5_000,
  });
  observer = await Observer.connect(stack.mqtt.url, [`${BASE_TOPIC}/#`, `${DISCOVERY_PREFIX}/#`]);
  await waitFor(
    () =>
      state().recirculation_mode === 'Button' &&
      typeof (state().firmware as { installed_version?: unknown } | undefined)?.installed_version ===
        'string' &&
      typeof state().tou_schedule === 'number',
    'the first state with the recirculation mode, the firmware and the TOU plan',
    20_000,
  );
});

afterAll(async () => {
  await observer?.close();
  await stack?.close();
});

describe('recirculation', () => {
  it('offers the mode in words and the hot button, and passes the HA rules', async () => {
    const discovery = JSON.parse(observer.last(DISCOVERY) ?? '{}') as {
      components: Record<string, Record<string, unknown>>;
    };
    expect(discovery.components.recirculation_mode).toMatchObject({
      platform: 'select',
      options: ['Always', 'Button', 'Schedule', 'Temperature'],
      command_topic: `${BASE_TOPIC}/${SIM_MAC}/recirculation_mode/set`,
    });
    expect(discovery.components.recirculation_hot_button).toMatchObject({
      platform: 'button',
      name: 'Start recirculation',
    });
    // Its mode is the select, not a second entity with the same name.
    expect(discovery.components.recirculation_operation_mode).toBeUndefined();
    expect(
      checkRetainedDiscovery(
        await retainedMessages(stack.mqtt.url, [`${DISCOVERY_PREFIX}/#`, `${BASE_TOPIC}/#`]),
      ),
    ).toEqual([]);
  });

  it('sets the mode with RECIR_MODE [1–4] and shows it once the heater confirms', async () => {
    await expectDeviceGets('recirculation_mode', 'Schedule', { name: 'recircMode', param: [3] });
    await waitFor(() => state().recirculation_mode === 'Schedule', 'the schedule mode confirmed');
    await expectDeviceGets('recirculation_mode', 'Always', { name: 'recircMode', param: [1] });
    await waitFor(() => state().recirculation_mode === 'Always', 'always confirmed');
    expect(attributesByKey().recirculation_mode).toEqual({ value: 1 });
  });

  it('presses the hot button with RECIR_HOT_BTN [1]: the pump runs', async () => {
    await expectDeviceGets('recirculation_hot_button', 'PRESS', { name: 'recircHotButton', param: [1] });
    await waitFor(
      () =>
        state().recirculation_operation_busy === 'ON' && state().recirculation_pump_operation_status === 'ON',
      'the recirculation pump running',
    );
  });
});

describe('freeze protection', () => {
  it('sets the temperature with FREZ_TEMP in half-degrees Celsius within the heater range', async () => {
    // 45 °F is 7.2 °C: raw 14 (45.2 °F), which reads back as 45 °F.
    await expectDeviceGets('freeze_protection_setpoint', '45', {
      name: 'freezeProtectionTemperature',
      param: [14],
    });
    await waitFor(() => state().freeze_protection_setpoint === 45, 'the new freeze-protection temperature');
    await expectDeviceGets('freeze_protection_setpoint', '43', {
      name: 'freezeProtectionTemperature',
      param: [12],
    });
    await waitFor(() => state().freeze_protection_setpoint === 43, 'the minimum');
  });
});

describe('firmware and TOU plan from the cloud', () => {
  it('shows the installed firmware readably, the raw versions as attributes, and no update pending', () => {
    expect(state().firmware).toEqual({
      installed_version: 'controller 11.1.0.0, panel 11.1.0.0, Wi-Fi 2.7.0.0',
      latest_version: 'controller 11.1.0.0, panel 11.1.0.0, Wi-Fi 2.7.0.0',
      title: 'NWP500 firmware',
    });
    expect(attributesByKey().firmware).toMatchObject({
      source: 'cloud',
      parts: [
        { part: 'controller', code: 1, installed: '11.1.0.0', installed_raw: 184614912, downloaded: null },
        { part: 'panel', code: 2, installed: '11.1.0.0', installed_raw: 184614912, downloaded: null },
        { part: 'Wi-Fi', code: 4, installed: '2.7.0.0', installed_raw: 34013184, downloaded: null },
      ],
    });
  });

  it('shows the registered TOU plan in the sensor attributes, without the ZIP code', () => {
    expect(state().tou_schedule).toBe(2);
    const attributes = attributesByKey().tou_schedule as Record<string, unknown>;
    expect(attributes).toMatchObject({
      utility: 'Example Power & Light',
      plan: 'Residential TOU-D',
      periods: [
        {
          months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
          days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
          start: '00:00',
          end: '15:59',
          price_min: 0.28,
          price_max: 0.28,
        },
        { start: '16:00', end: '20:59', price_min: 0.49, price_max: 0.49 },
      ],
    });
    expect(JSON.stringify(attributes)).not.toContain('95110');
    expect(observer.last(STATE)).not.toContain(stack.sim.device(SIM_MAC)?.controllerSerialNumber ?? 'x');
  });
});

describe('the bridge device controls', () => {
  it('reconnects the cloud link on the button, as our own act (not a drop)', async () => {
    const drops = stack.collector.getMetrics().total_connection_drops;
    const connections = stack.sim.counters().connectionsAccepted;
    await bridgeCommand('reconnect_cloud', 'PRESS');
    await waitFor(() => stack.controlLog.reconnects.length === 1, 'the reconnect asked');
    await waitFor(
      () => stack.sim.counters().connectionsAccepted > connections && stack.link.isConnected(),
      'a new cloud connection',
      15_000,
    );
    expect(stack.collector.getMetrics().total_connection_drops).toBe(drops);
  });

  it('writes the diagnostics report on the button', async () => {
    await bridgeCommand('export_diagnostics', 'PRESS');
    await waitFor(() => stack.controlLog.exports.length === 1, 'the report written');
    const path = stack.controlLog.exports[0] ?? '';
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty('metrics');
    await waitFor(() => stack.log.text().includes('wrote the diagnostics report'), 'the log line');
  });

  it('changes the log level at once, for the loggers of every module, and shows it on the select', async () => {
    expect(bridgeState().log_level).toBe('debug');
    const child = stack.log.logger.child({ module: 'some/module' });
    await bridgeCommand('log_level', 'warn');
    await waitFor(() => bridgeState().log_level === 'warn', 'the select showing warn');
    const before = stack.log.lines.length;
    child.info('an info line nobody should see now');
    stack.log.logger.child({ module: 'made/after' }).info('nor this one');
    child.warn('a warning still shows');
    expect(stack.log.lines.slice(before).join('')).not.toContain('nobody should see');
    expect(stack.log.lines.slice(before).join('')).not.toContain('nor this one');
    expect(stack.log.lines.slice(before).join('')).toContain('a warning still shows');
    await bridgeCommand('log_level', 'debug');
    await waitFor(() => bridgeState().log_level === 'debug', 'back to debug');
    child.debug('debug again');
    expect(stack.log.text()).toContain('debug again');
  });
});

describe('bad commands for the new controls', () => {
  it('refuses them with a log line and a counter, sending nothing', async () => {
    const before = controls().length;
    const counted = { ...refusals() };
    await command('recirculation_mode', 'Turbo');
    await command('recirculation_mode', 'ALWAYS');
    await command('recirculation_hot_button', 'ON');
    await command('freeze_protection_setpoint', '60');
    await command('freeze_protection_setpoint', 'cold');
    await bridgeCommand('log_level', 'loud');
    await bridgeCommand('reconnect_cloud', 'NOW');
    await bridgeCommand('no_such_control', 'PRESS');
    // A good command after the bad ones: once it arrives, the bad ones had their chance to.
    await expectDeviceGets('recirculation_mode', 'Button', { name: 'recircMode', param: [2] });
    expect(controls().length).toBe(before + 1);
    const delta = (reason: string) => (refusals()[reason] ?? 0) - (counted[reason] ?? 0);
    expect(delta('invalid_payload')).toBe(6);
    expect(delta('out_of_range')).toBe(1);
    expect(delta('unknown_key')).toBe(1);
    expect(stack.controlLog.reconnects).toHaveLength(1);
    expect(bridgeState().log_level).toBe('debug');
  });
});

describe('firmware downloaded but not installed', () => {
  it('shows an update, read-only, with what waits in the summary', async () => {
    const device = stack.sim.device(SIM_MAC);
    device?.setDownloadedFirmware(4, 34078720);
    // A new feature payload (firmware changed) or the periodic read picks it up; here: the bridge restarts.
    await stack.stopBridge();
    const second = await startHaStack({ simulator: stack.sim, mqtt: stack.mqtt, dataDir: stack.dataDir });
    try {
      await waitFor(
        () =>
          (state().firmware as { latest_version?: string } | undefined)?.latest_version?.includes(
            '2.8.0.0',
          ) === true,
        'the downloaded Wi-Fi firmware shown',
        20_000,
      );
      expect(state().firmware).toEqual({
        installed_version: 'controller 11.1.0.0, panel 11.1.0.0, Wi-Fi 2.7.0.0',
        latest_version: 'controller 11.1.0.0, panel 11.1.0.0, Wi-Fi 2.8.0.0',
        title: 'NWP500 firmware',
        release_summary: 'Downloaded by the heater, not installed yet: Wi-Fi 2.8.0.0',
      });
      const discovery = JSON.parse(observer.last(DISCOVERY) ?? '{}') as {
        components: Record<string, Record<string, unknown>>;
      };
      // Read-only: no command topic, so HA offers no install button.
      expect(discovery.components.firmware?.command_topic).toBeUndefined();
    } finally {
      device?.setDownloadedFirmware(4, null);
      await second.stopBridge();
    }
  });
});
