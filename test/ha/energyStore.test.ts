// Lifetime energy totals from daily figures, on real files: a day only grows, published totals never
// step back (not even across a restart on the same file), and nothing is published before real data.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnergyDay } from '../../src/device/energy.js';
import { ENERGY_FILE, EnergyStore } from '../../src/ha/energyStore.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';

const MAC = '04786332fca0';
const OTHER = 'aabbccddeeff';

let dir: string;
let log: CapturedLog;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-energy-'));
  log = captureLog('debug');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

function day(month: number, dayOfMonth: number, heatPumpWh: number, elementWh: number): EnergyDay {
  return { year: 2026, month, day: dayOfMonth, heatPumpWh, elementWh, heatPumpHours: 0, elementHours: 0 };
}

async function newStore(maxDaysPerDevice?: number): Promise<EnergyStore> {
  const store = new EnergyStore({
    dataDir: dir,
    log: log.logger,
    ...(maxDaysPerDevice === undefined ? {} : { maxDaysPerDevice }),
  });
  await store.load();
  return store;
}

describe('EnergyStore', () => {
  it('has no totals for a device before its first energy report', async () => {
    const store = await newStore();
    expect(store.totals(MAC)).toBeNull();
    expect(store.record(MAC, [])).toBeNull();
  });

  it('sums every recorded day into heat-pump, element and total kWh', async () => {
    const store = await newStore();
    const totals = store.record(MAC, [day(3, 1, 1200, 300), day(3, 2, 800, 0), day(3, 3, 0, 0)]);
    expect(totals).toEqual({ heatPumpKwh: 2, elementKwh: 0.3, totalKwh: 2.3 });
    expect(store.totals(OTHER)).toBeNull();
  });

  it('publishes 0 kWh for a device whose first real report is all zero days', async () => {
    const store = await newStore();
    expect(store.record(MAC, [day(3, 1, 0, 0)])).toEqual({ heatPumpKwh: 0, elementKwh: 0, totalKwh: 0 });
  });

  it('keeps the largest figure of a day, so the total never steps back when a day is revised down', async () => {
    const store = await newStore();
    store.record(MAC, [day(3, 1, 1000, 500)]);
    // Later in the day the figure grows; then a revised (or partial) report shows less.
    expect(store.record(MAC, [day(3, 1, 1500, 500)])).toEqual({
      heatPumpKwh: 1.5,
      elementKwh: 0.5,
      totalKwh: 2,
    });
    expect(store.record(MAC, [day(3, 1, 900, 100)])).toEqual({
      heatPumpKwh: 1.5,
      elementKwh: 0.5,
      totalKwh: 2,
    });
  });

  it('survives a restart on the same file without going backwards', async () => {
    const first = await newStore();
    first.record(MAC, [day(3, 1, 1000, 0), day(3, 2, 2000, 250)]);
    await first.flush();

    const second = await newStore();
    expect(second.totals(MAC)).toEqual({ heatPumpKwh: 3, elementKwh: 0.25, totalKwh: 3.25 });
    // The device now reports only this month's days, and smaller figures for the old ones.
    expect(second.record(MAC, [day(3, 2, 10, 0), day(4, 1, 500, 0)])).toEqual({
      heatPumpKwh: 3.5,
      elementKwh: 0.25,
      totalKwh: 3.75,
    });
  });

  it('never publishes less than it published before, even when the remembered days are lost', async () => {
    const first = await newStore();
    first.record(MAC, [day(3, 1, 4000, 1000)]);
    await first.flush();
    // Someone trims the day list by hand but keeps the published totals.
    const saved = JSON.parse(await readFile(join(dir, ENERGY_FILE), 'utf8')) as {
      devices: Record<string, { days: Record<string, unknown> }>;
    };
    const device = saved.devices[MAC];
    if (!device) throw new Error('device missing from the file');
    device.days = {};
    await writeFile(join(dir, ENERGY_FILE), JSON.stringify(saved));

    const second = await newStore();
    expect(second.record(MAC, [day(3, 2, 100, 0)])).toEqual({ heatPumpKwh: 4, elementKwh: 1, totalKwh: 5 });
  });

  it('keeps its file bounded by folding the oldest days into a running sum that still counts', async () => {
    const store = await newStore(3);
    store.record(MAC, [day(3, 1, 1000, 0), day(3, 2, 1000, 0), day(3, 3, 1000, 0), day(3, 4, 1000, 0)]);
    expect(store.totals(MAC)).toEqual({ heatPumpKwh: 4, elementKwh: 0, totalKwh: 4 });
    await store.flush();
    const saved = JSON.parse(await readFile(join(dir, ENERGY_FILE), 'utf8')) as {
      devices: Record<string, { days: Record<string, unknown> }>;
    };
    expect(Object.keys(saved.devices[MAC]?.days ?? {})).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
    // A folded day reported again is not counted twice.
    expect(store.record(MAC, [day(3, 1, 5000, 0)])).toEqual({ heatPumpKwh: 4, elementKwh: 0, totalKwh: 4 });
  });

  it('ignores impossible dates and figures, with a warning', async () => {
    const store = await newStore();
    const totals = store.record(MAC, [
      day(2, 30, 1000, 0),
      day(3, 1, -5, 0),
      day(3, 2, Number.NaN, 0),
      day(3, 3, 10_000_000, 0),
      day(3, 4, 700, 0),
    ]);
    expect(totals).toEqual({ heatPumpKwh: 0.7, elementKwh: 0, totalKwh: 0.7 });
    expect(log.text()).toContain('ignored energy-report days with impossible dates or figures');
  });

  it('moves a corrupt file aside with a warning and starts afresh', async () => {
    await writeFile(join(dir, ENERGY_FILE), '{"version": 1, "devices": ');
    const store = await newStore();
    expect(store.totals(MAC)).toBeNull();
    expect((await readdir(dir)).some((name) => name.startsWith(`${ENERGY_FILE}.corrupt-`))).toBe(true);
    expect(log.text()).toContain('the energy totals were not valid JSON');
  });

  it('moves a file of the wrong shape aside too', async () => {
    await writeFile(
      join(dir, ENERGY_FILE),
      JSON.stringify({ version: 1, devices: { [MAC]: { days: 'lots' } } }),
    );
    const store = await newStore();
    expect(store.totals(MAC)).toBeNull();
    expect((await readdir(dir)).some((name) => name.startsWith(`${ENERGY_FILE}.corrupt-`))).toBe(true);
  });
});
