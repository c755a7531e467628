// `npm run bench`: the bridge measured side by side with a bare forwarder (bench/forwarder.js), in
// one invocation, the two alternated (baseline, bridge, baseline, bridge…), against the simulated
// cloud (this checkout's dist/sim) and a real Mosquitto on a free port, fresh for every subject run.
//
// A status is correlated by a sequence number the bench puts in `cumulatedOpTimeEvaFan`, a raw
// field the forwarder carries in the payload and the bridge passes through unchanged as
// `cumulated_evaporator_fan_op_time`; each sequence is counted once, and a sequence that never
// arrives while a later one did is reported as coalesced (not lost, not counted twice).
//
// Options: --pairs N (3)  --json  --bridge-dir DIR (the build to measure; default this checkout)
//          --messages N (100000)  --window N (100)  --latency-secs S (10)  --hangups N (5)
//          --hangup-gap-ms MS (10500)  --idle-secs S (15)  --quick (a seconds-long run for tests)
//          --soak-minutes N (the memory soak instead, see soak.js; --soak-rate R caps its statuses/s)
//          --bridge-node-flag FLAG, --bridge-env NAME=VALUE (repeatable; to profile, or to measure
//          a setting before it goes into the run script; reported as extras)
//          --variant NAME=FLAG,...,ENV=VALUE (repeatable; this bridge again with settings added)
//          --compare-dir [NAME=]DIR (repeatable; another built bridge tree — e.g. a worktree of the
//          commit before a change, built — measured as one more subject in every pair, started
//          from that tree's own s6 run script; NAME defaults to DIR's base name)
//          --json-floor (one more subject, `floor`: the forwarder parsing each message and
//          publishing JSON as long as the bridge's state; the least any bridge of this JSON pays)
// Prints figures; never fails on a figure (benches do not gate CI), only when it cannot measure.

import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { startMosquitto } from './lib/mosquitto.js';
import { stateBytes } from './lib/stateBytes.js';
import { median, quantile, round, sleep, waitFor } from './lib/stats.js';
import { readRunScript, spawnBaseline, spawnBridge } from './lib/subjects.js';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const MAC = '04786332fca0';
export const SEQ_START = 1_000_000_001;
export const SECOND_MAC = '04786332fcb1';
/** Sequences start high so they never meet the simulator's own fan-hours value. */
const SEQ_BASE = 1_000_000_000;
const PLACEHOLDER = 987_654_321;

