// The deterministic simulation: the cloud link, command queue, auth renewal and device tracking on
// a virtual clock against a scripted in-memory cloud, thousands of seeded fault schedules per run.
// DETSIM_SEED=<n> replays one seed with its whole trace (DETSIM_VERBOSE=1 adds the bridge's log);
// DETSIM_SEEDS=<count> changes the size of the sweep.

import { describe, expect, it, vi } from 'vitest';
import { REGRESSIONS } from './regressions.js';
import { formatFailure, runPlan, runSeed } from './run.js';

// Every data_dir file lives in memory (connections come from the scripted cloud through the
// engine's transport seam).
vi.mock('../../src/util/jsonStore.js', async () => {
  const mem = await import('./memStore.js');
  return { JsonStore: mem.MemJsonStore };
});

const replaySeed = process.env.DETSIM_SEED;
const SWEEP = Number(process.env.DETSIM_SEEDS ?? 2000);

if (replaySeed !== undefined) {
  describe('deterministic simulation replay', () => {
    it(`replays seed ${replaySeed} with its full trace`, async () => {
      const result = await runSeed(Number(replaySeed), { verbose: process.env.DETSIM_VERBOSE === '1' });
      console.log(result.trace.join('\n'));
      expect(result.violation, formatFailure(result)).toBeNull();
    });
  });
} else {
  describe('deterministic simulation', () => {
    it.each(REGRESSIONS.map((r) => [r.name, r] as const))('regression: %s', async (_name, regression) => {
      const result = await runPlan(regression.seed, regression.plan);
      expect(result.violation, formatFailure(result)).toBeNull();
      for (const trigger of regression.triggers)
        expect(
          result.trace.some((line) => line.includes(trigger)),
          `seed ${regression.seed} no longer shows "${trigger}": the pinned plan lost its fault; re-pin it`,
        ).toBe(true);
    });

    it(`holds every invariant over ${SWEEP} seeds`, async () => {
      const failures: string[] = [];
      let virtualMs = 0;
      let commands = 0;
      let connections = 0;
      const started = performance.now();
      for (let seed = 1; seed <= SWEEP; seed++) {
        const result = await runSeed(seed);
        virtualMs += result.virtualMs;
        commands += result.acceptedCommands;
        connections += result.connections;
        if (!result.ok) failures.push(formatFailure(result, 30));
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `detsim: ${SWEEP} seeds in ${seconds.toFixed(1)} s (${(SWEEP / seconds).toFixed(0)} seeds/s); ` +
          `${(virtualMs / 3_600_000).toFixed(0)} simulated hours, ${connections} connections, ${commands} commands; ` +
          `${failures.length} failing`,
      );
      expect(failures.length, failures.slice(0, 3).join('\n\n')).toBe(0);
    }, 300_000);
  });
}
