// Files that survive a crash mid-write: write a temp file, fsync it, rename it over the target,
// fsync the directory. A reader sees the old content or the new one, never half of either.

import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode for the new file (e.g. 0o600 for tokens). */
  mode?: number;
  /** Test seam: runs after the temp file is durable and before the rename. */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

let sequence = 0;

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++sequence}.tmp`);
  const mode = options.mode ?? 0o644;
  try {
    const handle = await open(temp, constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY, mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.(temp);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse to fsync a directory, which is harmless.
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}

export type ReadJsonResult =
  | { kind: 'missing' }
  | { kind: 'ok'; value: unknown }
  | { kind: 'corrupt'; reason: string; movedTo: string | null };

/**
 * Reads a JSON file the bridge wrote earlier. A file that is not JSON is moved aside (never
 * deleted: a user may want it for a bug report) and reported as corrupt.
 */
export async function readJsonFile(path: string, now: () => number = Date.now): Promise<ReadJsonResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch (error) {
    const movedTo = await moveAside(path, now);
    return { kind: 'corrupt', reason: (error as Error).message, movedTo };
  }
}

/** Renames a bad file to `<name>.corrupt-<timestamp>` so the next write starts clean. */
export async function moveAside(path: string, now: () => number = Date.now): Promise<string | null> {
  const target = `${path}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(path, target);
    return target;
  } catch {
    return null;
  }
}
