// Benchmark: the diagnostics collector must record a million mixed events (drops, successes,
// reconnect attempts, publishes, wire messages) at under 2 µs each with flat memory.
// Run after `npm run build`:  node --expose-gc bench/diagnostics.bench.mjs
// (NWP500_DIST=/other/dist points it at another build.)

import { pathToFileURL } from 'node:url';

const dist = process.env.NWP500_DIST
  ? pathToFileURL(`${process.env.NWP500_DIST.replace(/\/$/, '')}/`).href
  : new URL('../dist/', import.meta.url).href;
const { DiagnosticsCollector } = await import(new URL('diagnostics/collector.js', dist).href);

const EVENTS = 1_000_000;
const WARM_UP = 200_000;
const TARGET_NS_PER_EVENT = 2000;
const TARGET_HEAP_GROWTH_BYTES = 4 * 1024 * 1024;

// A clock that moves 40 ms per event, so a run spans ~11 h of 5-minute load bins and minute slots.
let mono = 0;
const clock = {
  now: () => Date.UTC(2026, 0, 1) + mono,
  monotonic: () => mono,
  setTimeout: () => ({ id: 0 }),
  clearTimeout: () => undefined,
};
const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock });
const hangup = {
  name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
  code: 5134,
  message: 'peer closed the connection',
};

function record(i) {
  mono += 40;
  switch (i % 20) {
    case 0:
      collector.recordConnectionDrop({
        error: hangup,
        reconnectAttempt: 0,
        activeSubscriptions: 3,
        queuedCommands: 0,
      });
      break;
    case 1:
      collector.recordReconnectAttempt({ attempt: 1, deep: false });
      break;
    case 2:
      collector.recordConnectionSuccess({
        eventType: 'resumed',
        sessionPresent: true,
        returnCode: 0,
        attemptNumber: 1,
      });
      break;
    case 3:
    case 4:
    case 5:
    case 6:
      collector.recordPublish({ queued: i % 2 === 0 });
      break;
    default:
      collector.recordMessage(i % 3 === 0 ? 'out' : 'in');
  }
}

const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null;
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

for (let i = 0; i < WARM_UP; i++) record(i); // fills every ring, lets the JIT settle
const heapBefore = heap();
const started = process.hrtime.bigint();
for (let i = 0; i < EVENTS; i++) record(i);
const elapsedNs = Number(process.hrtime.bigint() - started);
const heapAfter = heap();

const nsPerEvent = elapsedNs / EVENTS;
const growth = heapAfter - heapBefore;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2);
console.log(`diagnostics collector: ${EVENTS} mixed events in ${(elapsedNs / 1e6).toFixed(1)} ms`);
console.log(`  ${nsPerEvent.toFixed(0)} ns per event (target < ${TARGET_NS_PER_EVENT} ns)`);
console.log(
  `  heap ${mb(heapBefore)} MB before, ${mb(heapAfter)} MB after (${growth >= 0 ? '+' : ''}${mb(growth)} MB; ` +
    `target < ${mb(TARGET_HEAP_GROWTH_BYTES)} MB)${gc ? '' : ' [run with --expose-gc for exact heap figures]'}`,
);
console.log(
  `  retained: ${collector.getRecentDrops(10_000).length} drops, ${collector.getRecentConnections(10_000).length} connections; ` +
    `counted ${collector.getMetrics().total_connection_drops} drops`,
);

// Worst case: nothing but drops and recoveries (each builds an event object and two timestamps).
const STORM_EVENTS = 200_000;
const stormStarted = process.hrtime.bigint();
for (let i = 0; i < STORM_EVENTS; i++) {
  mono += 40;
  if (i % 2 === 0) {
    collector.recordConnectionDrop({
      error: hangup,
      reconnectAttempt: 1,
      activeSubscriptions: 3,
      queuedCommands: 2,
    });
  } else {
    collector.recordConnectionSuccess({
      eventType: 'resumed',
      sessionPresent: true,
      returnCode: 0,
      attemptNumber: 1,
    });
  }
}
const stormNsPerEvent = Number(process.hrtime.bigint() - stormStarted) / STORM_EVENTS;
console.log(
  `  drops and recoveries only: ${stormNsPerEvent.toFixed(0)} ns per event (target < ${TARGET_NS_PER_EVENT} ns)`,
);

const failures = [];
if (nsPerEvent >= TARGET_NS_PER_EVENT) failures.push(`per-event cost ${nsPerEvent.toFixed(0)} ns`);
if (stormNsPerEvent >= TARGET_NS_PER_EVENT)
  failures.push(`drop/recovery cost ${stormNsPerEvent.toFixed(0)} ns`);
if (gc && growth >= TARGET_HEAP_GROWTH_BYTES) failures.push(`heap grew ${mb(growth)} MB`);
if (failures.length > 0) {
  console.error(`FAIL: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('OK');
