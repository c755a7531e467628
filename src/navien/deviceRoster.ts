// Which heaters the bridge keeps, and the evidence for removing one: a heater goes only after it
// was missing from two good device-list answers at least an hour apart. The evidence is kept in
// data_dir, so a restart neither forgets it nor treats an empty first answer as a removal.

import { join } from 'node:path';
import { z } from 'zod';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';

export const ROSTER_FILE = 'device-roster.json';
/** Two answers at least this far apart must both lack a heater before it is removed. */
export const REMOVAL_CONFIRMATION_MS = 3_600_000;
/** Far more than any account has heaters; keeps a damaged or hostile file from growing memory. */
const MAX_DEVICES = 1000;

const macSchema = z.string().regex(/^[0-9a-f]{12}$/);
const fileSchema = z.object({
  format: z.literal('nwp500-bridge/device-roster'),
  version: z.literal(1),
  devices: z
    .record(
      macSchema,
      z.object({
        /** Wall-clock ms of the last good answer that listed it (null: known from elsewhere). */
        listedAt: z.number().nullable(),
        /** Wall-clock ms of the first good answer, since it was last listed, that lacked it. */
        missingSince: z.number().nullable(),
      }),
    )
    .refine((devices) => Object.keys(devices).length <= MAX_DEVICES, `at most ${MAX_DEVICES} devices`),
});

interface Entry {
  listedAt: number | null;
  missingSince: number | null;
}

export interface RosterChange {
  /** Heaters not in this answer but kept (not yet missing twice an hour apart), with when they went missing. */
  missing: Array<{ mac: string; since: number }>;
  /** Heaters confirmed gone: missing from this answer and from one at least an hour older. */
  removed: string[];
}

export interface DeviceRosterOptions {
  /** data_dir; the roster lives in `<dataDir>/device-roster.json`. Without it, nothing is kept on disk. */
  dataDir?: string;
  log: Logger;
  /** Wall clock (the evidence must survive restarts, so it is wall time, not monotonic). */
  now: () => number;
}

export class DeviceRoster {
  private readonly entries = new Map<string, Entry>();
  private readonly store: JsonStore<typeof fileSchema> | undefined;

  constructor(private readonly options: DeviceRosterOptions) {
    this.store =
      options.dataDir === undefined
        ? undefined
        : new JsonStore({
            path: join(options.dataDir, ROSTER_FILE),
            schema: fileSchema,
            // Without it, heaters known before a restart could not be told from new ones.
            what: 'the list of known heaters',
            log: options.log,
            now: options.now,
          });
  }

  /** Reads what earlier runs knew; a missing file is a first start. */
  async load(): Promise<void> {
    const saved = await this.store?.read();
    if (!saved) return;
    for (const [mac, entry] of Object.entries(saved.devices)) this.entries.set(mac, { ...entry });
  }

  /** Every heater kept: listed, or missing but not yet confirmed gone. */
  known(): string[] {
    return [...this.entries.keys()];
  }

  /** When `mac` went missing from the device list, if it is missing now. */
  missingSince(mac: string): number | null {
    return this.entries.get(mac)?.missingSince ?? null;
  }

  /**
   * Heaters known from elsewhere (the discovery published for Home Assistant by an earlier run):
   * kept, and removed only under the same rule as the others.
   */
  expect(macs: Iterable<string>): void {
    let added = false;
    for (const mac of macs) {
      if (!macSchema.safeParse(mac).success || this.entries.has(mac) || this.entries.size >= MAX_DEVICES)
        continue;
      this.entries.set(mac, { listedAt: null, missingSince: null });
      added = true;
    }
    if (added) this.save();
  }

  /**
   * A good (complete, well-formed, non-empty) device list: updates the evidence and says which
   * heaters are missing but kept, and which are now confirmed removed (and forgotten here).
   */
  observe(listed: ReadonlyArray<string>): RosterChange {
    const change: RosterChange = { missing: [], removed: [] };
    // An empty answer is far likelier a cloud hiccup than every heater removed: it is no evidence.
    if (listed.length === 0) return change;
    const now = this.options.now();
    const present = new Set(listed);
    for (const mac of present) {
      if (!this.entries.has(mac) && this.entries.size >= MAX_DEVICES) continue;
      this.entries.set(mac, { listedAt: now, missingSince: null });
    }
    for (const [mac, entry] of this.entries) {
      if (present.has(mac)) continue;
      if (entry.missingSince === null || entry.missingSince > now) {
        // First answer without it (or the clock went back since): start the hour from here.
        entry.missingSince = now;
        change.missing.push({ mac, since: now });
      } else if (now - entry.missingSince >= REMOVAL_CONFIRMATION_MS) {
        this.entries.delete(mac);
        change.removed.push(mac);
      } else {
        change.missing.push({ mac, since: entry.missingSince });
      }
    }
    this.save();
    return change;
  }

  /** Resolves once what was changed so far is on disk (or failed and was logged). */
  flush(): Promise<void> {
    return this.store?.flush() ?? Promise.resolve();
  }

  private save(): void {
    if (!this.store) return;
    const devices: Record<string, Entry> = {};
    for (const [mac, entry] of [...this.entries].sort(([a], [b]) => a.localeCompare(b)))
      devices[mac] = { ...entry };
    void this.store.write({ format: 'nwp500-bridge/device-roster', version: 1, devices });
  }
}
