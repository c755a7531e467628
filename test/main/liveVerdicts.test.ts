// The bridge as main.ts builds it, against the simulated cloud, both on a clock 60× faster than
// real time: the simulator hangs up on a regular schedule and then on a random one, the bridge's
// /api/diagnostics names the right pattern, and `analyze` on the report file the bridge writes when
// it stops reaches the same verdict.

import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeExport, analyzeExportFile } from '../../src/diagnostics/analyzeFile.js';
import type { DiagnosticsReport } from '../../src/diagnostics/report.js';
import { seededRandom } from '../../src/diagnostics/stats.js';
import { type RunningBridge, startBridge } from '../../src/main.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { ScaledClock } from '../helpers/scaledClock.js';
import { optionsForSimulator } from '../helpers/simOptions.js';

const SPEED = 60;
const MINUTE = 60_000;

interface Run {
  clock: ScaledClock;
  sim: Simulator;
  broker: TestBroker;
  bridge: RunningBridge;
  dirs: string[];
  reportPath: string;
}

let current: Run | null = null;
afterEach(async () => {
  const run = current;
  current = null;
  if (!run) return;
  await run.bridge.stop().catch(() => undefined);
  await run.sim.close();
  await run.broker.close();
  for (const dir of run.dirs) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function start(speed = SPEED): Promise<Run> {
  const clock = new ScaledClock(speed);
  const broker = await startBroker();
  // The tank physics steps once a virtual minute: at 60× a second's step would cost 60 a second.
  const sim = await startSimulator({ clock, keepAlive: { minSecs: 1 }, tickIntervalMs: 60_000 });
  const { options, dirs } = await optionsForSimulator(sim, 'nwp500-live', {
    http_port: 0,
    status_interval: 60,
  });
  const log = captureLog('warn');
  const bridge = await startBridge(options, {
    env: {},
    log: log.logger,
    redactor: log.redactor,
    clock,
    broker: { host: broker.host, port: broker.port, ssl: false, source: 'options' },
  });
  current = {
    clock,
    sim,
    broker,
    bridge,
    dirs,
    reportPath: join(options.ha_config_dir, options.diagnostics_file),
  };
  return current;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Hangs up at each of `atMs` (virtual ms from now), waiting for the reconnect after each. */
async function hangUpAt(run: Run, atMs: number[]): Promise<void> {
  const t0 = run.clock.monotonic();
  for (const [i, at] of atMs.entries()) {
    await run.clock.sleep(Math.max(0, t0 + at - run.clock.monotonic()));
    run.sim.faults.hangUpAll();
    await until(`drop ${i + 1}`, () => run.bridge.collector.numbers().drops >= i + 1);
    await until(`recovery ${i + 1}`, () => run.bridge.collector.isConnected());
  }
}

async function verdictAfter(run: Run): Promise<{ live: DiagnosticsReport; file: unknown }> {
  const response = await fetch(`http://127.0.0.1:${run.bridge.httpPort}/api/diagnostics`);
  const live = (await response.json()) as DiagnosticsReport;
  await run.bridge.stop();
  const file = JSON.parse(await readFile(run.reportPath, 'utf8')) as unknown;
  return { live, file };
}

describe('live verdicts from the simulator’s hang-ups (clock 60× real time)', () => {
  it('a hang-up every 4 minutes is a regular interval, in /api/diagnostics and from analyze on the report file', async () => {
    const run = await start();
    await until('the first connection', () => run.bridge.collector.isConnected());
    await run.clock.sleep(2 * MINUTE);
    const seed = seededRandom(7);
    await hangUpAt(
      run,
      Array.from({ length: 8 }, (_, i) => (i + 1) * 4 * MINUTE + (seed() - 0.5) * 10_000),
    );
    await run.clock.sleep(MINUTE);
    const { live, file } = await verdictAfter(run);
    expect(live.numbers.drops).toBe(8);
    expect(live.analysis.verdict, live.analysis.title).toBe('regular_interval');
    expect(live.analysis.title).toMatch(/^Drops every ~4(\.\d)? min/);
    const again = analyzeExport(file);
    expect(again.analysis.verdict).toBe('regular_interval');
    expect(again.analysis).toEqual((file as DiagnosticsReport).analysis);
    const lines: string[] = [];
    expect(await analyzeExportFile(run.reportPath, (line) => lines.push(line))).toBe(0);
    expect(lines).toContain(`Verdict: regular_interval (${live.analysis.confidence} confidence)`);
  }, 90_000);

  it('hang-ups at random times are random, in /api/diagnostics and from analyze on the report file', async () => {
    const run = await start();
    await until('the first connection', () => run.bridge.collector.isConnected());
    await run.clock.sleep(2 * MINUTE);
    const random = seededRandom(5);
    const times: number[] = [];
    let t = 0;
    for (let i = 0; i < 9; i++) {
      // Poisson hang-ups (mean 4 min), at least 70 s apart so each is its own episode.
      t += 70_000 - 170_000 * Math.log(1 - random());
      times.push(t);
    }
    await hangUpAt(run, times);
    await run.clock.sleep(MINUTE);
    const { live, file } = await verdictAfter(run);
    expect(live.numbers.drops).toBe(9);
    expect(live.analysis.verdict, live.analysis.title).toBe('random');
    const again = analyzeExport(file);
    expect(again.analysis.verdict).toBe('random');
    expect(again.analysis).toEqual((file as DiagnosticsReport).analysis);
  }, 90_000);

  it('refusals with fresh credentials and an agreeing clock are the cloud refusing, never credentials or clock', async () => {
    // Real time here: the cloud's clock (the Date of its REST answers) must agree with ours.
    const run = await start(1);
    await until('the first connection', () => run.bridge.collector.isConnected());
    run.sim.faults.refuseConnections(true);
    run.sim.faults.hangUpAll();
    await until(
      'three refused reconnects',
      () => run.bridge.collector.numbers().reconnect_failures >= 3,
      30_000,
    );
    const response = await fetch(`http://127.0.0.1:${run.bridge.httpPort}/api/diagnostics`);
    const live = (await response.json()) as DiagnosticsReport;
    expect(live.analysis.verdict, live.analysis.title).toBe('reconnect_failing');
    expect(live.analysis.labels).toContain('cloud_refusing');
    expect(live.analysis.labels).not.toContain('credentials_or_clock');
    expect(`${live.analysis.title} ${live.analysis.likelyCause}`).not.toMatch(/credentials or clock/i);
    expect(live.analysis.title).toMatch(/the cloud is refusing connections \(outage or throttling\)$/);
    expect(live.history.reconnect_failures.every((f) => (f.credential_age_seconds ?? 1e9) < 600)).toBe(true);
    expect(live.history.rest_checks.some((r) => r.clock_offset_ms !== null)).toBe(true);
    run.sim.faults.refuseConnections(false);
    await until(
      'the reconnect once the cloud accepts again',
      () => run.bridge.collector.isConnected(),
      60_000,
    );
  }, 90_000);
});
