// Runs the built bridge (`node dist/cli.js run`) as its own process against the simulator and a
// real Mosquitto, the way the add-on's s6 service runs it, and reads what it prints.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Simulator } from '../src/sim/index.js';
import type { TestBroker } from './mosquitto.js';
import { freePort } from './ports.js';

export interface BridgeProcess {
  child: ChildProcess;
  httpPort: number;
  url: string;
  dataDir: string;
  configDir: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
  http<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T; text: string }>;
  close(): Promise<void>;
}

export interface BridgeProcessOptions {
  sim: Simulator;
  broker: TestBroker;
  env?: Record<string, string>;
  /** Reuse directories (a restart of the same install). */
  dataDir?: string;
  configDir?: string;
  httpPort?: number;
  /** The cloud MQTT URL the bridge dials (default the simulator's wss URL), e.g. through a proxy. */
  mqttUrl?: string;
  /** The checkout whose built `dist/cli.js` runs, as the add-on's s6 run script does from /app. */
  root?: string;
  /** Keep only the last this many characters of stdout/stderr (default: all). */
  maxCaptureChars?: number;
}

export async function startBridgeProcess(options: BridgeProcessOptions): Promise<BridgeProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'nwp500-data-')));
  const configDir = options.configDir ?? (await mkdtemp(join(tmpdir(), 'nwp500-config-')));
  const caFile = join(dataDir, 'simulator-ca.pem');
  await writeFile(caFile, options.sim.caPem);
  const httpPort = options.httpPort ?? (await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NWP500_OPTIONS: join(dataDir, 'options.json'),
    NAVIEN_EMAIL: options.sim.account.email,
    NAVIEN_PASSWORD: options.sim.account.password,
    NWP500_NAVIEN_API_URL: options.sim.restUrl,
    NWP500_NAVIEN_MQTT_URL: options.mqttUrl ?? options.sim.mqttsUrl,
    NWP500_NAVIEN_MQTT_CA_FILE: caFile,
    NWP500_MQTT_HOST: options.broker.host,
    NWP500_MQTT_PORT: String(options.broker.port),
    NWP500_DATA_DIR: dataDir,
    NWP500_HA_CONFIG_DIR: configDir,
    NWP500_HTTP_PORT: String(httpPort),
    NWP500_STATUS_INTERVAL: '5',
    NWP500_LOG_LEVEL: 'debug',
    NWP500_LOG_JSON: '1',
    ...options.env,
  };
  // `cd /app && exec node /app/dist/cli.js run`, as rootfs/…/nwp500-bridge/run does.
  const root = options.root ?? process.cwd();
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'run'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const limit = options.maxCaptureChars ?? Number.POSITIVE_INFINITY;
  const keep = (text: string) => (text.length > limit ? text.slice(text.length - limit) : text);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out = keep(out + chunk.toString());
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err = keep(err + chunk.toString());
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  return {
    child,
    httpPort,
    url,
    dataDir,
    configDir,
    stdout: () => out,
    stderr: () => err,
    exited,
    async http<T>(path: string, init?: RequestInit) {
      const response = await fetch(`${url}${path}`, init);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: response.status, body: body as T, text };
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
      if (!options.configDir) await rm(configDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/** Polls until `check` resolves truthy (errors count as "not yet"). */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
