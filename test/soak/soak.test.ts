// The chaos soak, one minute of it with a fixed seed: the built bridge as its own process, the
// simulated cloud behind the fault-injecting proxy, a real Mosquitto, every fault kind at least
// once (overlapping), HA commands throughout. Nothing may go missing without a counter, the heater
// must end on the last command of each kind, the queue empty, and the bridge must never crash.
// `npm run soak -- --minutes N` runs longer ones with a report.

import { describe, expect, it } from 'vitest';
import { formatReport } from '../../soak/report.js';
import { runSoak } from '../../soak/run.js';

const SEED = 20261203;

describe('chaos soak (60 s, seed 20261203)', () => {
  it('closes its books: 0 unaccounted, last writer wins, queue empty, no crash', async () => {
    const report = await runSoak({
      durationMs: 60_000,
      seed: SEED,
      settleTimeoutMs: 25_000,
      // A minute holds several outages: a lower reconnect ceiling keeps the settling short.
      bridgeEnv: { NWP500_MAX_RECONNECT_DELAY: '5' },
    });
    const text = formatReport(report);
    // The report is the failure message: seed, every count, and what went wrong.
    expect(report.failures, text).toEqual([]);
    expect(report.commands.unaccounted, text).toBe(0);
    expect(
      Object.values(report.commands.final_state).every((check) => check.ok),
      text,
    ).toBe(true);
    expect(report.commands.queue_depth, text).toBe(0);
    expect(report.crashes, text).toBe(0);
    expect(report.commands.issued_valid, text).toBeGreaterThan(5);
    expect(
      Object.values(report.faults_by_kind).every((count) => count > 0),
      text,
    ).toBe(true);
  }, 150_000);
});
