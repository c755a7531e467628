// An in-memory stand-in for JsonStore (swapped in with vi.mock by the simulation file): the same
// read-through-schema and write semantics, on a Map instead of data_dir, so a run never waits on
// real disk I/O and a "restart" can read what the previous instance wrote.

import type { z } from 'zod';
import type { JsonStoreOptions } from '../../src/util/jsonStore.js';

/** The simulated data_dir: path → file text. Cleared by each run. */
export const memDisk = new Map<string, string>();

export class MemJsonStore<S extends z.ZodType> {
  constructor(private readonly options: JsonStoreOptions<S>) {}

  get path(): string {
    return this.options.path;
  }

  async read(): Promise<z.output<S> | undefined> {
    const text = memDisk.get(this.options.path);
    if (text === undefined) return undefined;
    const parsed = this.options.schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  }

  write(value: z.input<S>): Promise<void> {
    memDisk.set(this.options.path, JSON.stringify(value));
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
