// What the bridge remembers per water heater, on real files: kept across restarts, saved only when
// it changed, bad values refused, a damaged file moved aside.

import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceMemory, MEMORY_FILE } from '../../src/ha/deviceMemory.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';

const MAC = '04786332fca0';

let dir: string;
let log: CapturedLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-memory-'));
  log = captureLog('debug');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function load(): Promise<DeviceMemory> {
  const memory = new DeviceMemory({ dataDir: dir, log: log.logger });
  await memory.load();
  return memory;
}

describe('DeviceMemory', () => {
  it('keeps vacation days, last mode, unit, name and the feature payload across a restart', async () => {
    const first = await load();
    expect(first.get(MAC)).toEqual({});
    first.remember(MAC, { vacationDays: 12, lastMode: 'heat_pump' });
    first.remember(MAC, { unit: 'C', name: 'Basement', feature: { dhwTemperatureMin: 81 } });
    await first.flush();
    const second = await load();
    expect(second.get(MAC)).toEqual({
      vacationDays: 12,
      lastMode: 'heat_pump',
      unit: 'C',
      name: 'Basement',
      feature: { dhwTemperatureMin: 81 },
    });
  });

  it('writes the file only when something changed', async () => {
    const memory = await load();
    expect(memory.remember(MAC, { vacationDays: 5 })).toBe(true);
    await memory.flush();
    const before = (await stat(join(dir, MEMORY_FILE))).mtimeMs;
    expect(memory.remember(MAC, { vacationDays: 5 })).toBe(false);
    await memory.flush();
    expect((await stat(join(dir, MEMORY_FILE))).mtimeMs).toBe(before);
  });

  it('refuses a value outside what the device accepts and keeps the old one', async () => {
    const memory = await load();
    memory.remember(MAC, { vacationDays: 5 });
    expect(memory.remember(MAC, { vacationDays: 31 })).toBe(false);
    expect(memory.get(MAC).vacationDays).toBe(5);
    expect(log.text()).toContain('a device setting was not remembered');
  });

  it('moves a damaged file aside and starts empty', async () => {
    await writeFile(
      join(dir, MEMORY_FILE),
      JSON.stringify({ version: 1, devices: { [MAC]: { vacationDays: 'ten' } } }),
    );
    const memory = await load();
    expect(memory.get(MAC)).toEqual({});
    expect((await readdir(dir)).some((name) => name.startsWith(`${MEMORY_FILE}.corrupt-`))).toBe(true);
  });
});
