// The two bench subjects as child processes, each preloaded with bench/probe.js (memory, heap and
// CPU over IPC, measured the same way for both):
// - baseline: bench/forwarder.js on plain `node` (the floor of the two client libraries);
// - bridge:   the built bridge, started as the add-on's s6 `run` script starts it — its node flags
//             and exported variables are read from that script, so the bench cannot drift from it;
//             a tree compared beside it (`--compare-dir`) is started from its own run script.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './mosquitto.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const PROBE = join(BENCH_DIR, 'probe.js');
export const RUN_SCRIPT = 'rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/run';
const LOG_TAIL_BYTES = 16_384;

/**
 * Reads `export NAME=value` lines and the `exec node [flags] /app/dist/cli.js run` line of the s6
 * run script: the node flags, the environment it sets, and the arguments after the script.
 */
export async function readRunScript(bridgeDir) {
  const path = join(bridgeDir, RUN_SCRIPT);
  const text = await readFile(path, 'utf8');
  const env = {};
  let command;
  for (const line of text.split('\n')) {
    const exported = /^\s*export\s+([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"]*)"|'([^']*)'|(\S*))\s*$/.exec(line);
    if (exported) env[exported[1]] = exported[2] ?? exported[3] ?? exported[4] ?? '';
    const exec = /^\s*exec\s+(?:\S*\/)?node\s+(.*)$/.exec(line);
    if (exec) command = exec[1].trim().split(/\s+/);
  }
  if (!command) throw new Error(`${path}: no \`exec node ... dist/cli.js\` line to start the bridge from`);
  const script = command.findIndex((token) => token.endsWith('dist/cli.js'));
  if (script < 0) throw new Error(`${path}: the exec line does not run dist/cli.js`);
  return { path, nodeFlags: command.slice(0, script), args: command.slice(script + 1), env };
}

function tail(text) {
  return text.length > LOG_TAIL_BYTES ? text.slice(-LOG_TAIL_BYTES) : text;
}

function attach(name, child, extra) {
  let log = '';
  const keep = (chunk) => {
    log = tail(log + chunk.toString());
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  let nextProbe = 0;
  const waiting = new Map();
  child.on('message', (message) => {
    const resolve = waiting.get(message?.probe);
    if (resolve) {
      waiting.delete(message.probe);
      resolve(message);
    }
  });
  return {
    name,
    child,
    pid: child.pid,
    log: () => log,
    exited,
    /** Memory, heap and CPU of the subject; `gc` runs a full collection first. */
    probe(gc = false) {
      const id = ++nextProbe;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${name} did not answer a probe within 10 s\n${log}`));
        }, 10_000);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        if (!child.connected) {
          clearTimeout(timer);
          reject(new Error(`${name} is gone (exit ${child.exitCode ?? child.signalCode})\n${log}`));
          return;
        }
        child.send({ probe: id, gc });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await extra?.cleanup?.();
    },
  };
}

const STDIO = ['ignore', 'pipe', 'pipe', 'ipc'];

/**
 * The forwarder; `mode: 'json'` makes it the JSON floor (see forwarder.js), publishing `jsonBytes`
 * of JSON per status, labelled `name`.
 */
export function spawnBaseline({ sim, broker, macs, mode = 'raw', name = 'baseline', jsonBytes = 0 }) {
  const wss = new URL(sim.mqttsUrl);
  const config = {
    restUrl: sim.restUrl,
    email: sim.account.email,
    password: sim.account.password,
    host: wss.hostname,
    port: Number(wss.port),
    caPem: sim.caPem,
    localUrl: broker.url,
    macs,
    mode,
    jsonBytes,
  };
  const child = spawn(process.execPath, ['--import', PROBE, join(BENCH_DIR, 'forwarder.js')], {
    cwd: BENCH_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', BENCH_FORWARDER: JSON.stringify(config) },
    stdio: STDIO,
  });
  return {
    ...attach(name, child),
    command: `node --import bench/probe.js bench/forwarder.js${mode === 'raw' ? '' : ` (${mode}, ${jsonBytes} B per status)`}`,
    stateTopic: (mac) => `bench/forward/cmd/52/navilink-${mac}/#`,
    isState: (topic) => topic.startsWith('bench/forward/') && topic.endsWith('/res'),
    seqPattern: /"cumulatedOpTimeEvaFan":(\d+)/,
    retainedFilters: ['bench/forward/#'],
  };
}

/**
 * A built bridge tree started with `runScript` (its own s6 run script's flags and variables, as
 * read by readRunScript). `name` labels it in errors (the bridge, or a tree compared beside it).
 */
export async function spawnBridge({ sim, broker, bridgeDir, runScript, extraEnv = {}, name = 'bridge' }) {
  const dataDir = await mkdtemp(join(tmpdir(), 'nwp500-bench-data-'));
  const configDir = await mkdtemp(join(tmpdir(), 'nwp500-bench-config-'));
  const caFile = join(dataDir, 'simulator-ca.pem');
  await writeFile(caFile, sim.caPem);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...runScript.env,
    NWP500_OPTIONS: join(dataDir, 'options.json'),
    NAVIEN_EMAIL: sim.account.email,
    NAVIEN_PASSWORD: sim.account.password,
    NWP500_NAVIEN_API_URL: sim.restUrl,
    NWP500_NAVIEN_MQTT_URL: sim.mqttsUrl,
    NWP500_NAVIEN_MQTT_CA_FILE: caFile,
    NWP500_MQTT_HOST: broker.host,
    NWP500_MQTT_PORT: String(broker.port),
    NWP500_DATA_DIR: dataDir,
    NWP500_HA_CONFIG_DIR: configDir,
    NWP500_HTTP_PORT: String(await freePort()),
    ...extraEnv,
  };
  const args = [
    ...runScript.nodeFlags,
    '--import',
    PROBE,
    join(bridgeDir, 'dist', 'cli.js'),
    ...runScript.args,
  ];
  const child = spawn(process.execPath, args, { cwd: bridgeDir, env, stdio: STDIO });
  return {
    ...attach(name, child, {
      cleanup: async () => {
        await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
        await rm(configDir, { recursive: true, force: true, maxRetries: 5 });
      },
    }),
    command: `${Object.entries(runScript.env)
      .map(([k, v]) => `${k}=${v} `)
      .join(
        '',
      )}node ${[...runScript.nodeFlags, '--import', 'bench/probe.js'].join(' ')} dist/cli.js ${runScript.args.join(' ')}`,
    stateTopic: (mac) => `nwp500/${mac}/state`,
    isState: (topic) =>
      topic.startsWith('nwp500/') && topic.endsWith('/state') && !topic.startsWith('nwp500/bridge/'),
    seqPattern: /"cumulated_evaporator_fan_op_time":(\d+)/,
    retainedFilters: ['nwp500/#', 'homeassistant/#'],
    diagnosticsTopic: 'nwp500/bridge/diagnostics',
  };
}