export function parseArgs(argv) {
  const options = {
    pairs: 3,
    json: false,
    bridgeDir: REPO,
    messages: 100_000,
    window: 100,
    latencySecs: 10,
    hangups: 5,
    hangupGapMs: 10_500,
    idleSecs: 15,
    settleMs: 5_000,
    soakMinutes: 0,
    soakRate: 400,
    bridgeExtraFlags: [],
    bridgeExtraEnv: {},
    variants: [],
    compares: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const number = () => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${arg} needs a non-negative number`);
      return n;
    };
    switch (arg) {
      case '--json':
        options.json = true;
        break;
      case '--pairs':
        options.pairs = Math.max(1, Math.floor(number()));
        break;
      case '--bridge-dir':
        options.bridgeDir = resolve(value());
        break;
      case '--messages':
        options.messages = Math.max(1, Math.floor(number()));
        break;
      case '--window':
        options.window = Math.max(1, Math.min(900, Math.floor(number())));
        break;
      case '--latency-secs':
        options.latencySecs = number();
        break;
      case '--hangups':
        options.hangups = Math.floor(number());
        break;
      case '--hangup-gap-ms':
        options.hangupGapMs = number();
        break;
      case '--idle-secs':
        options.idleSecs = number();
        break;
      case '--bridge-node-flag':
        // For profiling (e.g. --cpu-prof): added after the run script's flags, reported as such.
        options.bridgeExtraFlags.push(value());
        break;
      case '--bridge-env': {
        // For measuring a setting (e.g. MALLOC_ARENA_MAX=2) before it goes into the run script.
        const [name, ...rest] = value().split('=');
        options.bridgeExtraEnv[name] = rest.join('=');
        break;
      }
      case '--variant': {
        // NAME=FLAG,FLAG,ENV=VALUE: one more bridge run per pair with these added (settings trials).
        const [name, ...rest] = value().split('=');
        const parts = rest.join('=').split(',').filter(Boolean);
        options.variants.push({
          name,
          flags: parts.filter((p) => p.startsWith('--')),
          env: Object.fromEntries(parts.filter((p) => !p.startsWith('--')).map((p) => p.split('='))),
        });
        break;
      }
      case '--compare-dir': {
        // [NAME=]DIR: a before/after in one run — the other tree alternates with this one in each
        // pair, against the same baseline, simulator and broker.
        const raw = value();
        const eq = raw.indexOf('=');
        const named = eq > 0 && !raw.slice(0, eq).includes('/');
        const dir = resolve(named ? raw.slice(eq + 1) : raw);
        const name = named ? raw.slice(0, eq) : basename(dir);
        if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`--compare-dir: name ${name} (give NAME=DIR)`);
        if (name === 'baseline' || name === 'bridge' || options.compares.some((c) => c.name === name))
          throw new Error(`--compare-dir: the name ${name} is taken (give NAME=DIR)`);
        options.compares.push({ name, dir });
        break;
      }
      case '--soak-minutes':
        options.soakMinutes = number();
        break;
      case '--json-floor':
        // One more subject: the forwarder parsing each message and publishing state-sized JSON.
        options.jsonFloor = true;
        break;
      case '--soak-sample-secs':
        // How often the soak reads each subject's RSS and heap (by default a twentieth of the soak, 2–60 s).
        options.soakSampleSecs = Math.max(0.25, number());
        break;
      case '--soak-rate':
        // The soak's cap, statuses per second for all heaters (see soak.js).
        options.soakRate = Math.max(1, number());
        break;
      case '--quick':
        Object.assign(options, {
          pairs: 1,
          messages: 2_000,
          latencySecs: 2,
          hangups: 1,
          hangupGapMs: 1_000,
          idleSecs: 1,
          settleMs: 1_000,
        });
        break;
      default:
        throw new Error(`unknown option ${arg}`);
    }
  }
  return options;
}

/** One mqtt.js client on the local broker that hears every subject's output. */
export async function observe(broker, filters) {
  const client = mqtt.connect(broker.url, {
    clientId: `bench-observer-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 100,
  });
  let handler = () => undefined;
  client.on('message', (topic, payload, packet) => handler(topic, payload, packet));
  client.on('error', () => undefined);
  await new Promise((resolveConnect, reject) => {
    client.once('connect', resolveConnect);
    client.once('error', reject);
  });
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    onMessage(fn) {
      handler = fn;
    },
    close: () => client.endAsync(true),
  };
}

/** Builds status envelopes for one heater, the sequence in the raw field the bridge passes through. */
export function statusSource(sim, mac) {
  const device = sim.device(mac);
  const status = { ...device.status(), cumulatedOpTimeEvaFan: PLACEHOLDER };
  const text = JSON.stringify({
    clientID: 'bench-device',
    sessionID: '',
    protocolVersion: 2,
    requestTopic: `cmd/52/navilink-${mac}/st`,
    responseTopic: `cmd/52/navilink-${mac}/bench-device/res`,
    response: { command: status.command ?? 16777219, deviceType: 52, macAddress: mac, status },
  });
  const [head, rest] = text.split(String(PLACEHOLDER));
  const topic = `cmd/52/navilink-${mac}/bench-device/res`;
  return { publish: (seq) => sim.publish(topic, `${head}${seq}${rest}`) };
}

/**
 * Tracks sequences seen on the subject's state topic. `highest` only moves forward; a sequence
 * below it that never came is coalesced (or lost) — the bench reports which.
 */
