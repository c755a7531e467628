// `npm run bench -- --soak-minutes N`: a day of two heaters compressed into N minutes per subject —
// one status per heater per (compressed) second, a cloud hang-up every (compressed) hour — with the
// RSS sampled all along (each minute, or more often for short runs), for the baseline and then the
// bridge. RSS must flatten: the figure is the least-squares slope over the last half, in MB per
// (real) hour. RSS is read as the Supervisor sees it, without forcing a collection.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startMosquitto } from './lib/mosquitto.js';
import { median, round, sleep, slope, waitFor } from './lib/stats.js';
import { readRunScript, spawnBaseline, spawnBridge } from './lib/subjects.js';
import { MAC, mb, observe, SECOND_MAC, SEQ_START, statusSource } from './side-by-side.js';

const DAY_S = 86_400;

async function soakSubject(kind, ctx) {
  const { options, sim, broker, runScript } = ctx;
  await broker.restart();
  const macs = [MAC, SECOND_MAC];
  const subject =
    kind === 'baseline'
      ? spawnBaseline({ sim, broker, macs })
      : await spawnBridge({ sim, broker, bridgeDir: options.bridgeDir, runScript });
  const observer = await observe(
    broker,
    macs.map((m) => subject.stateTopic(m)),
  );
  let states = 0;
  observer.onMessage((topic) => {
    if (subject.isState(topic)) states++;
  });
  const durationMs = options.soakMinutes * 60_000;
  const sampleMs = Math.min(60_000, Math.max(2_000, durationMs / 20));
  const hangUpEveryMs = durationMs / 24;
  const perDeviceRate = DAY_S / (options.soakMinutes * 60);
  const sources = macs.map((mac) => statusSource(sim, mac));
  const samples = [];
  let sent = 0;
  let hangups = 0;
  try {
    await waitFor(`${kind}'s first state`, () => states > 0 || subject.child.exitCode !== null, 60_000);
    if (subject.child.exitCode !== null) throw new Error(`${kind} exited:\n${subject.log()}`);
    await sleep(options.settleMs);
    const t0 = performance.now();
    let seq = SEQ_START;
    const sender = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * perDeviceRate);
      // At most 20 per heater per tick: aedes recurses through a long synchronous burst.
      for (let burst = 0; sent / 2 < due && burst < 20; burst++) {
        for (const source of sources) source.publish(seq++);
        sent += 2;
      }
    }, 10);
    const hanger = setInterval(() => {
      sim.faults.hangUpAll();
      hangups++;
    }, hangUpEveryMs);
    const sample = async () => {
      const p = await subject.probe(false);
      samples.push({ minute: (performance.now() - t0) / 60_000, rss_mb: mb(p.rss), heap_mb: mb(p.heapUsed) });
    };
    await sample();
    while (performance.now() - t0 < durationMs) {
      await sleep(Math.min(sampleMs, durationMs - (performance.now() - t0)));
      await sample();
    }
    clearInterval(sender);
    clearInterval(hanger);
  } finally {
    await observer.close().catch(() => undefined);
    await subject.stop();
  }
  const lastHalf = samples.filter((s) => s.minute >= options.soakMinutes / 2);
  const perMinute = slope(lastHalf.map((s) => ({ x: s.minute, y: s.rss_mb })));
  return {
    subject: kind,
    statuses_sent: sent,
    states_received: states,
    hangups,
    rss_first_mb: round(samples[0]?.rss_mb, 1),
    rss_last_mb: round(samples.at(-1)?.rss_mb, 1),
    rss_max_mb: round(Math.max(...samples.map((s) => s.rss_mb)), 1),
    rss_median_last_half_mb: round(median(lastHalf.map((s) => s.rss_mb)), 1),
    rss_slope_last_half_mb_per_hour: round(perMinute === null ? null : perMinute * 60, 2),
    heap_last_mb: round(samples.at(-1)?.heap_mb, 1),
    samples: samples.map((s) => ({
      minute: round(s.minute, 2),
      rss_mb: round(s.rss_mb, 1),
      heap_mb: round(s.heap_mb, 1),
    })),
  };
}

export async function runSoak(options) {
  const runScript = await readRunScript(options.bridgeDir);
  const repo = new URL('..', import.meta.url).pathname;
  const { startSimulator } = await import(pathToFileURL(resolve(repo, 'dist', 'sim', 'index.js')).href);
  const sim = await startSimulator({ devices: [{ macAddress: MAC }, { macAddress: SECOND_MAC }] });
  const broker = await startMosquitto();
  const results = [];
  try {
    for (const kind of ['baseline', 'bridge']) {
      if (!options.json) process.stderr.write(`soak: ${kind} for ${options.soakMinutes} min…\n`);
      results.push(await soakSubject(kind, { options, sim, broker, runScript }));
    }
  } finally {
    await broker.close();
    await sim.close();
  }
  const [baseline, bridge] = results;
  return {
    bench: 'soak',
    bridge_dir: options.bridgeDir,
    bridge_node_flags: runScript.nodeFlags,
    bridge_run_script_env: runScript.env,
    soak_minutes_per_subject: options.soakMinutes,
    compressed: '24 h: one status per heater per second, two heaters, a hang-up per hour',
    rss_slope_mb_per_hour_baseline: baseline.rss_slope_last_half_mb_per_hour,
    rss_slope_mb_per_hour_bridge: bridge.rss_slope_last_half_mb_per_hour,
    rss_last_mb_baseline: baseline.rss_last_mb,
    rss_last_mb_bridge: bridge.rss_last_mb,
    rss_last_ratio: baseline.rss_last_mb ? round(bridge.rss_last_mb / baseline.rss_last_mb, 3) : null,
    baseline,
    bridge,
  };
}

export function soakTable(result) {
  const lines = [
    `soak: ${result.compressed}, ${result.soak_minutes_per_subject} min per subject; bridge ${result.bridge_dir}`,
    '',
    '| subject | statuses sent | states received | hang-ups | RSS first (MB) | RSS max (MB) | RSS last (MB) | slope, last half (MB/h) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of [result.baseline, result.bridge]) {
    lines.push(
      `| ${r.subject} | ${r.statuses_sent} | ${r.states_received} | ${r.hangups} | ${r.rss_first_mb} | ${r.rss_max_mb} | ${r.rss_last_mb} | ${r.rss_slope_last_half_mb_per_hour} |`,
    );
  }
  lines.push('', 'RSS by sample (minute: baseline / bridge MB):');
  const n = Math.max(result.baseline.samples.length, result.bridge.samples.length);
  for (let i = 0; i < n; i++) {
    const b = result.baseline.samples[i];
    const s = result.bridge.samples[i];
    lines.push(`  ${(s ?? b).minute.toFixed(1).padStart(6)}: ${b?.rss_mb ?? '—'} / ${s?.rss_mb ?? '—'}`);
  }
  return lines.join('\n');
}
