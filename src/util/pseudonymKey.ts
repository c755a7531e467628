// The per-install key behind device pseudonyms: random bytes in `<data_dir>/pseudonym-key.json`
// (0600), created on the first start and read on every later one, so a heater keeps its pseudonym
// across restarts and updates while nobody without the file can tell which MAC it stands for.

import { randomBytes } from 'node:crypto';
import { chmod, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomicFile.js';
import { JsonStore } from './jsonStore.js';
import type { Logger } from './logger.js';
import { PSEUDONYM_KEY_BYTES } from './redact.js';

export const PSEUDONYM_KEY_FILE = 'pseudonym-key.json';

const FORMAT = 'nwp500-bridge/pseudonym-key';
const fileSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  key: z.string().regex(new RegExp(`^[0-9a-f]{${PSEUDONYM_KEY_BYTES * 2}}$`)),
});

export interface PseudonymKeyOptions {
  dataDir: string;
  log: Logger;
  now?: () => number;
}

/**
 * This install's key: read from data_dir, or made and saved there on the first start. Never throws:
 * when the file cannot be written the key still serves this run (with a warning that pseudonyms will
 * differ after the next restart).
 */
export async function loadPseudonymKey(options: PseudonymKeyOptions): Promise<Buffer> {
  const { dataDir, log } = options;
  const path = join(dataDir, PSEUDONYM_KEY_FILE);
  const store = new JsonStore({
    path,
    schema: fileSchema,
    what: 'the pseudonym key',
    log,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const saved = await store.read();
  if (saved) {
    await keepPrivate(path, log);
    return Buffer.from(saved.key, 'hex');
  }
  const key = randomBytes(PSEUDONYM_KEY_BYTES);
  const content = { format: FORMAT, version: 1, key: key.toString('hex') };
  try {
    await writeFileAtomic(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    log.info('made a new pseudonym key for device ids in logs and reports');
  } catch (error) {
    log.warn(
      { err: error, path },
      'could not save the pseudonym key; device pseudonyms will change after the next restart',
    );
  }
  return key;
}

/** A key file someone copied with a looser mode is made owner-only again. */
async function keepPrivate(path: string, log: Logger): Promise<void> {
  try {
    const { mode } = await stat(path);
    if ((mode & 0o077) === 0) return;
    await chmod(path, 0o600);
    log.warn({ path }, 'the pseudonym key was readable by others; made it private (0600)');
  } catch (error) {
    log.warn({ err: error, path }, 'could not check the permissions of the pseudonym key');
  }
}
