// The CA file source reads the file again for every attempt and keeps the last content when a read fails.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caFileSource } from '../../src/navien/caFile.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('navien_mqtt_ca_file source', () => {
  it('returns what the file holds now, and the last content while the file cannot be read', async () => {
    dir = await mkdtemp(join(tmpdir(), 'nwp500-ca-'));
    const path = join(dir, 'ca.pem');
    await writeFile(path, 'broken');
    const source = caFileSource(path, 'broken');
    expect(source()).toBe('broken');
    await writeFile(path, 'fixed');
    expect(source()).toBe('fixed');
    await rm(path);
    expect(source()).toBe('fixed');
  });
});
