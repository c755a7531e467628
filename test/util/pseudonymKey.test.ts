// Device pseudonyms are a keyed hash with a per-install key in data_dir: stable across restarts of
// one install, different between installs, and not reversible by brute force without the key.

import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPseudonymKey, PSEUDONYM_KEY_FILE } from '../../src/util/pseudonymKey.js';
import { pseudonym, Redactor, usePseudonymKey } from '../../src/util/redact.js';
import { captureLog } from '../helpers/logCapture.js';

/** The simulator's heater; its vendor prefix (OUI) is what an attacker would start from. */
const MAC = '04786332fca0';
const OUI = MAC.slice(0, 6);

/** The scheme of 0.1.0: an unsalted sha256 of the MAC, cut to 8 hex digits. */
const unsalted = (value: string) =>
  `dev-${createHash('sha256').update(value.toLowerCase()).digest('hex').slice(0, 8)}`;

/** Tries every device part in the 2^16 block of the OUI space around the MAC; what hashes to `target`. */
function bruteForce(target: string, hash: (mac: string) => string): string[] {
  const base = Number.parseInt(MAC.slice(6), 16) & 0xff0000;
  const found: string[] = [];
  for (let low = 0; low < 0x10000; low++) {
    const candidate = `${OUI}${(base | low).toString(16).padStart(6, '0')}`;
    if (hash(candidate) === target) found.push(candidate);
  }
  return found;
}

let dirs: string[] = [];
const newDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nwp500-pseudonym-'));
  dirs.push(dir);
  return dir;
};
const log = captureLog('debug');
const load = async (dataDir: string) => {
  usePseudonymKey(await loadPseudonymKey({ dataDir, log: log.logger }));
  return pseudonym(MAC);
};

beforeEach(() => {
  dirs = [];
});
afterEach(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('pseudonym key', () => {
  it('is created on the first start, private (0600), and gives the same pseudonym after a restart', async () => {
    const dir = await newDir();
    const first = await load(dir);
    const path = join(dir, PSEUDONYM_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const saved = await readFile(path, 'utf8');
    usePseudonymKey(Buffer.alloc(32, 7));
    expect(pseudonym(MAC)).not.toBe(first);
    expect(await load(dir)).toBe(first);
    expect(await readFile(path, 'utf8')).toBe(saved);
    expect(first).toMatch(/^dev-[0-9a-f]{8}$/);
  });

  it('differs between installs (another data_dir)', async () => {
    const a = await load(await newDir());
    const b = await load(await newDir());
    expect(a).not.toBe(b);
  });

  it('makes a key file others could read private again', async () => {
    const dir = await newDir();
    const first = await load(dir);
    await chmod(join(dir, PSEUDONYM_KEY_FILE), 0o644);
    expect(await load(dir)).toBe(first);
    expect((await stat(join(dir, PSEUDONYM_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('moves a damaged key file aside and starts with a new key', async () => {
    const dir = await newDir();
    await writeFile(join(dir, PSEUDONYM_KEY_FILE), '{"format":"something else"}');
    const pseudo = await load(dir);
    expect(pseudo).toMatch(/^dev-[0-9a-f]{8}$/);
    expect(await load(dir)).toBe(pseudo);
  });

  it('cannot be reversed by brute-forcing the vendor prefix without the key, as the unsalted hash could', async () => {
    // The old scheme: the MAC falls out of its own pseudonym in a few milliseconds.
    expect(bruteForce(unsalted(MAC), unsalted)).toEqual([MAC]);
    // A fixed key, so the outcome is the same on every run (a random one could, once in 65 536
    // runs, collide by chance within the block).
    usePseudonymKey(Buffer.from('b3f1c0d2a4e5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff', 'hex'));
    const keyed = pseudonym(MAC);
    expect(keyed).not.toBe(unsalted(MAC));
    expect(bruteForce(keyed, unsalted)).toEqual([]);
    // The same search with the key finds it: the search is sound, only the key is missing.
    expect(bruteForce(keyed, pseudonym)).toEqual([MAC]);
  });

  it('re-pseudonymises device ids a redactor learnt before the key was loaded', async () => {
    const r = new Redactor();
    r.addDeviceId(MAC);
    const before = r.scrubString(`topic cmd/52/navilink-${MAC}/st`);
    const loaded = await load(await newDir());
    const after = r.scrubString(`topic cmd/52/navilink-${MAC}/st`);
    expect(after).toBe(`topic cmd/52/navilink-${loaded}/st`);
    expect(after).not.toBe(before);
  });
});
