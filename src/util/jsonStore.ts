// A small JSON file in data_dir read through a zod schema and written atomically, one write at a
// time: a missing file is a first start, a corrupt or unexpected one is moved aside with a warning.

import type { z } from 'zod';
import { moveAside, readJsonFile, writeFileAtomic } from './atomicFile.js';
import type { Logger } from './logger.js';

export interface JsonStoreOptions<S extends z.ZodType> {
  path: string;
  schema: S;
  /** Says in a log line what the file holds ("the energy totals"). */
  what: string;
  log: Logger;
  now?: () => number;
  /** Told after every write whether it reached the disk (failures are logged either way). */
  onWritten?: (ok: boolean) => void;
}

export class JsonStore<S extends z.ZodType> {
  private writing: Promise<void> = Promise.resolve();
  private pending: string | undefined;

  constructor(private readonly options: JsonStoreOptions<S>) {}

  get path(): string {
    return this.options.path;
  }

  /** The file's content, or undefined when it is missing or unusable (never throws). */
  async read(): Promise<z.output<S> | undefined> {
    const { path, schema, what, log } = this.options;
    const now = this.options.now ?? Date.now;
    let result: Awaited<ReturnType<typeof readJsonFile>>;
    try {
      result = await readJsonFile(path, now);
    } catch (error) {
      log.warn({ err: error, path }, `could not read ${what}; starting without them`);
      return undefined;
    }
    if (result.kind === 'missing') return undefined;
    if (result.kind === 'corrupt') {
      log.warn(
        { reason: result.reason, movedTo: result.movedTo },
        `${what} were not valid JSON; the file was moved aside and they start afresh`,
      );
      return undefined;
    }
    const parsed = schema.safeParse(result.value);
    if (!parsed.success) {
      const movedTo = await moveAside(path, now);
      log.warn(
        { reason: parsed.error.issues[0]?.message, movedTo },
        `${what} had an unexpected shape; the file was moved aside and they start afresh`,
      );
      return undefined;
    }
    return parsed.data;
  }

  /**
   * Writes `value` after any write in progress. Writes queued meanwhile collapse into the newest
   * one, so a burst of changes costs two writes, not one per change. Failures are logged.
   */
  write(value: z.input<S>): Promise<void> {
    this.pending = `${JSON.stringify(value, null, 2)}\n`;
    this.writing = this.writing.then(async () => {
      const data = this.pending;
      this.pending = undefined;
      if (data === undefined) return;
      try {
        await writeFileAtomic(this.options.path, data, { mode: 0o600 });
        this.options.onWritten?.(true);
      } catch (error) {
        this.options.log.warn({ err: error, path: this.options.path }, `could not save ${this.options.what}`);
        this.options.onWritten?.(false);
      }
    });
    return this.writing;
  }

  /** Resolves once every write asked for so far is on disk (or failed and was logged). */
  flush(): Promise<void> {
    return this.writing;
  }
}
