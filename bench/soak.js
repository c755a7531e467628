// `npm run bench -- --soak-minutes N`: the memory soak. A day of two heaters is compressed into N
// minutes per subject — one status per heater per compressed second, a cloud hang-up every
// compressed hour — as far as the simulator and the subjects can sustain it. The send rate is
// capped (`--soak-rate R`, statuses per second for all heaters; 400 by default, well under the
// 1 000 this 2-core machine sustained with the bench's event-loop delay p99 at 12 ms and the
// sender waiting only through hang-ups), and the sender waits while a subject lags more than
// LAG_WINDOW statuses behind, so a short soak covers fewer compressed hours instead of burying the
// subject (or the simulator, which shares the bench's process and event loop) under thousands of
// statuses a second. What was achieved is reported: statuses sent and received, hang-ups done,
// compressed hours covered, the bench's own event-loop delay and CPU. RSS is sampled all along
// (each minute, or more often for short runs) as the Supervisor sees it (no forced collection);
// it must flatten: the figure is the least-squares slope over the last half, in MB per (real)
// hour, for every subject. Subjects run one after the other: the baseline, the bridge, then each
// `--compare-dir` tree (started from its own run script).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startMosquitto } from './lib/mosquitto.js';
import { median, round, sleep, slope, waitFor } from './lib/stats.js';
import { readRunScript, spawnBaseline, spawnBridge } from './lib/subjects.js';
import { MAC, mb, observe, SECOND_MAC, SEQ_START, statusSource } from './side-by-side.js';

const DAY_S = 86_400;
const HOUR_S = 3_600;
/**
 * The most statuses per heater a subject may be behind the sender (sent, not yet overtaken by an
 * arrival) before the sender waits: well under Mosquitto's 1 000 queued QoS 1 messages per client.
 */
const LAG_WINDOW = 500;
/** A subject silent this long while lagging (an outage) gets one status per heater to move on. */
const HOLD_MAX_MS = 1_000;
const TICK_MS = 10;
/** At most this much sending time is made up after a late tick (no bursts after a stall). */
const MAX_CREDIT_S = 0.1;

/** The compression a run of `minutes` per subject can have at `maxRate` statuses/s in all. */
export function soakPlan(minutes, maxRate, heaters = 2) {
  const durationS = minutes * 60;
  const wantedPerHeater = DAY_S / durationS;
  const perHeater = Math.min(wantedPerHeater, maxRate / heaters);
  return {
    heaters,
    duration_s: durationS,
    wanted_rate_per_heater: wantedPerHeater,
    rate_per_heater: perHeater,
    rate_capped: perHeater < wantedPerHeater,
    planned_compressed_hours: (perHeater * durationS) / HOUR_S,
  };
}

