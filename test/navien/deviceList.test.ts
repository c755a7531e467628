// The device list against the simulated REST API: a malformed answer is a named error, never a
// shorter or empty list; the simulator's device-list controls answer as they say.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NavienApi } from '../../src/navien/api.js';
import { NavienAuth } from '../../src/navien/auth.js';
import { NavienError } from '../../src/navien/errors.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { systemClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';

const A = '04786332fca0';
const B = '04786332fca1';
let sim: Simulator;
let dir: string;
let api: NavienApi;

beforeEach(async () => {
  sim = await startSimulator({ devices: [{ macAddress: A }, { macAddress: B }] });
  dir = await mkdtemp(join(tmpdir(), 'nwp500-list-'));
  const log = captureLog('debug');
  const auth = new NavienAuth({
    apiUrl: sim.restUrl,
    email: sim.account.email,
    password: sim.account.password,
    dataDir: dir,
    clock: systemClock,
    log: log.logger,
    redactor: log.redactor,
  });
  await auth.load();
  api = new NavienApi(auth, log.logger, log.redactor);
});
afterEach(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function listError(): Promise<NavienError> {
  const error = await api.listDevices().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof NavienError)) throw new Error(`expected a NavienError, got ${String(error)}`);
  return error;
}

describe('device list', () => {
  it('reads every device', async () => {
    expect((await api.listDevices()).map((d) => d.macAddress)).toEqual([A, B]);
  });

  it('is an error, never an empty list, when data is not a list', async () => {
    sim.deviceList.answer = 'not-a-list';
    const error = await listError();
    expect(error.name).toBe('NAVIEN_BAD_DEVICE_LIST');
    expect(error.retriable).toBe(true);
    expect(error.message).toContain('not a list');
  });

  it('is an error, never a shorter list, when an entry has no valid MAC', async () => {
    sim.deviceList.answer = 'bad-entry';
    const error = await listError();
    expect(error.name).toBe('NAVIEN_BAD_DEVICE_LIST');
    expect(error.message).toContain('entry 2 cannot be read (macAddress)');
  });

  it('answers empty, or without a hidden device, when told to', async () => {
    sim.deviceList.answer = 'empty';
    expect(await api.listDevices()).toEqual([]);
    sim.deviceList.reset();
    sim.deviceList.hide(B);
    expect((await api.listDevices()).map((d) => d.macAddress)).toEqual([A]);
  });

  it('is set over the control API too', async () => {
    const post = (query: string) =>
      fetch(`${sim.controlUrl}/device-list?${query}`, { method: 'POST' }).then((r) => r.json());
    expect(await post(`answer=empty&hide=${B}`)).toEqual({ ok: true, answer: 'empty', hidden: [B] });
    expect(await post('answer=nonsense')).toMatchObject({ ok: false });
    expect(await post('reset=1')).toEqual({ ok: true, answer: 'normal', hidden: [] });
  });

  it('falls back to defaults for descriptive fields but not for the MAC', async () => {
    // A name of the wrong type does not make the list unusable.
    const device = sim.device(A);
    if (!device) throw new Error('no device');
    (device as { deviceName: unknown }).deviceName = 42;
    expect((await api.listDevices()).find((d) => d.macAddress === A)?.deviceName).toBe('NWP500');
  });
});
