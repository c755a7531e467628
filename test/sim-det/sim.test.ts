// The deterministic simulation: the cloud link, command queue, auth renewal and device tracking on
// a virtual clock against a scripted in-memory cloud, thousands of seeded fault schedules per run.
// DETSIM_SEED=<n> replays one seed with its whole trace; DETSIM_SEEDS=<count> changes the sweep.

import { describe, expect, it, vi } from 'vitest';
import { formatFailure, runSeed } from './run.js';

// Every connection the engine builds is a scripted one; every data_dir file lives in memory.
vi.mock('../../src/navien/crtConnection.js', async () => {
  const mock = await import('./mockCrt.js');
  return { CrtConnection: mock.MockCrtConnection, regionOf: mock.regionOf };
});
vi.mock('../../src/util/jsonStore.js', async () => {
  const mem = await import('./memStore.js');
  return { JsonStore: mem.MemJsonStore };
});

const replaySeed = process.env.DETSIM_SEED;

describe('deterministic simulation', () => {
  it.runIf(replaySeed !== undefined)('replays DETSIM_SEED with its full trace', async () => {
    const result = await runSeed(Number(replaySeed), { verbose: process.env.DETSIM_VERBOSE === '1' });
    console.log(result.trace.join('\n'));
    expect(result.violation, formatFailure(result)).toBeNull();
  });

  it.runIf(replaySeed === undefined)('explores seeds', async () => {
    const count = Number(process.env.DETSIM_SEEDS ?? 200);
    const failures: string[] = [];
    const started = performance.now();
    for (let seed = 1; seed <= count; seed++) {
      const result = await runSeed(seed);
      if (!result.ok) failures.push(formatFailure(result, 25));
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`${count} seeds in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)} seeds/s), ${failures.length} failing`);
    for (const f of failures.slice(0, 5)) console.log(f);
    expect(failures.length).toBe(0);
  }, 600_000);
});