async function soakSubject(spec, ctx) {
  const { options, sim, broker } = ctx;
  const kind = spec.subject;
  await broker.restart();
  const macs = [MAC, SECOND_MAC];
  const subject =
    kind === 'baseline'
      ? spawnBaseline({ sim, broker, macs })
      : await spawnBridge({ sim, broker, bridgeDir: spec.bridgeDir, runScript: spec.runScript, name: kind });
  const observer = await observe(
    broker,
    macs.map((m) => subject.stateTopic(m)),
  );
  const heaters = macs.map((mac) => ({
    mac,
    source: statusSource(sim, mac),
    next: SEQ_START,
    highest: 0,
    seen: 0,
  }));
  let states = 0;
  let firstState = false;
  observer.onMessage((topic, payload) => {
    if (!subject.isState(topic)) return;
    firstState = true;
    const heater = heaters.find((h) => topic.includes(h.mac));
    const match = subject.seqPattern.exec(payload.toString('latin1'));
    if (!heater || !match) return;
    const seq = Number(match[1]);
    if (seq < SEQ_START) return; // the heater's own status, before the bench's first
    states++;
    if (seq > heater.highest) {
      heater.highest = seq;
      heater.seen++;
    }
  });
  const plan = soakPlan(options.soakMinutes, options.soakRate, macs.length);
  const durationMs = plan.duration_s * 1000;
  const sampleMs = options.soakSampleSecs
    ? options.soakSampleSecs * 1000
    : Math.min(60_000, Math.max(2_000, durationMs / 20));
  const samples = [];
  const sent = () => heaters.reduce((t, h) => t + (h.next - SEQ_START), 0);
  let hangups = 0;
  let heldMs = 0;
  let holdReleases = 0;
  let maxLag = 0;
  let elapsedMs = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  let benchCpu;
  try {
    await waitFor(`${kind}'s first state`, () => firstState || subject.child.exitCode !== null, 60_000);
    if (subject.child.exitCode !== null) throw new Error(`${kind} exited:\n${subject.log()}`);
    await sleep(options.settleMs);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    loopDelay.enable();
    let lastTick = t0;
    let credit = 0;
    let heldSince = null;
    const sender = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(...heaters.map((h) => h.next - 1 - Math.max(h.highest, SEQ_START - 1)));
      maxLag = Math.max(maxLag, lag);
      if (lag > LAG_WINDOW) {
        // The subject is behind: the compressed clock waits with it (no catching up afterwards).
        heldSince ??= now;
        lastTick = now;
        credit = 0;
        if (now - heldSince < HOLD_MAX_MS) return;
        // Silent for a while (an outage that lost what was in flight): one status to move on.
        heldMs += now - heldSince;
        heldSince = now;
        holdReleases++;
        credit = 1;
      } else if (heldSince !== null) {
        heldMs += now - heldSince;
        heldSince = null;
      }
      credit = Math.min(
        credit + ((now - lastTick) / 1000) * plan.rate_per_heater,
        Math.max(1, plan.rate_per_heater * MAX_CREDIT_S),
      );
      lastTick = now;
      while (credit >= 1) {
        credit--;
        for (const heater of heaters) {
          heater.source.publish(heater.next++);
          // A cloud hang-up every compressed hour (3 600 statuses of a heater).
          if (heater === heaters[0] && (heater.next - SEQ_START) % HOUR_S === 0) {
            sim.faults.hangUpAll();
            hangups++;
          }
        }
      }
    }, TICK_MS);
    const sample = async () => {
      const p = await subject.probe(false);
      samples.push({ minute: (performance.now() - t0) / 60_000, rss_mb: mb(p.rss), heap_mb: mb(p.heapUsed) });
    };
    try {
      await sample();
      while (performance.now() - t0 < durationMs) {
        await sleep(Math.min(sampleMs, durationMs - (performance.now() - t0)));
        await sample();
      }
    } finally {
      clearInterval(sender);
      loopDelay.disable();
      if (heldSince !== null) heldMs += performance.now() - heldSince;
      elapsedMs = performance.now() - t0;
      benchCpu = process.cpuUsage(cpu0);
    }
    // What is still on its way is counted, not lost.
    await waitFor('the last statuses', () => heaters.every((h) => h.highest >= h.next - 1), 5_000).catch(
      () => undefined,
    );
  } finally {
    await observer.close().catch(() => undefined);
    await subject.stop();
  }
  const perHeaterSent = heaters[0].next - SEQ_START;
  const minutes = elapsedMs / 60_000;
  const lastHalf = samples.filter((s) => s.minute >= minutes / 2);
  const perMinute = slope(lastHalf.map((s) => ({ x: s.minute, y: s.rss_mb })));
  const heapPerMinute = slope(lastHalf.map((s) => ({ x: s.minute, y: s.heap_mb })));
  const received = heaters.reduce((t, h) => t + h.seen, 0);
  return {
    subject: kind,
    ...(spec.bridgeDir ? { dir: spec.bridgeDir, node_flags: spec.runScript.nodeFlags } : {}),
    command: subject.command,
    soak_minutes: round(minutes, 2),
    statuses_sent: sent(),
    statuses_received: received,
    statuses_not_received: sent() - received,
    state_messages_received: states,
    rate_per_heater_target: round(plan.rate_per_heater, 2),
    rate_per_heater_achieved: round(perHeaterSent / (elapsedMs / 1000), 2),
    compressed_hours_covered: round(perHeaterSent / HOUR_S, 2),
    hangups,
    sender_held_ms: round(heldMs, 0),
    sender_hold_releases: holdReleases,
    max_lag_statuses: maxLag,
    bench_event_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6, 1),
    bench_event_loop_delay_max_ms: round(loopDelay.max / 1e6, 1),
    bench_cpu_percent: round(((benchCpu.user + benchCpu.system) / 1000 / elapsedMs) * 100, 1),
    rss_first_mb: round(samples[0]?.rss_mb, 1),
    rss_last_mb: round(samples.at(-1)?.rss_mb, 1),
    rss_max_mb: round(Math.max(...samples.map((s) => s.rss_mb)), 1),
    rss_median_last_half_mb: round(median(lastHalf.map((s) => s.rss_mb)), 1),
    rss_slope_last_half_mb_per_hour: round(perMinute === null ? null : perMinute * 60, 2),
    rss_change_last_half_mb: round(perMinute === null ? null : (perMinute * minutes) / 2, 2),
    heap_slope_last_half_mb_per_hour: round(heapPerMinute === null ? null : heapPerMinute * 60, 2),
    heap_last_mb: round(samples.at(-1)?.heap_mb, 1),
    samples_in_last_half: lastHalf.length,
    samples: samples.map((s) => ({
      minute: round(s.minute, 2),
      rss_mb: round(s.rss_mb, 1),
      heap_mb: round(s.heap_mb, 1),
    })),
  };
}

function sampleText(sample) {
  return sample ? `${sample.rss_mb} (${sample.heap_mb})` : '—';
}

