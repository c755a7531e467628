// The bridge's cloud side as main.ts wires it (auth, REST, link, queue, device tracking), every
// part on the virtual clock, talking to the scripted cloud instead of AWS and NaviLink.

import { pino } from 'pino';
import type { DeviceCommand } from '../../src/device/commands.js';
import { defaultLimits } from '../../src/health/health.js';
import { HealthMonitor, queueAgeOf } from '../../src/health/monitor.js';
import { NavienApi } from '../../src/navien/api.js';
import { NavienAuth } from '../../src/navien/auth.js';
import { NavienCloud } from '../../src/navien/cloud.js';
import { CloudLink, type LinkDiagnostics } from '../../src/navien/connection.js';
import { DeviceRoster } from '../../src/navien/deviceRoster.js';
import { CommandQueue, type QueuedCommand } from '../../src/navien/queue.js';
import type { TransportFactory } from '../../src/navien/transport.js';
import type { Clock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';
import { Redactor } from '../../src/util/redact.js';
import { memDisk } from './memStore.js';
import type { Prng } from './prng.js';
import { SimScheduler } from './scheduler.js';
import { ScriptedCloud } from './scriptedCloud.js';

export const MACS = ['04786332fca0', '04786332fcb1'] as const;

/** `unhealthy_after_secs` of the simulated bridge. */
export const UNHEALTHY_AFTER_SECS = 600;

export type CommandKind = 'dhw_temperature' | 'dhw_mode' | 'demand_response';
export const COMMAND_KINDS: readonly CommandKind[] = ['dhw_temperature', 'dhw_mode', 'demand_response'];

/** One HA command the queue accepted. */
export interface Accepted {
  seq: number;
  device: string;
  kind: CommandKind;
  value: string;
  payload: string;
  acceptedAtMono: number;
  dropped: 'overflow' | 'expired' | null;
}

/** What the queue says about its commands (the contract's `accounting()`), when it has it. */
export interface AccountingLike {
  accepted: number;
  delivered: number;
  superseded: number;
  expired: number;
  overflow: number;
  unconfirmed: number;
  in_queue: number;
}

const silentLog = pino({ level: 'silent' });

/** The bridge's settings for one run (drawn from the seed, or pinned by a regression). */
export interface WorldConfig {
  awsLifeSecs: number;
  jwtLifeSecs: number;
  queueMaxSize: number;
  queueMaxAgeMs: number;
  keepAliveSecs: number;
  deafAfterMs: number;
  deviceListIntervalMs: number;
}

export function drawConfig(rng: Prng): WorldConfig {
  return {
    awsLifeSecs: rng.pick([1200, 3600, 43_200]),
    jwtLifeSecs: rng.pick([900, 3600]),
    queueMaxSize: rng.pick([5, 20, 200]),
    queueMaxAgeMs: rng.pick([120_000, 300_000, 3_600_000]),
    keepAliveSecs: rng.pick([30, 60, 1200]),
    deafAfterMs: rng.pick([0, 300_000]),
    deviceListIntervalMs: rng.pick([10 * 60_000, 6 * 3600_000]),
  };
}

export interface WorldOptions {
  seed: number;
  /** Chance the cloud's outcomes are drawn from (PUBACK lost or not, latencies, ...). */
  rng: Prng;
  config: WorldConfig;
  trace: (line: string) => void;
  /** Log lines of the bridge go to the trace too (replay of one seed). */
  verbose: boolean;
  /** A deliberately broken part, to prove the invariants catch it (harness self-test only). */
  sabotage?: Sabotage;
}

export type Sabotage = 'lose-commands' | 'timers-never-fire' | 'leak-timers' | 'health-always-ok';

export class World {
  readonly sched = new SimScheduler();
  readonly cloudModel: ScriptedCloud;
  readonly redactor = new Redactor();
  readonly log: Logger;
  auth!: NavienAuth;
  queue!: CommandQueue;
  link!: CloudLink;
  roster!: DeviceRoster;
  cloud!: NavienCloud;
  health!: HealthMonitor;
  /** The harness's own record of the link: monotonic ms since it stopped being connected. */
  downSinceMono: number | null = 0;
  readonly accepted: Accepted[] = [];
  readonly byPayload = new Map<string, Accepted[]>();
  private readonly seqById = new Map<string, Accepted>();
  refused = 0;
  /** PUBACKs of queued commands that reached the bridge. */
  commandAcks = 0;
  /** Heaters the cloud removed, with how many device lists had been answered by then. */
  readonly removedEvents: Array<{ macs: string[]; wallMs: number; answers: number }> = [];
  readonly linkStates: string[] = [];
  private issuing: { kind: CommandKind; value: string } | null = null;
  private ownListeners = 0;

  readonly config: WorldConfig;

  constructor(private readonly options: WorldOptions) {
    this.config = options.config;
    const { rng, trace, config } = options;
    this.log = options.verbose
      ? pino({ level: 'debug', base: undefined }, { write: (line: string) => trace(`  log ${line.trim()}`) })
      : silentLog;
    memDisk.clear();
    this.cloudModel = new ScriptedCloud({
      sched: this.sched,
      rng: rng.fork(1),
      log: silentLog,
      macs: MACS,
      awsLifeSecs: config.awsLifeSecs,
      jwtLifeSecs: config.jwtLifeSecs,
      trace: (line) => trace(line),
    });
    this.cloudModel.describe = (payload) => this.describe(payload);
    this.cloudModel.isCommand = (payload) => this.byPayload.has(payload);
    this.cloudModel.acked = (payload) => {
      if (this.byPayload.has(payload)) this.commandAcks++;
    };
  }

  /** Builds and starts the bridge's parts on the (simulated) data_dir, as main.ts does at start-up. */
  async start(): Promise<void> {
    const { sched, log, redactor, cloudModel, options } = this;
    const { rng, config } = options;
    const random = rng.fork(2 + this.restarts);
    this.auth = new NavienAuth({
      apiUrl: 'https://sim.invalid/api',
      email: 'sim@example.invalid',
      password: 'sim-password',
      dataDir: '/sim-data',
      clock: sched.clockFor('auth'),
      log,
      redactor,
      fetch: cloudModel.fetch,
      random: () => random.next(),
    });
    await this.auth.load();
    this.queue = new CommandQueue({
      maxSize: config.queueMaxSize,
      maxAgeMs: config.queueMaxAgeMs,
      path: '/sim-data/command_queue.json',
      clock: sched.clockFor('queue'),
      log,
      onDrop: (reason, command) => this.onDrop(reason, command),
    });
    await this.queue.load();
    const diagnostics: LinkDiagnostics = {
      recordConnectionDrop: () => undefined,
      recordConnectionSuccess: () => undefined,
      recordReconnectAttempt: () => undefined,
      recordReconnectFailure: () => undefined,
      recordPublish: () => undefined,
      recordMessage: () => undefined,
    };
    const transportFactory: TransportFactory = (o, h) => cloudModel.createTransport(o, h);
    this.link = new CloudLink({
      url: 'wss://sim.iot.us-east-1.amazonaws.com/mqtt',
      keepAliveSecs: config.keepAliveSecs,
      connectTimeoutMs: 30_000,
      operationTimeoutMs: 30_000,
      reconnect: { initialMs: 1_000, maxMs: 60_000, deepThreshold: 5, maxAttempts: -1 },
      deafAfterMs: config.deafAfterMs,
      queue: this.queue,
      // No spacing between queued publishes: the old queue spaces them on real timers.
      flushRatePerSecond: Number.POSITIVE_INFINITY,
      auth: this.auth,
      diagnostics,
      clock: this.clockFor('link'),
      log,
      random: () => random.next(),
      transportFactory,
    });
    // The queue's own id for each command, so a drop is pinned on the right one.
    const queue = this.queue as unknown as { enqueue: (input: unknown) => unknown };
    const originalEnqueue = queue.enqueue.bind(queue);
    queue.enqueue = (input) => {
      const queued = originalEnqueue(input);
      const id = (queued as { id?: unknown } | undefined)?.id;
      const last = this.accepted[this.accepted.length - 1];
      if (typeof id === 'string' && last) this.seqById.set(id, last);
      return queued;
    };
    const originalSend = this.link.sendCommand.bind(this.link);
    this.link.sendCommand = (command) => {
      // Known before the queue sees it: the queue may publish it before this call returns.
      const accepted = this.onAccepted(command);
      if (options.sabotage === 'lose-commands' && accepted.seq % 4 === 0) return 'queued';
      const outcome = originalSend(command);
      if (outcome === 'refused') this.forget(accepted);
      return outcome;
    };
    this.link.events.on('state', (state) => {
      this.linkStates.push(state);
      if (state === 'connected' || state === 'stopped') this.downSinceMono = null;
      else this.downSinceMono ??= sched.monotonic();
      options.trace(`link ${state}`);
    });
    this.ownListeners = 1;
    // As main.ts builds it; its tick only recomputes (the virtual clock never stalls), so it runs rarely.
    this.health = new HealthMonitor({
      link: this.link,
      auth: this.auth,
      queueAge: queueAgeOf(this.queue),
      maxReconnectAttempts: -1,
      limits: defaultLimits(UNHEALTHY_AFTER_SECS),
      clock: sched.clockFor('health'),
      log,
      tickMs: 600_000,
    });
    this.roster = new DeviceRoster({ dataDir: '/sim-data', log, now: () => sched.now() });
    await this.roster.load();
    this.cloud = new NavienCloud({
      api: new NavienApi(this.auth, log, redactor),
      link: this.link,
      roster: this.roster,
      clientId: () => this.auth.clientId(),
      statusIntervalMs: 300_000,
      deviceListIntervalMs: config.deviceListIntervalMs,
      deviceListBackoff: { initialMs: 5_000, maxMs: 120_000 },
      diagnostics: { recordCommandRefused: () => undefined },
      clock: this.clockFor('cloud'),
      log,
      random: () => random.next(),
    });
    this.cloud.events.on('removed', (macs) => {
      this.removedEvents.push({ macs, wallMs: sched.now(), answers: this.cloudModel.listAnswers.length });
      options.trace(`cloud removed ${macs.join(',')}`);
    });
    if (options.sabotage === 'health-always-ok') this.health.current = () => ({ status: 'ok', reasons: [] });
    this.cloud.start();
    this.health.start();
  }

  private clockFor(owner: 'link' | 'cloud'): Clock {
    const clock = this.sched.clockFor(owner);
    const { sabotage } = this.options;
    if (owner === 'link' && sabotage === 'timers-never-fire') {
      // Timers are accepted and forgotten: an engine that means to retry but never does.
      let connected = false;
      this.sched.setTimer(
        'sim',
        () => {
          connected = true;
        },
        0,
      );
      return { ...clock, setTimeout: (fn, ms) => (connected ? { id: -1 } : clock.setTimeout(fn, ms)) };
    }
    if (owner === 'cloud' && sabotage === 'leak-timers') {
      // Every timer leaves a twin behind that nobody clears.
      return {
        ...clock,
        setTimeout: (fn, ms) => {
          clock.setTimeout(() => undefined, 1e12);
          return clock.setTimeout(fn, ms);
        },
      };
    }
    return clock;
  }

  healthRunning = true;
  restarts = 0;

  /** Shuts down as main.ts does (cloud, then queue, then health), then starts again on the same data_dir. */
  async restart(): Promise<void> {
    await this.cloud.stop();
    await this.queue.stop();
    this.stopHealth();
    this.restarts++;
    this.healthRunning = true;
    await this.start();
  }

  stopHealth(): void {
    this.health.stop();
    this.healthRunning = false;
  }

  /** Listeners on the link's events that are not the harness's own. */
  linkListeners(): number {
    const events = ['message', 'connected', 'state', 'connection_interrupted', 'connection_resumed'] as const;
    let total = 0;
    for (const event of events) total += this.link.events.listenerCount(event);
    // The health monitor's state listener is the bridge's too, but it lives as long as the monitor.
    return total - this.ownListeners - (this.healthRunning ? 1 : 0);
  }

  issue(device: string, kind: CommandKind, value: string): string {
    const command: DeviceCommand =
      kind === 'dhw_temperature'
        ? { kind, value: Number(value), unit: 'F' }
        : kind === 'dhw_mode'
          ? { kind, mode: value as 'heat_pump' }
          : { kind, on: value === 'on' };
    this.issuing = { kind, value };
    const outcome = this.cloud.sendCommand(device, command);
    this.issuing = null;
    if (!outcome.ok) this.refused++;
    return outcome.ok ? outcome.delivery : `refused (${outcome.code})`;
  }

  accounting(): AccountingLike | null {
    const q = this.queue as unknown as { accounting?: () => AccountingLike };
    return typeof q.accounting === 'function' ? q.accounting() : null;
  }

  describe(payload: string): string {
    const found = this.byPayload.get(payload);
    if (found?.length) return `cmd#${found.map((a) => a.seq).join('/')}`;
    try {
      const command = (JSON.parse(payload) as { request?: { command?: number } }).request?.command;
      return `request ${command}`;
    } catch {
      return 'message';
    }
  }

  private onAccepted(command: Omit<QueuedCommand, 'id' | 'createdAt'>): Accepted {
    const issuing = this.issuing;
    if (!issuing) throw new Error('a command was accepted that the harness did not issue');
    const accepted: Accepted = {
      seq: this.accepted.length + 1,
      device: command.device,
      kind: issuing.kind,
      value: issuing.value,
      payload: command.payload,
      acceptedAtMono: this.sched.monotonic(),
      dropped: null,
    };
    this.accepted.push(accepted);
    const same = this.byPayload.get(command.payload) ?? [];
    same.push(accepted);
    this.byPayload.set(command.payload, same);
    return accepted;
  }

  private forget(accepted: Accepted): void {
    this.accepted.pop();
    const same = this.byPayload.get(accepted.payload) ?? [];
    same.pop();
    if (same.length === 0) this.byPayload.delete(accepted.payload);
  }

  private onDrop(reason: 'overflow' | 'expired', command: QueuedCommand): void {
    // Not yet mapped: the command being enqueued right now was the one dropped.
    const dropped = this.seqById.get(command.id) ?? this.accepted[this.accepted.length - 1];
    if (dropped) dropped.dropped = reason;
    this.options.trace(`queue dropped ${dropped ? `cmd#${dropped.seq}` : 'a command'} (${reason})`);
  }
}
