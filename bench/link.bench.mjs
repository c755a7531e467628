// Benchmark: the cloud link against the simulated cloud, next to a bare aws-crt client as the
// baseline. Measures request→reply latency, command→confirmed-state latency, recovery time after a
// hang-up, memory across many reconnects, and status decoding throughput.
// Run after `npm run build`:  node --expose-gc bench/link.bench.mjs
// Prints one JSON line of figures at the end; exits non-zero if memory grows beyond its bound.

import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { auth: crtAuth, io, iot, mqtt } = require('aws-iot-device-sdk-v2');
const dist = process.env.NWP500_DIST
  ? pathToFileURL(`${process.env.NWP500_DIST.replace(/\/$/, '')}/`).href
  : new URL('../dist/', import.meta.url).href;
const load = (path) => import(new URL(path, dist).href);

const { startSimulator } = await load('sim/index.js');
const { NavienAuth } = await load('navien/auth.js');
const { NavienApi } = await load('navien/api.js');
const { CloudLink } = await load('navien/connection.js');
const { NavienCloud } = await load('navien/cloud.js');
const { CommandQueue } = await load('navien/queue.js');
const { DiagnosticsCollector } = await load('diagnostics/collector.js');
const { decodeStatus } = await load('device/status.js');
const { systemClock } = await load('util/clock.js');
const { Redactor } = await load('util/redact.js');
const { createLogger } = await load('util/logger.js');

