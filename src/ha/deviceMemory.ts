// What the bridge remembers per water heater across restarts, in data_dir: the vacation length the
// user chose, the last mode before vacation or power-off, the last feature payload, unit and name
// (so Home Assistant gets the same entities at start-up before the device has answered), and the
// slug its default entity ids were made with.

import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { type DhwMode, VACATION_DAYS } from '../device/commands.js';
import type { TemperatureUnit } from '../device/units.js';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';

export const MEMORY_FILE = 'ha-devices.json';

/** Far more than any account has water heaters; keeps a damaged file from growing memory. */
const MAX_DEVICES = 100;
/** A feature payload is ~50 keys; anything far larger did not come from a water heater. */
const MAX_FEATURE_KEYS = 500;

const DHW_MODES = ['heat_pump', 'electric', 'eco', 'high_demand'] as const satisfies readonly DhwMode[];

const rememberedSchema = z.object({
  vacationDays: z.number().int().min(VACATION_DAYS.min).max(VACATION_DAYS.max).optional(),
  lastMode: z.enum(DHW_MODES).optional(),
  unit: z.enum(['C', 'F']).optional(),
  name: z.string().min(1).max(200).optional(),
  /** The middle of the heater's default entity ids, chosen once (entitySlug.ts). */
  entitySlug: z
    .string()
    .regex(/^[a-z0-9_]{1,32}$/)
    .optional(),
  /** The raw feature payload (decoded again on load, like a fresh one). */
  feature: z
    .record(z.string(), z.unknown())
    .refine((f) => Object.keys(f).length <= MAX_FEATURE_KEYS, 'feature payload too large')
    .optional(),
});
export type RememberedDevice = z.output<typeof rememberedSchema>;

const fileSchema = z.object({
  version: z.literal(1),
  devices: z
    .record(z.string().regex(/^[0-9a-f]{12}$/), rememberedSchema)
    .refine((devices) => Object.keys(devices).length <= MAX_DEVICES, `at most ${MAX_DEVICES} devices`),
});

export interface DeviceMemoryOptions {
  dataDir?: string;
  path?: string;
  log: Logger;
  now?: () => number;
}

export interface RememberPatch {
  vacationDays?: number;
  lastMode?: DhwMode;
  unit?: TemperatureUnit;
  name?: string;
  entitySlug?: string;
  feature?: Readonly<Record<string, unknown>>;
}

export class DeviceMemory {
  private readonly store: JsonStore<typeof fileSchema>;
  private readonly log: Logger;
  private readonly devices = new Map<string, RememberedDevice>();
  private fullWarned = false;

  constructor(options: DeviceMemoryOptions) {
    if (options.path === undefined && options.dataDir === undefined) {
      throw new Error('DeviceMemory needs a path or a dataDir');
    }
    this.log = options.log;
    this.store = new JsonStore({
      path: options.path ?? join(options.dataDir ?? '', MEMORY_FILE),
      schema: fileSchema,
      what: 'the remembered device settings',
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

  get(mac: string): Readonly<RememberedDevice> {
    return this.devices.get(mac) ?? {};
  }

  /** Every remembered entity slug, by MAC (also of heaters not on the account now: their ids stay theirs). */
  entitySlugs(): Map<string, string> {
    const slugs = new Map<string, string>();
    for (const [mac, device] of this.devices) if (device.entitySlug) slugs.set(mac, device.entitySlug);
    return slugs;
  }

  /** Merges `patch` into what is remembered for `mac`; saves (in the background) only when something changed. */
  remember(mac: string, patch: RememberPatch): boolean {
    const current = this.devices.get(mac);
    // Every status re-states the unit and mode: when nothing in the patch differs, skip the schema
    // check and the deep comparison of the whole record (feature payload included).
    if (current && unchanged(current, patch)) return false;
    if (!current && this.devices.size >= MAX_DEVICES) {
      if (!this.fullWarned) {
        this.fullWarned = true;
        this.log.warn(
          { max: MAX_DEVICES },
          'too many devices to remember; settings of further ones are not kept',
        );
      }
      return false;
    }
    const next: RememberedDevice = { ...current };
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) (next as Record<string, unknown>)[key] = value;
    }
    const checked = rememberedSchema.safeParse(next);
    if (!checked.success) {
      this.log.warn({ reason: checked.error.issues[0]?.message }, 'a device setting was not remembered');
      return false;
    }
    if (current && isDeepStrictEqual(current, checked.data)) return false;
    this.devices.set(mac, checked.data);
    void this.save();
    return true;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  private save(): Promise<void> {
    const devices: Record<string, RememberedDevice> = {};
    for (const [mac, device] of [...this.devices].sort(([a], [b]) => a.localeCompare(b)))
      devices[mac] = device;
    return this.store.write({ version: 1, devices });
  }
}

function unchanged(current: Readonly<RememberedDevice>, patch: RememberPatch): boolean {
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const before = (current as Record<string, unknown>)[key];
    if (before !== value && !(typeof value === 'object' && isDeepStrictEqual(before, value))) return false;
  }
  return true;
}
