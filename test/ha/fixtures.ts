// Device snapshots for the HA-side unit tests, made from what a simulated NWP500 reports (its raw
// status and feature payloads, decoded by the real device model), with fields changed as a test needs.

import { decodeFeature } from '../../src/device/feature.js';
import { decodeStatus } from '../../src/device/status.js';
import type { DeviceSnapshot } from '../../src/ha/snapshot.js';
import { SimDevice, type SimDeviceOptions } from '../../src/sim/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

export const DEVICE_ID = '04786332fca0';

export interface SnapshotOverrides {
  device?: SimDeviceOptions;
  /** Raw status fields to replace (wire names, wire values). */
  status?: Record<string, unknown>;
  /** Raw feature fields to replace. */
  feature?: Record<string, unknown>;
  /** Leave out the status or the feature entirely. */
  noStatus?: boolean;
  noFeature?: boolean;
  energy?: DeviceSnapshot['energy'];
  vacationDays?: number;
  lastMode?: DeviceSnapshot['lastMode'];
  schedule?: DeviceSnapshot['schedule'];
  scheduleWrite?: DeviceSnapshot['scheduleWrite'];
  tou?: DeviceSnapshot['tou'];
  firmware?: DeviceSnapshot['firmware'];
}

export function simSnapshot(overrides: SnapshotOverrides = {}): DeviceSnapshot {
  const device = new SimDevice(overrides.device ?? {}, {
    clock: new ManualClock(),
    logger: captureLog('warn').logger,
  });
  const status = overrides.noStatus ? null : decodeStatus({ ...device.status(), ...overrides.status });
  const feature = overrides.noFeature
    ? null
    : decodeFeature({ ...device.featurePayload(), ...overrides.feature });
  return {
    status,
    feature,
    unit: status?.temperatureUnit ?? feature?.temperatureUnit ?? 'F',
    energy: overrides.energy ?? null,
    vacationDays: overrides.vacationDays ?? 7,
    lastMode: overrides.lastMode ?? null,
    schedule: overrides.schedule ?? null,
    scheduleWrite: overrides.scheduleWrite ?? null,
    tou: overrides.tou ?? null,
    firmware: overrides.firmware ?? null,
  };
}