const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 200);
const RECOVERIES = Number(process.env.BENCH_RECOVERIES ?? 5);
const RECONNECT_CYCLES = Number(process.env.BENCH_RECONNECT_CYCLES ?? 150);
const MAX_HEAP_GROWTH_MB = 30;
const MAC = '04786332fca0';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const summary = (values) => ({
  p50: +quantile(values, 0.5).toFixed(2),
  p95: +quantile(values, 0.95).toFixed(2),
  max: +Math.max(...values).toFixed(2),
});
async function waitFor(condition, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

const sim = await startSimulator({ keepAlive: { minSecs: 1 } });
const figures = {};

// --- Baseline: a bare aws-crt client doing status requests by hand -----------------------------
{
  const signIn = await fetch(`${sim.restUrl}/user/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: sim.account.email, password: sim.account.password }),
  }).then((r) => r.json());
  const token = signIn.data.token;
  const tls = new io.TlsContextOptions();
  tls.override_default_trust_store(sim.caPem);
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
    region: 'us-east-1',
    credentials_provider: crtAuth.AwsCredentialsProvider.newStatic(
      token.accessKeyId,
      token.secretKey,
      token.sessionToken,
    ),
  })
    .with_endpoint('localhost')
    .with_port(sim.ports.wss)
    .with_client_id('bench-bare-client')
    .with_clean_session(true)
    .with_keep_alive_seconds(60)
    .build();
  config.tls_ctx = new io.ClientTlsContext(tls);
  const connection = new mqtt.MqttClient().new_connection(config);
  connection.on('error', () => undefined);
  let replies = 0;
  connection.on('message', (topic, payload) => {
    if (topic.endsWith('/bench-bare-client/res') && Buffer.from(payload).includes('"status"')) replies++;
  });
  let resumedAt = 0;
  connection.on('resume', () => {
    resumedAt = performance.now();
  });
  await connection.connect();
  await connection.subscribe(`cmd/52/navilink-${MAC}/#`, mqtt.QoS.AtLeastOnce);
  const request = JSON.stringify({
    clientID: 'bench-bare-client',
    sessionID: 'b'.repeat(32),
    protocolVersion: 2,
    request: { command: 16777219, deviceType: 52, macAddress: MAC, additionalValue: '5322' },
    requestTopic: `cmd/52/navilink-${MAC}/st`,
    responseTopic: `cmd/52/navilink-${MAC}/bench-bare-client/res`,
  });
  const latencies = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const before = replies;
    const start = performance.now();
    await connection.publish(`cmd/52/navilink-${MAC}/st`, request, mqtt.QoS.AtLeastOnce);
    await waitFor(() => replies > before);
    latencies.push(performance.now() - start);
  }
  figures.bare_status_round_trip_ms = summary(latencies);
  // aws-crt's own reconnect (the SDK defaults: 1 s minimum, no jitter), as the recovery baseline.
  const recoveries = [];
  for (let i = 0; i < RECOVERIES; i++) {
    resumedAt = 0;
    const start = performance.now();
    sim.faults.kickClient('bench-bare-client');
    await waitFor(() => resumedAt > 0, 30_000);
    recoveries.push(resumedAt - start);
    await sleep(10_500); // the SDK resets its backoff only after 10 s of stable connection
  }
  figures.bare_recovery_ms = summary(recoveries);
  await connection.disconnect().catch(() => undefined);
}

// --- The bridge's cloud side -----------------------------------------------------------------------
const dataDir = await mkdtemp(join(tmpdir(), 'nwp500-bench-'));
const redactor = new Redactor();
const log = createLogger({ level: 'error', redactor, sink: { write: () => undefined } });
const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock: systemClock });
const auth = new NavienAuth({
  apiUrl: sim.restUrl,
  email: sim.account.email,
  password: sim.account.password,
  dataDir,
  clock: systemClock,
  log,
  redactor,
});
await auth.load();
const queue = new CommandQueue({ maxSize: 200, maxAgeMs: 300_000, clock: systemClock, log });
const link = new CloudLink({
  url: sim.mqttsUrl,
  caPem: sim.caPem,
  keepAliveSecs: 60,
  // The add-on's defaults, except a 2 s ceiling: the memory loop below hangs up every second, which
  // the engine would otherwise treat as a storm and slow down on purpose.
  reconnect: { initialMs: 500, maxMs: 2_000, deepThreshold: 5, maxAttempts: -1 },
  queue,
  auth,
  diagnostics: collector,
  clock: systemClock,
  log,
});
const cloud = new NavienCloud({
  api: new NavienApi(auth, log, redactor),
  link,
  clientId: () => auth.clientId(),
  statusIntervalMs: 60_000,
  diagnostics: collector,
  // The queue confirms each command by the status that shows it, as main.ts wires it.
  commands: queue,
  clock: systemClock,
  log,
});
let confirmations = 0;
cloud.events.on('status', (_mac, status) => {
  if (status.command === 33554464) confirmations++;
});
cloud.start();
await waitFor(() => link.isConnected() && cloud.device(MAC)?.feature);
{
  const latencies = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const before = confirmations;
    const start = performance.now();
    const outcome = cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 45 + (i % 10), unit: 'C' });
    if (!outcome.ok) throw new Error(outcome.reason);
    await waitFor(() => confirmations > before);
    latencies.push(performance.now() - start);
  }
  figures.bridge_command_to_confirmed_state_ms = summary(latencies);
}
{
  const recoveries = [];
  for (let i = 0; i < RECOVERIES; i++) {
    const start = performance.now();
    const drops = collector.getMetrics().total_connection_drops;
    sim.faults.kickClient(auth.clientId());
    await waitFor(() => collector.getMetrics().total_connection_drops > drops && link.isConnected(), 30_000);
    recoveries.push(performance.now() - start);
    // Sessions shorter than 10 s count as a storm and slow the next reconnect down on purpose.
    await sleep(10_500);
  }
  figures.bridge_recovery_ms = summary(recoveries);
}
{
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const rssByCycle = {};
  for (let i = 0; i < RECONNECT_CYCLES; i++) {
    const recovered = collector.getMetrics().connection_recovered;
    sim.faults.hangUpAll();
    await waitFor(
      () => collector.getMetrics().connection_recovered > recovered && link.isConnected(),
      30_000,
    );
    if ((i + 1) % Math.max(1, Math.floor(RECONNECT_CYCLES / 4)) === 0) {
      global.gc?.();
      rssByCycle[i + 1] = +(process.memoryUsage().rss / 1048576).toFixed(1);
    }
  }
  // RSS is the whole process's, simulator included; a leak shows as steady growth between checkpoints.
  figures.rss_mb_by_cycle = rssByCycle;
  await sleep(500);
  global.gc?.();
  figures.reconnect_cycles = RECONNECT_CYCLES;
  figures.heap_growth_mb = +((process.memoryUsage().heapUsed - heapBefore) / 1048576).toFixed(2);
  figures.rss_growth_mb = +((process.memoryUsage().rss - rssBefore) / 1048576).toFixed(2);
}
await cloud.stop();
await queue.stop();
await rm(dataDir, { recursive: true, force: true });

// --- Decoding throughput ---------------------------------------------------------------------------
{
  const payload = sim.device(MAC).status();
  const n = 200_000;
  for (let i = 0; i < 20_000; i++) decodeStatus(payload);
  const start = performance.now();
  for (let i = 0; i < n; i++) decodeStatus(payload);
  const perOp = ((performance.now() - start) * 1000) / n;
  figures.decode_status_us = +perOp.toFixed(2);
}
await sim.close();

console.log(JSON.stringify({ bench: 'link', ...figures }));
const ok = figures.heap_growth_mb < MAX_HEAP_GROWTH_MB;
if (!ok)
  console.error(
    `heap grew ${figures.heap_growth_mb} MB over ${RECONNECT_CYCLES} reconnects (limit ${MAX_HEAP_GROWTH_MB} MB)`,
  );
process.exit(ok ? 0 : 1);
