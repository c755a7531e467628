// Keeps the diagnostics history across restarts on the shared JSON-file store: restores the
// collector's snapshot at start (a file that is unreadable or not ours is moved aside by the store),
// then saves it debounced after every recorded change, with concurrent saves coalesced.

import { z } from 'zod';
import type { Clock, TimerHandle } from '../util/clock.js';
import { JsonStore } from '../util/jsonStore.js';
import type { Logger } from '../util/logger.js';
import type { DiagnosticsCollector } from './collector.js';
import { formatDuration } from './format.js';
import { collectorSnapshotSchema } from './snapshot.js';

export const STORE_FORMAT = 'nwp500-bridge-diagnostics';
export const STORE_VERSION = 1;
export const DEFAULT_STORE_FILE = 'diagnostics_history.json';

const storeFileSchema = z.object({
  format: z.literal(STORE_FORMAT),
  version: z.literal(STORE_VERSION),
  snapshot: collectorSnapshotSchema,
});

export interface DiagnosticsStoreOptions {
  /** Full path of the history file (e.g. `<data_dir>/diagnostics_history.json`). */
  path: string;
  collector: DiagnosticsCollector;
  clock: Clock;
  log: Logger;
  saveDebounceMs?: number;
}

export class DiagnosticsStore {
  private readonly collector: DiagnosticsCollector;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly saveDebounceMs: number;
  private readonly file: JsonStore<typeof storeFileSchema>;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> | null = null;
  private rerun: Promise<void> | null = null;
  private closed = false;
  private loaded = false;
  private removeChangeListener: (() => void) | null = null;
  /** Completed writes, for tests and the status page. */
  saves = 0;
  /** Failed writes (logged; the next save tries again). */
  saveFailures = 0;

  constructor(options: DiagnosticsStoreOptions) {
    this.collector = options.collector;
    this.clock = options.clock;
    this.log = options.log;
    this.saveDebounceMs = Math.max(0, options.saveDebounceMs ?? 5000);
    this.file = new JsonStore({
      path: options.path,
      schema: storeFileSchema,
      what: 'the diagnostics records',
      log: options.log,
      now: () => options.clock.now(),
      onWritten: (ok) => {
        if (ok) this.saves++;
        else this.saveFailures++;
      },
    });
  }

  /**
   * Restores the saved history into the collector (a restart is recorded as a `bridge_restart`
   * system event) and from then on saves after every recorded change. Never throws.
   */
  async load(): Promise<void> {
    if (this.loaded || this.closed) return;
    this.loaded = true;
    const saved = await this.file.read();
    if (saved !== undefined && !this.closed) {
      const { snapshot } = saved;
      this.collector.restore(snapshot);
      const offline = Math.max(0, this.clock.now() - snapshot.savedAtWallMs) / 1000;
      this.collector.recordSystemEvent({
        kind: 'bridge_restart',
        detail: `bridge restarted; nothing observed for about ${formatDuration(offline)} since the last save`,
      });
      this.log.info(
        { drops: snapshot.drops.length, observedHours: Math.round(snapshot.observedMs / 36_000) / 100 },
        'diagnostics history restored',
      );
      this.scheduleSave();
    }
    if (!this.closed) {
      this.removeChangeListener = this.collector.onChange(() => this.scheduleSave());
    }
  }

  /**
   * Saves within `saveDebounceMs`. The first call arms the timer and later calls ride along, so a
   * steady stream of changes still saves at that pace instead of postponing the save forever.
   */
  scheduleSave(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.saveNow();
    }, this.saveDebounceMs);
  }

  /**
   * Writes the snapshot now. Calls made while a write is running coalesce into one more write
   * (taken after the running one), so the file ends with the latest state. Never rejects.
   */
  saveNow(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing === null) {
      this.writing = this.write().finally(() => {
        this.writing = null;
      });
      return this.writing;
    }
    if (this.rerun === null) {
      this.rerun = this.writing.then(() => {
        this.rerun = null;
        return this.saveNow();
      });
    }
    return this.rerun;
  }

  /** Stops saving on changes and writes the final state. */
  async close(): Promise<void> {
    if (this.closed) {
      await (this.rerun ?? this.writing ?? Promise.resolve());
      return;
    }
    this.closed = true;
    this.removeChangeListener?.();
    this.removeChangeListener = null;
    await this.saveNow();
  }

  private async write(): Promise<void> {
    try {
      await this.file.write({
        format: STORE_FORMAT,
        version: STORE_VERSION,
        snapshot: this.collector.snapshot(),
      });
    } catch (err) {
      this.saveFailures++;
      this.log.warn({ err }, 'could not save the diagnostics history; will retry on the next change');
    }
  }
}
