// Lifetime energy totals for HA's Energy dashboard, built from the device's per-day figures: each
// day keeps the largest value seen, totals are the sum over the days, and what was published never
// steps back (across restarts too, the file in data_dir remembers it).

import { join } from 'node:path';
import { z } from 'zod';
import type { EnergyDay } from '../device/energy.js';
import { roundTo } from '../device/units.js';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';

export const ENERGY_FILE = 'energy-totals.json';

/** What the three energy sensors show, kWh. */
export interface EnergyTotals {
  heatPumpKwh: number;
  elementKwh: number;
  totalKwh: number;
}

/** A day's figure above this is not a water heater's (5 kW of elements for 24 h is 120 kWh). */
const MAX_DAY_WH = 200_000;
/** Far more than any account has water heaters; keeps a damaged file from growing memory. */
const MAX_DEVICES = 100;
const DEFAULT_MAX_DAYS = 400;

const whSchema = z.number().finite().min(0);
const dayKeySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const totalsSchema = z.object({ heatPumpKwh: whSchema, elementKwh: whSchema, totalKwh: whSchema });
const deviceSchema = z.object({
  /** Day → [heat-pump Wh, element Wh]. */
  days: z.record(dayKeySchema, z.tuple([whSchema, whSchema])),
  /** Days folded out of `days` to keep the file bounded; their Wh still count. */
  retired: z.object({ heatPumpWh: whSchema, elementWh: whSchema, through: dayKeySchema.nullable() }),
  /** The last totals handed out; what is published next is never below them. */
  published: totalsSchema.nullable(),
});
const fileSchema = z.object({
  version: z.literal(1),
  devices: z
    .record(z.string().regex(/^[0-9a-f]{12}$/), deviceSchema)
    .refine((devices) => Object.keys(devices).length <= MAX_DEVICES, `at most ${MAX_DEVICES} devices`),
});
type DeviceEnergy = z.output<typeof deviceSchema>;

export interface EnergyStoreOptions {
  /** The add-on's data_dir; the file is `<dataDir>/energy-totals.json`. */
  dataDir?: string;
  /** Full path of the file (overrides dataDir). */
  path?: string;
  log: Logger;
  /** Days kept one by one per device; older ones are folded into a running sum. */
  maxDaysPerDevice?: number;
  now?: () => number;
}

function dayKey(day: EnergyDay): string | undefined {
  const { year, month } = day;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!Number.isInteger(day.day) || day.day < 1 || day.day > daysInMonth) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
}

function plausibleWh(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= MAX_DAY_WH;
}

function toKwh(wh: number): number {
  return roundTo(wh / 1000, 3);
}

export class EnergyStore {
  private readonly store: JsonStore<typeof fileSchema>;
  private readonly log: Logger;
  private readonly maxDays: number;
  private readonly devices = new Map<string, DeviceEnergy>();
  private fullWarned = false;

  constructor(options: EnergyStoreOptions) {
    if (options.path === undefined && options.dataDir === undefined) {
      throw new Error('EnergyStore needs a path or a dataDir');
    }
    this.log = options.log;
    this.maxDays = Math.max(1, options.maxDaysPerDevice ?? DEFAULT_MAX_DAYS);
    this.store = new JsonStore({
      path: options.path ?? join(options.dataDir ?? '', ENERGY_FILE),
      schema: fileSchema,
      what: 'the energy totals',
      log: options.log,
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  }

  get path(): string {
    return this.store.path;
  }

  async load(): Promise<void> {
    this.devices.clear();
    const saved = await this.store.read();
    if (!saved) return;
    for (const [mac, device] of Object.entries(saved.devices)) this.devices.set(mac, device);
  }

  /**
   * Takes the days of one energy report and returns the totals to publish: never lower than the
   * last ones, and null while the device never reported a day (HA reads a first 0 as a reset).
   */
  record(mac: string, days: readonly EnergyDay[]): EnergyTotals | null {
    const device = this.deviceFor(mac);
    if (!device) return null;
    let changed = false;
    let rejected = 0;
    for (const day of days) {
      const key = dayKey(day);
      if (key === undefined || !plausibleWh(day.heatPumpWh) || !plausibleWh(day.elementWh)) {
        rejected++;
        continue;
      }
      if (device.retired.through !== null && key <= device.retired.through) continue;
      const [heatPump, element] = device.days[key] ?? [-1, -1];
      // A day's figure only grows; a lower one is a revision or a partial read, never a refund.
      const next: [number, number] = [Math.max(heatPump, day.heatPumpWh), Math.max(element, day.elementWh)];
      if (next[0] !== heatPump || next[1] !== element) {
        device.days[key] = next;
        changed = true;
      }
    }
    if (rejected > 0) {
      this.log.warn({ rejected }, 'ignored energy-report days with impossible dates or figures');
    }
    changed = this.retireOldDays(device) || changed;
    if (Object.keys(device.days).length > 0 || device.retired.through !== null) {
      const computed = this.computed(device);
      const last = device.published;
      const next: EnergyTotals = {
        heatPumpKwh: Math.max(last?.heatPumpKwh ?? 0, computed.heatPumpKwh),
        elementKwh: Math.max(last?.elementKwh ?? 0, computed.elementKwh),
        totalKwh: Math.max(last?.totalKwh ?? 0, computed.totalKwh),
      };
      if (
        !last ||
        next.heatPumpKwh !== last.heatPumpKwh ||
        next.elementKwh !== last.elementKwh ||
        next.totalKwh !== last.totalKwh
      ) {
        device.published = next;
        changed = true;
      }
    }
    if (changed) void this.save();
    return device.published ? { ...device.published } : null;
  }

  /** The totals last handed out for `mac`, or null before its first energy report. */
  totals(mac: string): EnergyTotals | null {
    const published = this.devices.get(mac)?.published;
    return published ? { ...published } : null;
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.store.flush();
  }

  private deviceFor(mac: string): DeviceEnergy | undefined {
    const existing = this.devices.get(mac);
    if (existing) return existing;
    if (this.devices.size >= MAX_DEVICES) {
      if (!this.fullWarned) {
        this.fullWarned = true;
        this.log.warn({ max: MAX_DEVICES }, 'energy store full; further devices get no energy totals');
      }
      return undefined;
    }
    const created: DeviceEnergy = {
      days: {},
      retired: { heatPumpWh: 0, elementWh: 0, through: null },
      published: null,
    };
    this.devices.set(mac, created);
    return created;
  }

  private retireOldDays(device: DeviceEnergy): boolean {
    const keys = Object.keys(device.days).sort();
    const excess = keys.length - this.maxDays;
    if (excess <= 0) return false;
    for (const key of keys.slice(0, excess)) {
      const [heatPump, element] = device.days[key] ?? [0, 0];
      device.retired.heatPumpWh += heatPump;
      device.retired.elementWh += element;
      device.retired.through = key;
      delete device.days[key];
    }
    return true;
  }

  private computed(device: DeviceEnergy): EnergyTotals {
    let heatPump = device.retired.heatPumpWh;
    let element = device.retired.elementWh;
    for (const [hp, he] of Object.values(device.days)) {
      heatPump += hp;
      element += he;
    }
    return { heatPumpKwh: toKwh(heatPump), elementKwh: toKwh(element), totalKwh: toKwh(heatPump + element) };
  }

  private save(): Promise<void> {
    const devices: Record<string, DeviceEnergy> = {};
    for (const [mac, device] of [...this.devices].sort(([a], [b]) => a.localeCompare(b))) {
      devices[mac] = device;
    }
    return this.store.write({ version: 1, devices });
  }
}
