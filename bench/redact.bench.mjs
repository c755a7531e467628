// Benchmark: what redaction costs per log line and per report string after 1, 100 and 10 000
// sign-ins, with the session tokens registered as generations (this and the previous one) against
// the 0.1.0 shape (every sign-in's six secrets kept for ever), next to a redactor that knows no
// secrets as the bare baseline. Every log line is scrubbed twice (its fields, then the whole line).
// Run after `npm run build`:  node bench/redact.bench.mjs
// Prints a table and one JSON line of figures. Report-only: it never fails a build.

import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const dist = process.env.NWP500_DIST
  ? pathToFileURL(`${process.env.NWP500_DIST.replace(/\/$/, '')}/`).href
  : new URL('../dist/', import.meta.url).href;
const load = (path) => import(new URL(path, dist).href);
const { Redactor } = await load('util/redact.js');
const { createLogger } = await load('util/logger.js');

const SIGN_INS = [1, 100, 10_000];
const MIN_MS = Number(process.env.BENCH_MIN_MS ?? 250);
const MAC = '04786332fca0';

/** Token-like values of the lengths NaviLink uses: JWTs, a refresh token, AWS key id, secret, session token. */
const LENGTHS = [900, 900, 120, 20, 40, 800];
const session = () => LENGTHS.map((n) => randomBytes(n).toString('base64url').slice(0, n));

function redactorAfter(signIns, shape) {
  const r = new Redactor();
  for (const value of ['owner@example.com', 'hunter2-password', 'mqtt-password-x', 'supervisor-token-abcdef'])
    r.addSecret(value);
  r.addDeviceId(MAC);
  r.addDeviceId('NWP500-SN-7781234');
  r.addDeviceId('navien-ha-36283-1a2b3c4d');
  for (let i = 0; i < signIns; i++) {
    const tokens = session();
    if (shape === 'generations') r.setSecretGeneration('navien-tokens', tokens);
    else for (const token of tokens) r.addSecret(token);
  }
  return r;
}

/** ns per call of `fn`, timed over at least MIN_MS after a warm-up. */
function measure(fn) {
  for (let i = 0; i < 50; i++) fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < 20; i++) fn();
    calls += 20;
    elapsed = performance.now() - start;
  } while (elapsed < MIN_MS);
  return (elapsed * 1e6) / calls;
}

const REPORT_STRING =
  'connection interrupted: libaws-c-mqtt: AWS_ERROR_MQTT_UNEXPECTED_HANGUP, The connection was closed unexpectedly. ' +
  `topic cmd/52/navilink-${MAC}/st/did while 3 commands were queued`;

function costs(redactor) {
  const log = createLogger({ level: 'info', redactor, sink: { write: () => undefined } });
  const line = measure(() =>
    log.info(
      { device: 'dev-1a2b3c4d', topic: `cmd/52/navilink-${MAC}/st`, attempt: 3, delayMs: 1200 },
      'published a status request',
    ),
  );
  const report = measure(() => redactor.scrubString(REPORT_STRING));
  return { line, report, secrets: redactor.secretCount() };
}

costs(new Redactor()); // warm-up: the first figures of a run would carry the JIT's work
const bare = costs(new Redactor());
const figures = {
  bench: 'redact',
  bare_ns_per_log_line: Math.round(bare.line),
  bare_ns_per_report_string: Math.round(bare.report),
};
console.log(
  `bare redactor (no secrets): ${Math.round(bare.line)} ns per log line, ${Math.round(bare.report)} ns per report string`,
);
console.log('sign-ins  shape          secrets  ns/log line (× bare)  ns/report string (× bare)');
for (const signIns of SIGN_INS) {
  for (const shape of ['generations', 'keep-all']) {
    const c = costs(redactorAfter(signIns, shape));
    const key = `${shape === 'generations' ? 'new' : 'old'}_${signIns}`;
    figures[`${key}_secrets`] = c.secrets;
    figures[`${key}_ns_per_log_line`] = Math.round(c.line);
    figures[`${key}_ns_per_report_string`] = Math.round(c.report);
    console.log(
      `${String(signIns).padStart(8)}  ${shape.padEnd(13)}  ${String(c.secrets).padStart(7)}  ` +
        `${String(Math.round(c.line)).padStart(11)} (${(c.line / bare.line).toFixed(1).padStart(6)})  ` +
        `${String(Math.round(c.report)).padStart(16)} (${(c.report / bare.report).toFixed(1).padStart(6)})`,
    );
  }
}
// Flat cost: after 10 000 sign-ins a line costs what it cost after one.
figures.new_10000_vs_1_log_line = +(
  figures.new_10000_ns_per_log_line / figures.new_1_ns_per_log_line
).toFixed(2);
figures.old_10000_vs_new_10000_log_line = +(
  figures.old_10000_ns_per_log_line / figures.new_10000_ns_per_log_line
).toFixed(1);
console.log(JSON.stringify(figures));