function tracker(subject) {
  const seen = new Map();
  let highest = 0;
  let duplicates = 0;
  let waiters = [];
  const arrivals = [];
  return {
    seen,
    /** Arrival times in order (ms, performance.now()). */
    arrivals,
    /** Called after every new sequence (the closed loop refills its window from here). */
    onAdvance: undefined,
    get highest() {
      return highest;
    },
    get duplicates() {
      return duplicates;
    },
    onMessage(topic, payload) {
      if (!subject.isState(topic)) return;
      const match = subject.seqPattern.exec(payload.toString('latin1'));
      if (!match) return;
      const seq = Number(match[1]);
      if (seq < SEQ_BASE) return;
      if (seen.has(seq)) {
        duplicates++;
        return;
      }
      const now = performance.now();
      seen.set(seq, now);
      arrivals.push(now);
      if (seq > highest) highest = seq;
      this.onAdvance?.();
      if (waiters.length > 0) {
        const ready = waiters.filter((w) => w.seq <= highest);
        waiters = waiters.filter((w) => w.seq > highest);
        for (const w of ready) w.resolve();
      }
    },
    /** Resolves once a sequence ≥ seq arrived. */
    until(seq, timeoutMs) {
      if (highest >= seq) return Promise.resolve();
      return new Promise((resolveWait, reject) => {
        const waiter = {
          seq,
          resolve: () => {
            clearTimeout(timer);
            resolveWait();
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`sequence ${seq} did not arrive within ${timeoutMs} ms (highest ${highest})`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
}

export const mb = (bytes) => bytes / 1_048_576;
const cpuMs = (probe) => (probe.cpuUserUs + probe.cpuSystemUs) / 1000;

/** Sends at a steady rate from `first`; returns a stop function that yields the send times. */
function steadyFlow(source, first, ratePerSec) {
  const sentAt = new Map();
  let seq = first;
  const startedAt = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * ratePerSec);
    while (sent < due) {
      sentAt.set(seq, performance.now());
      source.publish(seq++);
      sent++;
    }
  }, 5);
  return {
    sentAt,
    get next() {
      return seq;
    },
    stop() {
      clearInterval(timer);
      return sentAt;
    },
  };
}

/**
 * One subject run. `spec.subject` labels it (baseline, bridge, compare:NAME, variant:NAME); every
 * subject but the baseline is a bridge tree (`spec.bridgeDir`) started with `spec.runScript`.
 */
async function runSubject(spec, ctx) {
  const { options, sim } = ctx;
  const kind = spec.subject;
  const broker = ctx.broker;
  await broker.restart(); // a fresh broker: nothing retained from the previous subject
  const figures = { subject: kind };
  const started = performance.now();
  const subject =
    kind === 'baseline'
      ? spawnBaseline({ sim, broker, macs: [MAC] })
      : spec.forwarderMode
        ? spawnBaseline({
            sim,
            broker,
            macs: [MAC],
            mode: spec.forwarderMode,
            name: kind,
            jsonBytes: spec.jsonBytes,
          })
        : await spawnBridge({
            sim,
            broker,
            bridgeDir: spec.bridgeDir,
            runScript: spec.runScript,
            name: kind,
          });
  const filters = [subject.stateTopic(MAC), ...(subject.diagnosticsTopic ? [subject.diagnosticsTopic] : [])];
  const observer = await observe(broker, filters);
  let seq = SEQ_BASE + 1;
  const source = statusSource(sim, MAC);
  try {
    // --- start-up: spawn → the first state on the local broker ---------------------------------
    let firstState = 0;
    let diagnosticsMessages = 0;
    let diagnosticsBytes = 0;
    let track = tracker(subject);
    observer.onMessage((topic, payload) => {
      if (topic === subject.diagnosticsTopic) {
        diagnosticsMessages++;
        diagnosticsBytes += payload.length;
        return;
      }
      if (!firstState && subject.isState(topic)) firstState = performance.now();
      track.onMessage(topic, payload);
    });
    await waitFor(`${kind}'s first state`, () => firstState > 0 || subject.child.exitCode !== null, 60_000);
    if (!firstState) throw new Error(`${kind} exited before its first state:\n${subject.log()}`);
    figures.startup_ms = firstState - started;
    await sleep(options.settleMs);
    const start = await subject.probe(true);
    figures.rss_start_mb = mb(start.rss);
    figures.heap_start_mb = mb(start.heapUsed);
    figures.exec_argv = start.execArgv;

    // --- latency at a steady 50 msg/s ----------------------------------------------------------
    {
      const before = await subject.probe();
      const flow = steadyFlow(source, seq, 50);
      const t0 = performance.now();
      await sleep(options.latencySecs * 1000);
      const sentAt = flow.stop();
      seq = flow.next;
      await track.until(seq - 1, 10_000).catch(() => undefined);
      await sleep(200);
      const after = await subject.probe();
      const latencies = [];
      for (const [s, at] of sentAt) {
        const got = track.seen.get(s);
        if (got !== undefined) latencies.push(got - at);
      }
      figures.latency_sent = sentAt.size;
      figures.latency_received = latencies.length;
      figures.latency_p50_ms = quantile(latencies, 0.5);
      figures.latency_p99_ms = quantile(latencies, 0.99);
      figures.latency_max_ms = latencies.length ? Math.max(...latencies) : null;
      figures.cpu_ms_per_s_at_50_msg_s = (cpuMs(after) - cpuMs(before)) / ((performance.now() - t0) / 1000);
    }

    // --- closed-loop saturation over `messages` statuses, window bounded ---------------------------
    {
      track = tracker(subject);
      const first = seq;
      const last = seq + options.messages - 1;
      const before = await subject.probe();
      const t0 = performance.now();
      let next = first;
      let lastProgress = performance.now();
      let lastHighest = 0;
      const pump = () => {
        // In flight = sent but not yet overtaken by an arrival; coalesced ones do not block the loop.
        const inFlightFloor = Math.max(track.highest, first - 1);
        while (next <= last && next - 1 - inFlightFloor < options.window) source.publish(next++);
      };
      const timer = setInterval(() => {
        pump();
        if (track.highest !== lastHighest) {
          lastHighest = track.highest;
          lastProgress = performance.now();
        } else if (performance.now() - lastProgress > 3000 && next <= last) {
          // Nothing arrived for 3 s: the window's messages are lost; open it again.
          lastProgress = performance.now();
          const burst = Math.min(options.window, last - next + 1);
          for (let i = 0; i < burst; i++) source.publish(next++);
        }
      }, 50);
      track.onAdvance = pump;
      pump();
      await track.until(last, Math.max(120_000, options.messages * 2)).catch(() => undefined);
      const elapsed = (performance.now() - t0) / 1000;
      clearInterval(timer);
      await sleep(500);
      const after = await subject.probe(true);
      seq = last + 1;
      const sent = last - first + 1;
      const received = track.seen.size;
      figures.saturation_sent = sent;
      figures.saturation_received = received;
      figures.saturation_coalesced_or_lost = sent - received;
      figures.saturation_duplicates = track.duplicates;
      figures.saturation_window = options.window;
      figures.throughput_msg_s = received / elapsed;
      figures.throughput_input_msg_s = sent / elapsed;
      figures.cpu_s_per_1000_msg = ((cpuMs(after) - cpuMs(before)) / 1000 / sent) * 1000;
      figures.rss_after_messages_mb = mb(after.rss);
      figures.heap_after_messages_mb = mb(after.heapUsed);
      figures.rss_growth_mb = figures.rss_after_messages_mb - figures.rss_start_mb;
      figures.heap_growth_mb = figures.heap_after_messages_mb - figures.heap_start_mb;
      // CPU while nothing arrives: timers, keep-alives and the collector settling after the burst.
      const idleFrom = await subject.probe();
      const idleAt = performance.now();
      await sleep(options.idleSecs * 1000);
      const idleTo = await subject.probe();
      figures.cpu_ms_per_s_idle = (cpuMs(idleTo) - cpuMs(idleFrom)) / ((performance.now() - idleAt) / 1000);
      const idle = await subject.probe(true);
      figures.rss_after_idle_mb = mb(idle.rss);
      figures.heap_after_idle_mb = mb(idle.heapUsed);
      figures.rss_idle_above_start_mb = figures.rss_after_idle_mb - figures.rss_start_mb;
    }

    // --- hang-up → flowing again, at 50 msg/s; CPU and diagnostics output per hang-up -------------
    if (options.hangups > 0) {
      track = tracker(subject);
      const flow = steadyFlow(source, seq, 50);
      await track.until(seq, 10_000);
      // The flow's own CPU per message, from a quiet stretch before the first hang-up.
      const quietFrom = await subject.probe();
      const quietCount = track.seen.size;
      await sleep(Math.max(1000, Math.min(options.hangupGapMs, 3000)));
      const quietTo = await subject.probe();
      const flowCpuPerMsg = (cpuMs(quietTo) - cpuMs(quietFrom)) / Math.max(1, track.seen.size - quietCount);
      const diagBefore = { n: diagnosticsMessages, bytes: diagnosticsBytes };
      const recoveries = [];
      const hangupCpu = [];
      let uninterrupted = 0;
      for (let i = 0; i < options.hangups; i++) {
        if (i > 0) await sleep(options.hangupGapMs);
        const cpuBefore = await subject.probe();
        const countBefore = track.seen.size;
        const at = performance.now();
        const fromIndex = track.arrivals.length;
        sim.faults.hangUpAll();
        // Flowing again = the first arrival after an outage (a silence of 150 ms, over 7 intervals
        // of the 50 msg/s flow) that began after the hang-up.
        let recovered = null;
        const deadline = at + 60_000;
        while (recovered === null && performance.now() < deadline) {
          await sleep(5);
          const times = track.arrivals;
          for (let k = Math.max(fromIndex, 1); k < times.length; k++) {
            if (times[k] - Math.max(times[k - 1], at) > 150) {
              recovered = times[k] - at;
              break;
            }
          }
          if (recovered === null && performance.now() - at > 5000 && times.length - fromIndex > 200) break;
        }
        if (recovered === null) uninterrupted++;
        recoveries.push(recovered);
        await sleep(1000); // what follows a reconnect (re-requests, diagnostics) lands in this window
        const cpuAfter = await subject.probe();
        hangupCpu.push(cpuMs(cpuAfter) - cpuMs(cpuBefore) - flowCpuPerMsg * (track.seen.size - countBefore));
      }
      flow.stop();
      seq = flow.next;
      figures.hangup_recovery_ms_all = recoveries.map((r) => round(r, 0));
      figures.hangup_recovery_ms = median(recoveries);
      figures.hangups_not_interrupting = uninterrupted;
      figures.cpu_ms_per_hangup = median(hangupCpu);
      figures.diagnostics_messages_per_hangup = (diagnosticsMessages - diagBefore.n) / options.hangups;
      figures.diagnostics_bytes_per_hangup = (diagnosticsBytes - diagBefore.bytes) / options.hangups;
    }

    // --- local broker restart → every retained topic back ------------------------------------------
    {
      const retained = await retainedTopics(broker, subject.retainedFilters);
      const t0 = performance.now();
      await broker.restart();
      const upAt = performance.now();
      const seen = new Set();
      const watcher = await observe(broker, subject.retainedFilters);
      watcher.onMessage((topic) => seen.add(topic));
      const missing = () => [...retained].filter((t) => !seen.has(t));
      try {
        await waitFor('every retained topic back', () => missing().length === 0, 60_000);
        figures.broker_restart_reassert_ms = performance.now() - upAt;
      } catch {
        figures.broker_restart_reassert_ms = null;
        figures.broker_restart_missing_topics = missing().length;
      }
      figures.broker_restart_down_ms = upAt - t0;
      figures.retained_topics = retained.size;
      await watcher.close();
    }
    figures.diagnostics_messages_total = diagnosticsMessages;
  } finally {
    await observer.close().catch(() => undefined);
    await subject.stop();
  }
  figures.command = subject.command;
  return figures;
}

/** The retained topics a fresh subscriber is handed under `filters` (collected for 1 s). */
async function retainedTopics(broker, filters) {
  const topics = new Set();
  const client = mqtt.connect(broker.url, { clientId: `bench-retained-${process.pid}` });
  client.on('message', (topic, payload, packet) => {
    if (packet.retain && payload.length > 0) topics.add(topic);
  });
  await new Promise((r) => client.once('connect', r));
  await client.subscribeAsync(filters, { qos: 1 });
  await sleep(1000);
  await client.endAsync(true);
  return topics;
}

// ---- figures, ratios, output -------------------------------------------------------------------------

const ROWS = [
  // key, label, unit, digits, target (text), lower is better
  ['startup_ms', 'start-up (spawn → first state)', 'ms', 0, '≤ baseline + 700 ms'],
  ['latency_p50_ms', 'latency p50 at 50 msg/s', 'ms', 2, ''],
  ['latency_p99_ms', 'latency p99 at 50 msg/s', 'ms', 2, '≤ 1.5×'],
  ['latency_max_ms', 'latency max at 50 msg/s', 'ms', 2, ''],
  ['throughput_msg_s', 'saturation throughput (closed loop)', 'msg/s', 0, '≥ 0.7×'],
  ['cpu_s_per_1000_msg', 'CPU per 1 000 messages', 's', 4, '≤ 2×'],
  ['cpu_ms_per_s_at_50_msg_s', 'CPU at a steady 50 msg/s', 'ms/s', 1, ''],
  ['cpu_ms_per_s_idle', 'CPU while idle after the messages', 'ms/s', 1, ''],
  ['rss_start_mb', 'RSS after start', 'MB', 1, '≤ 1.25×'],
  ['rss_after_messages_mb', 'RSS after the messages', 'MB', 1, ''],
  ['rss_growth_mb', 'RSS growth over the messages', 'MB', 1, '≤ baseline + 10 MB'],
  ['rss_after_idle_mb', 'RSS after idle', 'MB', 1, ''],
  ['rss_idle_above_start_mb', 'RSS after idle − after start', 'MB', 1, 'near 0'],
  ['heap_start_mb', 'V8 heap after start', 'MB', 1, ''],
  ['heap_after_messages_mb', 'V8 heap after the messages', 'MB', 1, ''],
  ['heap_growth_mb', 'V8 heap growth over the messages', 'MB', 2, 'flat'],
  ['hangup_recovery_ms', 'hang-up → flowing again (median)', 'ms', 0, '≤ 500 + 500 ms'],
  ['cpu_ms_per_hangup', 'CPU per hang-up (reconnect + diagnostics)', 'ms', 1, ''],
  ['diagnostics_messages_per_hangup', 'diagnostics messages per hang-up', '', 1, ''],
  ['diagnostics_bytes_per_hangup', 'diagnostics bytes per hang-up', 'B', 0, ''],
  ['broker_restart_reassert_ms', 'broker restart → retained re-asserted', 'ms', 0, ''],
  ['retained_topics', 'retained topics re-asserted', '', 0, ''],
];

const RATIO_NAMES = {
  startup_ms: 'startup_ratio',
  latency_p50_ms: 'latency_p50_ratio',
  latency_p99_ms: 'latency_p99_ratio',
  latency_max_ms: 'latency_max_ratio',
  throughput_msg_s: 'throughput_ratio',
  cpu_s_per_1000_msg: 'cpu_per_message_ratio',
  cpu_ms_per_s_at_50_msg_s: 'cpu_at_50_msg_s_ratio',
  cpu_ms_per_s_idle: 'cpu_idle_ratio',
  rss_start_mb: 'rss_start_ratio',
  rss_after_messages_mb: 'rss_after_messages_ratio',
  rss_growth_mb: 'rss_growth_ratio',
  rss_after_idle_mb: 'rss_after_idle_ratio',
  heap_start_mb: 'heap_start_ratio',
  heap_after_messages_mb: 'heap_after_messages_ratio',
  hangup_recovery_ms: 'hangup_recovery_ratio',
  cpu_ms_per_hangup: 'cpu_per_hangup_ratio',
  broker_restart_reassert_ms: 'broker_restart_reassert_ratio',
};

const VARIANT_KEYS = [
  'startup_ms',
  'rss_start_mb',
  'rss_after_messages_mb',
  'rss_growth_mb',
  'rss_after_idle_mb',
  'heap_start_mb',
  'heap_after_messages_mb',
  'throughput_msg_s',
  'cpu_s_per_1000_msg',
  'latency_p99_ms',
];

export function summarize(runs, meta) {
  const of = (kind, key) => median(runs.filter((r) => r.subject === kind).map((r) => r[key]));
  const result = { bench: 'side-by-side', ...meta };
  for (const [key] of ROWS) {
    const b = of('baseline', key);
    const s = of('bridge', key);
    result[`${key}_baseline`] = round(b, 4);
    result[`${key}_bridge`] = round(s, 4);
    const ratio = RATIO_NAMES[key];
    if (ratio) result[ratio] = b && s !== null ? round(s / b, 3) : null;
  }
  result.startup_excess_ms = round(result.startup_ms_bridge - result.startup_ms_baseline, 0);
  result.rss_growth_excess_mb = round(result.rss_growth_mb_bridge - result.rss_growth_mb_baseline, 1);
  const sum = (kind, key) => runs.filter((r) => r.subject === kind).reduce((t, r) => t + (r[key] ?? 0), 0);
  for (const kind of ['baseline', 'bridge']) {
    result[`saturation_sent_total_${kind}`] = sum(kind, 'saturation_sent');
    result[`saturation_coalesced_or_lost_total_${kind}`] = sum(kind, 'saturation_coalesced_or_lost');
    result[`saturation_duplicates_total_${kind}`] = sum(kind, 'saturation_duplicates');
    result[`latency_not_received_total_${kind}`] = sum(kind, 'latency_sent') - sum(kind, 'latency_received');
    result[`subject_runs_${kind}`] = runs.filter((r) => r.subject === kind).length;
  }
  // Each compared tree: its figures, their ratios to the baseline (named as the bridge's are), and
  // the bridge's ratios to it (bridge / this tree: below 1 means the bridge now takes less).
  const compareNames = [
    ...new Set(runs.filter((r) => r.subject.startsWith('compare:')).map((r) => r.subject.slice(8))),
  ];
  if (compareNames.length > 0) {
    result.compare = {};
    for (const name of compareNames) {
      const label = `compare:${name}`;
      const figures = {};
      const ratioToBaseline = {};
      const bridgeRatioToThis = {};
      for (const [key] of ROWS) {
        const value = of(label, key);
        figures[key] = round(value, 4);
        const ratio = RATIO_NAMES[key];
        if (!ratio) continue;
        const b = of('baseline', key);
        const s = of('bridge', key);
        ratioToBaseline[ratio] = b && value !== null ? round(value / b, 3) : null;
        bridgeRatioToThis[ratio] = value && s !== null ? round(s / value, 3) : null;
      }
      result.compare[name] = {
        ...(meta.compare_trees?.[name] ?? {}),
        subject_runs: runs.filter((r) => r.subject === label).length,
        figures,
        ratio_to_baseline: ratioToBaseline,
        bridge_ratio_to_this: bridgeRatioToThis,
        startup_excess_ms: round(figures.startup_ms - result.startup_ms_baseline, 0),
        rss_growth_excess_mb: round(figures.rss_growth_mb - result.rss_growth_mb_baseline, 1),
        saturation_sent_total: sum(label, 'saturation_sent'),
        saturation_coalesced_or_lost_total: sum(label, 'saturation_coalesced_or_lost'),
        saturation_duplicates_total: sum(label, 'saturation_duplicates'),
        latency_not_received_total: sum(label, 'latency_sent') - sum(label, 'latency_received'),
      };
    }
  }
  delete result.compare_trees;
  const variantNames = [...new Set(runs.filter((r) => r.variant).map((r) => r.variant.name))];
  if (variantNames.length > 0) {
    result.variants = {};
    for (const name of ['bridge', ...variantNames.map((n) => `variant:${n}`)]) {
      const entry = {};
      for (const key of VARIANT_KEYS) {
        const value = of(name, key);
        entry[key] = round(value, 4);
        const b = of('baseline', key);
        if (RATIO_NAMES[key] && b) entry[RATIO_NAMES[key]] = round(value / b, 3);
      }
      result.variants[name] = entry;
    }
  }
  result.runs = runs.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v])),
  );
  return result;
}

