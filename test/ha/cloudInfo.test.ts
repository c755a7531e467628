// The firmware and TOU reader on a virtual clock: one heater at a time, soon after it is known and
// every few hours after, a deadline on every read, the last answer kept through failures.

import { describe, expect, it } from 'vitest';
import { CloudInfoReader, type CloudInfoRest } from '../../src/ha/cloudInfo.js';
import type { CloudDevice } from '../../src/navien/api.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const DEVICE: CloudDevice = {
  macAddress: '04786332fca0',
  additionalValue: '5322',
  deviceType: 52,
  deviceName: 'Water Heater',
  connected: 2,
  homeSeq: 1,
  installType: 'R',
};
const FIRMWARE = [{ curSwCode: 1, curVersion: 184614912, downloadedVersion: null }];
const TOU = { touInfo: { utility: 'U', name: 'P', schedule: [] } };

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function setUp(rest: Partial<CloudInfoRest> = {}) {
  const clock = new ManualClock();
  const log = captureLog('debug');
  const calls: string[] = [];
  const updates: string[] = [];
  const reader = new CloudInfoReader({
    rest: {
      firmware: async (device) => {
        calls.push(`firmware ${device.macAddress}`);
        return rest.firmware ? rest.firmware(device) : FIRMWARE;
      },
      touInfo: async (device, serial) => {
        calls.push(`tou ${serial}`);
        return rest.touInfo ? rest.touInfo(device, serial) : TOU;
      },
    },
    clock,
    log: log.logger,
    intervalMs: 6 * 3_600_000,
    retryMs: 600_000,
    deadlineMs: 60_000,
    firstDelayMs: 2_000,
    onUpdate: (mac) => updates.push(mac),
  });
  return { clock, log, calls, updates, reader };
}

describe('CloudInfoReader', () => {
  it('reads firmware, and the TOU plan once the serial is known, soon after the heater is known', async () => {
    const { clock, calls, updates, reader } = setUp();
    reader.track(DEVICE, null);
    clock.advance(2_000);
    await settle();
    expect(calls).toEqual(['firmware 04786332fca0']);
    expect(reader.firmware(DEVICE.macAddress)?.value[0]).toMatchObject({
      name: 'controller',
      installed: '11.1.0.0',
    });
    expect(reader.tou(DEVICE.macAddress)).toBeNull();
    reader.track(DEVICE, 'SERIAL01');
    clock.advance(2_000);
    await settle();
    expect(calls).toEqual(['firmware 04786332fca0', 'firmware 04786332fca0', 'tou SERIAL01']);
    expect(reader.tou(DEVICE.macAddress)?.value).toMatchObject({ utility: 'U', name: 'P', periods: [] });
    expect(updates).toHaveLength(2);
    // Then every 6 h.
    clock.advance(6 * 3_600_000 - 1);
    await settle();
    expect(calls).toHaveLength(3);
    clock.advance(1);
    await settle();
    expect(calls).toHaveLength(5);
    reader.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps the last answer through a failure, warns once per streak, and retries later', async () => {
    let fail = false;
    const { clock, calls, log, reader } = setUp({
      firmware: async () => {
        if (fail) throw Object.assign(new Error('down'), { name: 'NAVIEN_NETWORK_ERROR' });
        return FIRMWARE;
      },
    });
    reader.track(DEVICE, null);
    clock.advance(2_000);
    await settle();
    fail = true;
    reader.refresh(DEVICE.macAddress);
    clock.advance(2_000);
    await settle();
    clock.advance(600_000);
    await settle();
    expect(calls).toHaveLength(3);
    expect(reader.firmware(DEVICE.macAddress)?.value).toHaveLength(1);
    // Warn (40) on the first failure, debug (20) after.
    const warnings = log.records().filter((r) => String(r.msg).startsWith('could not read the firmware'));
    expect(warnings.map((w) => w.level)).toEqual([40, 20]);
    reader.stop();
  });

  it('gives up on a read that never answers at its deadline, and reads the next heater', async () => {
    const { clock, reader, log } = setUp({ firmware: () => new Promise<never>(() => undefined) });
    reader.track(DEVICE, null);
    clock.advance(2_000);
    await settle();
    clock.advance(60_000);
    await settle();
    expect(log.text()).toContain('NAVIEN_REST_DEADLINE');
    reader.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