export async function runSoak(options) {
  const runScript = await readRunScript(options.bridgeDir);
  const specs = [{ subject: 'baseline' }, { subject: 'bridge', bridgeDir: options.bridgeDir, runScript }];
  for (const { name, dir } of options.compares ?? []) {
    if (!existsSync(resolve(dir, 'dist', 'cli.js')))
      throw new Error(`--compare-dir ${dir}: no dist/cli.js (run \`npm run build\` there first)`);
    specs.push({ subject: `compare:${name}`, name, bridgeDir: dir, runScript: await readRunScript(dir) });
  }
  const repo = new URL('..', import.meta.url).pathname;
  const { startSimulator } = await import(pathToFileURL(resolve(repo, 'dist', 'sim', 'index.js')).href);
  const sim = await startSimulator({ devices: [{ macAddress: MAC }, { macAddress: SECOND_MAC }] });
  const broker = await startMosquitto();
  const results = [];
  try {
    for (const spec of specs) {
      if (!options.json) process.stderr.write(`soak: ${spec.subject} for ${options.soakMinutes} min…\n`);
      results.push(await soakSubject(spec, { options, sim, broker }));
    }
  } finally {
    await broker.close();
    await sim.close();
  }
  const [baseline, bridge, ...compared] = results;
  const plan = soakPlan(options.soakMinutes, options.soakRate);
  const ratio = (a, b) => (a !== null && b ? round(a / b, 3) : null);
  return {
    bench: 'soak',
    bridge_dir: options.bridgeDir,
    bridge_node_flags: runScript.nodeFlags,
    bridge_run_script_env: runScript.env,
    soak_minutes_per_subject: options.soakMinutes,
    max_rate_statuses_per_s: options.soakRate,
    rate_per_heater_wanted: round(plan.wanted_rate_per_heater, 2),
    rate_per_heater_planned: round(plan.rate_per_heater, 2),
    rate_capped: plan.rate_capped,
    planned_compressed_hours: round(plan.planned_compressed_hours, 2),
    lag_window_statuses: LAG_WINDOW,
    compressed:
      `${round(plan.planned_compressed_hours, 1)} of 24 compressed hours planned per subject: ` +
      `${round(plan.rate_per_heater, 1)} statuses/s per heater` +
      (plan.rate_capped
        ? ` (a full day needs ${round(plan.wanted_rate_per_heater, 1)}; capped by --soak-rate ${options.soakRate} for all heaters)`
        : '') +
      `, two heaters, a hang-up per compressed hour`,
    rss_slope_mb_per_hour_baseline: baseline.rss_slope_last_half_mb_per_hour,
    rss_slope_mb_per_hour_bridge: bridge.rss_slope_last_half_mb_per_hour,
    rss_last_mb_baseline: baseline.rss_last_mb,
    rss_last_mb_bridge: bridge.rss_last_mb,
    rss_last_ratio: ratio(bridge.rss_last_mb, baseline.rss_last_mb),
    compressed_hours_covered_baseline: baseline.compressed_hours_covered,
    compressed_hours_covered_bridge: bridge.compressed_hours_covered,
    baseline,
    bridge,
    ...(compared.length > 0
      ? {
          compare: Object.fromEntries(
            compared.map((c) => [
              c.subject.slice('compare:'.length),
              { ...c, rss_last_ratio: ratio(c.rss_last_mb, baseline.rss_last_mb) },
            ]),
          ),
        }
      : {}),
  };
}

export function soakTable(result) {
  const subjects = [result.baseline, result.bridge, ...Object.values(result.compare ?? {})];
  const lines = [
    `soak: ${result.compressed}; ${result.soak_minutes_per_subject} min per subject; bridge ${result.bridge_dir}`,
    ...Object.entries(result.compare ?? {}).map(([name, c]) => `${name}: ${c.dir}`),
    '',
    '| subject | statuses sent / received | rate per heater (target → achieved /s) | compressed hours | hang-ups | sender held (ms) | bench loop delay p99 (ms) | bench CPU (%) | RSS first / max / last (MB) | RSS slope, last half (MB/h) | RSS change, last half (MB) | heap slope (MB/h) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of subjects) {
    lines.push(
      `| ${r.subject} | ${r.statuses_sent} / ${r.statuses_received} | ${r.rate_per_heater_target} → ${r.rate_per_heater_achieved} | ` +
        `${r.compressed_hours_covered} | ${r.hangups} | ${r.sender_held_ms} | ${r.bench_event_loop_delay_p99_ms} | ${r.bench_cpu_percent} | ` +
        `${r.rss_first_mb} / ${r.rss_max_mb} / ${r.rss_last_mb} | ${r.rss_slope_last_half_mb_per_hour} | ${r.rss_change_last_half_mb} | ` +
        `${r.heap_slope_last_half_mb_per_hour} |`,
    );
  }
  lines.push('', `RSS (V8 heap) by sample (minute: ${subjects.map((r) => r.subject).join(' / ')} MB):`);
  const n = Math.max(...subjects.map((r) => r.samples.length));
  for (let i = 0; i < n; i++) {
    const at = subjects.map((r) => r.samples[i]).find(Boolean);
    lines.push(
      `  ${at.minute.toFixed(2).padStart(6)}: ${subjects.map((r) => sampleText(r.samples[i])).join(' / ')}`,
    );
  }
  return lines.join('\n');
}