function fmt(value, digits) {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function table(result) {
  const lines = [];
  const compares = Object.entries(result.compare ?? {});
  lines.push(
    `bridge: ${result.bridge_dir}  (${result.bridge_command})`,
    ...compares.map(([name, c]) => `${name}: ${c.dir}  (${c.command})`),
    `baseline: ${result.baseline_command}`,
    `${result.pairs} pair(s), alternated; medians; ${result.messages} messages per saturation run, window ${result.window}; node ${result.node}`,
    '',
  );
  const ratioText = (ratio) => (ratio === null || ratio === undefined ? '—' : fmt(ratio, 2));
  const header = [
    'figure',
    'baseline',
    ...compares.flatMap(([name]) => [name, `${name}/baseline`]),
    'bridge',
    'bridge/baseline',
    ...compares.map(([name]) => `bridge/${name}`),
    'target',
  ];
  const rows = ROWS.map(([key, label, unit, digits, target]) => {
    const ratioName = RATIO_NAMES[key];
    const ratio = ratioName ? result[ratioName] : null;
    return [
      `${label}${unit ? ` (${unit})` : ''}`,
      fmt(result[`${key}_baseline`], digits),
      ...compares.flatMap(([, c]) => [
        fmt(c.figures[key], digits),
        ratioText(ratioName ? c.ratio_to_baseline[ratioName] : null),
      ]),
      fmt(result[`${key}_bridge`], digits),
      ratioText(ratio),
      ...compares.map(([, c]) => ratioText(ratioName ? c.bridge_ratio_to_this[ratioName] : null)),
      target,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  lines.push(line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line));
  lines.push(
    '',
    `start-up excess: ${fmt(result.startup_excess_ms, 0)} ms; RSS growth excess: ${fmt(result.rss_growth_excess_mb, 1)} MB` +
      compares
        .map(
          ([name, c]) =>
            ` (${name}: ${fmt(c.startup_excess_ms, 0)} ms; ${fmt(c.rss_growth_excess_mb, 1)} MB)`,
        )
        .join(''),
    `saturation: baseline ${result.saturation_coalesced_or_lost_total_baseline} of ${result.saturation_sent_total_baseline} coalesced or lost, ` +
      `bridge ${result.saturation_coalesced_or_lost_total_bridge} of ${result.saturation_sent_total_bridge}; duplicates ` +
      `${result.saturation_duplicates_total_baseline} / ${result.saturation_duplicates_total_bridge}` +
      compares
        .map(
          ([name, c]) =>
            `; ${name} ${c.saturation_coalesced_or_lost_total} of ${c.saturation_sent_total} coalesced or lost, ${c.saturation_duplicates_total} duplicates`,
        )
        .join(''),
    `hang-ups (ms, each run): ${result.runs.map((r) => `${r.subject} [${(r.hangup_recovery_ms_all ?? []).join(', ')}]`).join('; ')}`,
  );
  if (result.variants) {
    lines.push('', `settings trials (medians; ratio to the baseline in brackets):`);
    for (const [name, v] of Object.entries(result.variants)) {
      lines.push(
        `  ${name.padEnd(28)} ` +
          VARIANT_KEYS.map(
            (k) =>
              `${k}=${fmt(v[k], 2)}${RATIO_NAMES[k] && v[RATIO_NAMES[k]] != null ? ` (${fmt(v[RATIO_NAMES[k]], 2)})` : ''}`,
          ).join(' '),
      );
    }
  }
  return lines.join('\n');
}

export async function runSideBySide(options) {
  if (!existsSync(resolve(options.bridgeDir, 'dist', 'cli.js'))) {
    throw new Error(`${options.bridgeDir}: no dist/cli.js (run \`npm run build\` there first)`);
  }
  const script = await readRunScript(options.bridgeDir);
  const runScript = {
    ...script,
    nodeFlags: [...script.nodeFlags, ...options.bridgeExtraFlags],
    env: { ...script.env, ...options.bridgeExtraEnv },
  };
  const compareSpecs = [];
  for (const { name, dir } of options.compares) {
    if (!existsSync(resolve(dir, 'dist', 'cli.js')))
      throw new Error(`--compare-dir ${dir}: no dist/cli.js (run \`npm run build\` there first)`);
    // Its own run script: a tree is measured with the flags it ships with, not this one's.
    compareSpecs.push({
      subject: `compare:${name}`,
      name,
      bridgeDir: dir,
      runScript: await readRunScript(dir),
    });
  }
  if (options.jsonFloor && options.compares.some((c) => c.name === 'floor'))
    throw new Error('--json-floor: a --compare-dir is already named floor');
  if (options.jsonFloor)
    compareSpecs.push({
      subject: 'compare:floor',
      name: 'floor',
      forwarderMode: 'json',
      jsonBytes: await stateBytes(options.bridgeDir),
      runScript: null,
    });
  const bridgeSpec = { subject: 'bridge', bridgeDir: options.bridgeDir, runScript };
  const variantSpecs = options.variants.map((variant) => ({
    subject: `variant:${variant.name}`,
    bridgeDir: options.bridgeDir,
    runScript: {
      ...runScript,
      nodeFlags: [...runScript.nodeFlags, ...variant.flags],
      env: { ...runScript.env, ...variant.env },
    },
    variant,
  }));
  const { startSimulator } = await import(pathToFileURL(resolve(REPO, 'dist', 'sim', 'index.js')).href);
  const sim = await startSimulator({ devices: [{ macAddress: MAC }] });
  const broker = await startMosquitto();
  const ctx = { options, sim, broker };
  const runs = [];
  try {
    for (let pair = 0; pair < options.pairs; pair++) {
      // The baseline first; the bridge and the compared trees take turns right after it (the order
      // rotates from pair to pair, so neither always runs on a machine warmed by the other).
      const trees = [bridgeSpec, ...compareSpecs];
      const turn = pair % trees.length;
      const order = [{ subject: 'baseline' }, ...trees.slice(turn), ...trees.slice(0, turn), ...variantSpecs];
      for (const spec of order) {
        if (!options.json) process.stderr.write(`pair ${pair + 1}/${options.pairs}: ${spec.subject}…\n`);
        const figures = await runSubject(spec, ctx);
        runs.push({ pair: pair + 1, ...figures, ...(spec.variant ? { variant: spec.variant } : {}) });
      }
    }
  } finally {
    await broker.close();
    await sim.close();
  }
  const commandOf = (subject) => runs.find((r) => r.subject === subject)?.command;
  const bridgeCommand = commandOf('bridge');
  const baselineCommand = commandOf('baseline');
  const compareTrees = Object.fromEntries(
    compareSpecs.map((c) => [
      c.name,
      {
        dir: c.bridgeDir ?? 'bench/forwarder.js',
        command: commandOf(c.subject),
        node_flags: c.runScript?.nodeFlags ?? [],
        run_script_env: c.runScript?.env ?? {},
      },
    ]),
  );
  for (const r of runs) delete r.command;
  return summarize(runs, {
    bridge_dir: options.bridgeDir,
    bridge_command: bridgeCommand,
    bridge_node_flags: script.nodeFlags,
    bridge_extra_node_flags: options.bridgeExtraFlags,
    bridge_extra_env: options.bridgeExtraEnv,
    bridge_run_script_env: script.env,
    baseline_command: baselineCommand,
    node: process.version,
    pairs: options.pairs,
    messages: options.messages,
    window: options.window,
    latency_secs: options.latencySecs,
    hangups: options.hangups,
    compare_trees: compareTrees,
  });
}
