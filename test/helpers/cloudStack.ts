// The cloud side wired as main.ts wires it (auth, REST, link, queue, device polling, diagnostics)
// against the simulated Navien cloud, for the cloud-link tests.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { NavienApi } from '../../src/navien/api.js';
import { type AuthOptions, NavienAuth } from '../../src/navien/auth.js';
import { NavienCloud, type NavienCloudOptions } from '../../src/navien/cloud.js';
import { CloudLink, type LinkOptions } from '../../src/navien/connection.js';
import { DeviceRoster } from '../../src/navien/deviceRoster.js';
import { CommandQueue } from '../../src/navien/queue.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { systemClock } from '../../src/util/clock.js';
import { type CapturedLog, captureLog } from './logCapture.js';

export const MAC = '04786332fca0';

export interface CloudStack {
  sim: Simulator;
  log: CapturedLog;
  dataDir: string;
  auth: NavienAuth;
  collector: DiagnosticsCollector;
  queue: CommandQueue;
  link: CloudLink;
  cloud: NavienCloud;
  statuses: Array<{ mac: string; command: number | null; at: number }>;
  start(): void;
  close(): Promise<void>;
}

export interface StackOptions {
  sim?: SimulatorOptions;
  /** Use this simulator instead of starting one (it is then not closed by the stack). */
  simulator?: Simulator;
  /** MQTT URL override (e.g. through a TCP proxy). */
  url?: (sim: Simulator) => string;
  /** REST URL override (e.g. through a TCP proxy). */
  restUrl?: (sim: Simulator) => string;
  password?: string;
  link?: Partial<Omit<LinkOptions, 'auth' | 'diagnostics' | 'clock' | 'log' | 'queue'>>;
  queue?:
    | {
        maxSize?: number;
        maxAgeMs?: number;
        publishTimeoutMs?: number;
        confirmTimeoutMs?: number;
        maxSends?: number;
      }
    | false;
  statusIntervalMs?: number;
  auth?: Partial<Pick<AuthOptions, 'invalidCredentialsBackoff'>>;
  dataDir?: string;
  /** Device-list reading: how often, and the retries of a failed read (default: the cloud's). */
  cloud?: Partial<
    Pick<NavienCloudOptions, 'deviceListIntervalMs' | 'deviceListBackoff' | 'holdWhileOffline'>
  >;
  /** The wall clock the device roster judges "an hour apart" by (default: the system clock). */
  rosterNow?: () => number;
}

export async function startStack(options: StackOptions = {}): Promise<CloudStack> {
  const sim = options.simulator ?? (await startSimulator({ keepAlive: { minSecs: 1 }, ...options.sim }));
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'nwp500-link-')));
  const log = captureLog('debug');
  const clock = systemClock;
  const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock, log: log.logger });
  const auth = new NavienAuth({
    apiUrl: options.restUrl ? options.restUrl(sim) : sim.restUrl,
    email: sim.account.email,
    password: options.password ?? sim.account.password,
    dataDir,
    clock,
    log: log.logger.child({ module: 'navien/auth' }),
    redactor: log.redactor,
    restObserver: collector,
    ...options.auth,
  });
  await auth.load();
  auth.onRenewal((info) => collector.recordCredentialRenewal(info));
  const queueOptions = options.queue || {};
  const queue = new CommandQueue({
    ...queueOptions,
    maxSize: queueOptions.maxSize ?? 200,
    maxAgeMs: queueOptions.maxAgeMs ?? 300_000,
    path: join(dataDir, 'command_queue.json'),
    clock,
    log: log.logger,
    onDrop: (reason) => collector.recordQueueDrop(reason),
  });
  const link = new CloudLink({
    url: options.url ? options.url(sim) : sim.mqttsUrl,
    caPem: sim.caPem,
    keepAliveSecs: 30,
    connectTimeoutMs: 5_000,
    reconnect: { initialMs: 200, maxMs: 2_000, deepThreshold: 5, maxAttempts: -1 },
    ...(options.queue === false ? {} : { queue }),
    flushRatePerSecond: 100,
    ...options.link,
    auth,
    diagnostics: collector,
    clock,
    log: log.logger.child({ module: 'navien/connection' }),
  });
  const api = new NavienApi(auth, log.logger, log.redactor);
  const roster = new DeviceRoster({
    dataDir,
    log: log.logger.child({ module: 'navien/deviceRoster' }),
    now: options.rosterNow ?? (() => clock.now()),
  });
  await roster.load();
  const cloud = new NavienCloud({
    api,
    roster,
    ...options.cloud,
    link,
    clientId: () => auth.clientId(),
    statusIntervalMs: options.statusIntervalMs ?? 1_000,
    diagnostics: collector,
    ...(options.queue === false ? {} : { commands: queue }),
    clock,
    log: log.logger.child({ module: 'navien/cloud' }),
  });
  const statuses: CloudStack['statuses'] = [];
  cloud.events.on('status', (mac, status) => statuses.push({ mac, command: status.command, at: Date.now() }));
  return {
    sim,
    log,
    dataDir,
    auth,
    collector,
    queue,
    link,
    cloud,
    statuses,
    start: () => cloud.start(),
    async close() {
      await cloud.stop();
      await queue.stop();
      await roster.flush();
      if (!options.simulator) await sim.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves once a status newer than now has arrived (the link hears the device again). */
export async function statusFlows(stack: CloudStack, timeoutMs = 15_000): Promise<void> {
  const since = Date.now();
  await waitFor('a fresh status from the device', () => stack.statuses.some((s) => s.at > since), timeoutMs);
}

export function dropNames(stack: CloudStack): string[] {
  return stack.collector.getRecentDrops(1000).map((d) => String(d.error_name));
}
