// The removal rule on its own, with a hand-driven clock: a heater goes only after two good answers
// at least an hour apart both lacked it; empty answers are no evidence; the evidence survives a restart.

import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceRoster, REMOVAL_CONFIRMATION_MS, ROSTER_FILE } from '../../src/navien/deviceRoster.js';
import { captureLog } from '../helpers/logCapture.js';

const A = '04786332fca0';
const B = '04786332fca1';
const MINUTE = 60_000;

let dir: string;
let now: number;
const log = captureLog('debug');
const roster = () => new DeviceRoster({ dataDir: dir, log: log.logger, now: () => now });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-roster-'));
  now = Date.UTC(2026, 5, 1, 3, 0);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('device roster', () => {
  it('keeps a heater missing once, or twice within the hour, and removes it once missing an hour later', () => {
    const r = roster();
    expect(r.observe([A, B])).toEqual({ missing: [], removed: [] });
    const firstMiss = now;
    expect(r.observe([A])).toEqual({ missing: [{ mac: B, since: firstMiss }], removed: [] });
    now += 59 * MINUTE;
    expect(r.observe([A])).toEqual({ missing: [{ mac: B, since: firstMiss }], removed: [] });
    now = firstMiss + REMOVAL_CONFIRMATION_MS;
    expect(r.observe([A])).toEqual({ missing: [], removed: [B] });
    expect(r.known()).toEqual([A]);
  });

  it('treats an empty answer as no evidence at all', () => {
    const r = roster();
    r.observe([A, B]);
    for (let i = 0; i < 5; i++) {
      now += REMOVAL_CONFIRMATION_MS;
      expect(r.observe([])).toEqual({ missing: [], removed: [] });
    }
    expect(r.known().sort()).toEqual([A, B]);
    expect(r.missingSince(A)).toBeNull();
  });

  it('starts the hour again when the heater is listed in between', () => {
    const r = roster();
    r.observe([A, B]);
    r.observe([A]);
    now += 50 * MINUTE;
    r.observe([A, B]);
    now += 20 * MINUTE;
    expect(r.observe([A]).removed).toEqual([]);
    now += 59 * MINUTE;
    expect(r.observe([A]).removed).toEqual([]);
    now += 1 * MINUTE;
    expect(r.observe([A]).removed).toEqual([B]);
  });

  it('does not remove when the wall clock went back between the answers', () => {
    const r = roster();
    r.observe([A, B]);
    r.observe([A]);
    now -= 3 * REMOVAL_CONFIRMATION_MS;
    expect(r.observe([A])).toEqual({ missing: [{ mac: B, since: now }], removed: [] });
  });

  it('remembers the evidence across a restart, privately', async () => {
    const first = roster();
    await first.load();
    first.observe([A, B]);
    first.observe([A]);
    await first.flush();
    expect((await stat(join(dir, ROSTER_FILE))).mode & 0o777).toBe(0o600);

    now += REMOVAL_CONFIRMATION_MS;
    const second = roster();
    await second.load();
    expect(second.known().sort()).toEqual([A, B]);
    // An empty first answer after the restart removes nothing.
    expect(second.observe([])).toEqual({ missing: [], removed: [] });
    expect(second.observe([A])).toEqual({ missing: [], removed: [B] });
    await second.flush();
    expect(JSON.parse(await readFile(join(dir, ROSTER_FILE), 'utf8')).devices).toEqual({
      [A]: { listedAt: now, missingSince: null },
    });
  });

  it('tracks heaters known from elsewhere under the same rule, ignoring ids that are not MACs', () => {
    const r = roster();
    r.expect([B, 'not-a-mac', 'AABBCCDDEEFF']);
    expect(r.known()).toEqual([B]);
    expect(r.observe([A]).missing).toEqual([{ mac: B, since: now }]);
    now += REMOVAL_CONFIRMATION_MS;
    expect(r.observe([A]).removed).toEqual([B]);
  });
});
