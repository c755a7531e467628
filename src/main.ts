// The composition root: builds every part from the options, starts them in order, and stops them
// in reverse. Nothing else in the bridge starts timers or opens sockets on its own.

import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { accountProblems, loadOptions, type Options } from './config/options.js';
import { type BrokerSettings, resolveBrokerSettings } from './config/supervisor.js';
import { DiagnosticsCollector } from './diagnostics/collector.js';
import { type BridgeInfo, buildReport, type DeviceSummary, nonSecretConfig } from './diagnostics/report.js';
import { DEFAULT_STORE_FILE, DiagnosticsStore } from './diagnostics/store.js';
import { SystemWatch } from './diagnostics/systemWatch.js';
import { HaBridge } from './ha/bridge.js';
import { LocalBroker } from './ha/broker.js';
import { DiscoveryRegistry } from './ha/registry.js';
import { defaultLimits } from './health/health.js';
import { HealthMonitor, queueAgeOf } from './health/monitor.js';
import type { HealthState } from './http/health.js';
import type { HeaterFacts } from './http/heaters.js';
import type { BridgeMetrics } from './http/metrics.js';
import { ReportWriter } from './http/reportWriter.js';
import { NavienApi } from './navien/api.js';
import { NavienAuth } from './navien/auth.js';
import { caFileSource } from './navien/caFile.js';
import { NavienCloud } from './navien/cloud.js';
import { CloudLink } from './navien/connection.js';
import { DeviceRoster } from './navien/deviceRoster.js';
import { CommandQueue } from './navien/queue.js';
import { installShutdown } from './shutdown.js';
import { type Clock, systemClock } from './util/clock.js';
import { createLogger, type Logger, moduleLogger, setLogLevel } from './util/logger.js';
import { loadPseudonymKey } from './util/pseudonymKey.js';
import { Redactor, usePseudonymKey } from './util/redact.js';
import { readVersion } from './version.js';

export interface BridgeDeps {
  env: NodeJS.ProcessEnv;
  log: Logger;
  redactor: Redactor;
  clock?: Clock;
  /** Supervisor API base (a local stand-in in tests). */
  supervisorUrl?: string;
  /** Broker settings to use instead of the options / Supervisor lookup (the demo's). */
  broker?: BrokerSettings;
}

export interface RunningBridge {
  readonly options: Options;
  readonly httpPort: number;
  readonly collector: DiagnosticsCollector;
  readonly cloud: NavienCloud;
  readonly link: CloudLink;
  readonly broker: LocalBroker;
  /** The HA side; `ignoredRetainedCommands()` is the `ignored_retained` command outcome. */
  readonly haBridge: HaBridge;
  /** The redacted diagnostics report, as /api/diagnostics serves it. */
  report(): ReturnType<typeof buildReport>;
  /** Stops everything in reverse order (nothing is recorded as a drop); safe to call twice. */
  stop(): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export async function startBridge(options: Options, deps: BridgeDeps): Promise<RunningBridge> {
  const { log, redactor, env } = deps;
  const clock = deps.clock ?? systemClock;
  // Nothing below has seen a device id yet; from here on every pseudonym is this install's.
  await installPseudonymKey(options.data_dir, log, clock);
  const version = await readVersion();
  const startedAtWall = clock.now();
  const startedAtMono = clock.monotonic();
  const email = options.email;
  const password = options.password;
  if (!email || !password) throw new StartupError(accountProblems(options).join('\n'));
  redactor.addSecret(options.mqtt_password);
  redactor.addSecret(env.SUPERVISOR_TOKEN);

  let caPem: string | undefined;
  if (options.navien_mqtt_ca_file) {
    try {
      caPem = await readFile(options.navien_mqtt_ca_file, 'utf8');
    } catch (error) {
      throw new StartupError(
        `option navien_mqtt_ca_file: cannot read ${options.navien_mqtt_ca_file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  log.info({ version, node: process.version }, 'nwp500-bridge starting');

  // Diagnostics first, so everything after is recorded.
  const collector = new DiagnosticsCollector({
    maxEventsRetained: options.max_events_retained,
    clock,
    log: moduleLogger(log, 'diagnostics/collector'),
  });
  const store = new DiagnosticsStore({
    path: join(options.data_dir, DEFAULT_STORE_FILE),
    collector,
    clock,
    log: moduleLogger(log, 'diagnostics/store'),
  });
  await store.load();
  collector.recordConfigEpoch({
    keep_alive_secs: options.keep_alive_secs,
    status_interval: options.status_interval,
    initial_reconnect_delay: options.initial_reconnect_delay,
    max_reconnect_delay: options.max_reconnect_delay,
    deep_reconnect_threshold: options.deep_reconnect_threshold,
  });
  const systemWatch = new SystemWatch({
    clock,
    collector,
    log: moduleLogger(log, 'diagnostics/systemWatch'),
  });

  // The cloud side.
  const auth = new NavienAuth({
    apiUrl: options.navien_api_url,
    email,
    password,
    dataDir: options.data_dir,
    clock,
    log: moduleLogger(log, 'navien/auth'),
    redactor,
    // Every REST answer tells diagnostics the cloud's clock and that REST is reachable.
    restObserver: collector,
  });
  await auth.load();
  auth.onRenewal((info) => collector.recordCredentialRenewal(info));
  // Always there: it orders, confirms and counts every command; with `enable_command_queue` off
  // the cloud refuses commands while the link is down instead of holding them.
  const queue = new CommandQueue({
    maxSize: options.max_queued_commands,
    maxAgeMs: options.max_queued_command_age * 1000,
    path: join(options.data_dir, 'command_queue.json'),
    clock,
    log: moduleLogger(log, 'navien/queue'),
    onDrop: (reason) => collector.recordQueueDrop(reason),
  });
  await queue.load();
  const link = new CloudLink({
    url: options.navien_mqtt_url,
    ...(caPem && options.navien_mqtt_ca_file
      ? { caPem: caFileSource(options.navien_mqtt_ca_file, caPem) }
      : {}),
    keepAliveSecs: options.keep_alive_secs,
    reconnect: {
      initialMs: options.initial_reconnect_delay * 1000,
      maxMs: options.max_reconnect_delay * 1000,
      deepThreshold: options.deep_reconnect_threshold,
      maxAttempts: options.max_reconnect_attempts,
    },
    // Our own status requests echo back on the device subscription: silence this long while
    // publishing means the link went deaf.
    deafAfterMs: Math.max(60, 3 * options.status_interval) * 1000,
    queue,
    auth,
    diagnostics: collector,
    clock,
    log: moduleLogger(log, 'navien/connection'),
  });
  // Health is computed from the link, the sign-in, the queue and the event loop on every read.
  const healthMonitor = new HealthMonitor({
    link,
    auth,
    queueAge: queueAgeOf(queue),
    maxReconnectAttempts: options.max_reconnect_attempts,
    limits: defaultLimits(options.unhealthy_after_secs),
    clock,
    log: moduleLogger(log, 'health'),
  });
  const roster = new DeviceRoster({
    dataDir: options.data_dir,
    log: moduleLogger(log, 'navien/deviceRoster'),
    now: () => clock.now(),
  });
  await roster.load();
  const api = new NavienApi(auth, moduleLogger(log, 'navien/api'), redactor);
  const cloud = new NavienCloud({
    api,
    roster,
    link,
    clientId: () => auth.clientId(),
    statusIntervalMs: options.status_interval * 1000,
    staleIntervals: STALE_STATUS_INTERVALS,
    diagnostics: collector,
    commands: queue,
    holdWhileOffline: options.enable_command_queue,
    redactor,
    clock,
    log: moduleLogger(log, 'navien/cloud'),
  });

  // The Home Assistant side.
  const brokerSettings =
    deps.broker ??
    (await resolveBrokerSettings(options, {
      env,
      log: moduleLogger(log, 'config/supervisor'),
      ...(deps.supervisorUrl ? { supervisorUrl: deps.supervisorUrl } : {}),
    }));
  redactor.addSecret(brokerSettings.password);
  const broker = new LocalBroker({
    settings: brokerSettings,
    baseTopic: options.base_topic,
    discoveryPrefix: options.discovery_prefix,
    installId: auth.installId(),
    clientId: `nwp500-bridge-${auth.installId()}`,
    log: moduleLogger(log, 'ha/broker'),
    clock,
  });
  const haBridge = new HaBridge({
    cloud,
    link,
    broker,
    collector,
    registry: new DiscoveryRegistry({ dataDir: options.data_dir, log: moduleLogger(log, 'ha/registry') }),
    dataDir: options.data_dir,
    version,
    clock,
    log: moduleLogger(log, 'ha/bridge'),
    installId: auth.installId(),
    availabilityGraceMs: options.availability_grace_secs * 1000,
    onRetainedCommandIgnored: () => queue.noteRetainedIgnored(),
    onCommandRefused: () => queue.noteRefused(),
    health: healthMonitor,
    rest: api,
    controls: {
      reconnectCloud: (reason) => link.reconnectNow(reason),
      exportDiagnostics: async () => ({ path: (await reportWriter.writeNow()).path }),
      logLevel: () => log.level,
      setLogLevel: (level) => setLogLevel(log, level),
    },
  });

  // What people and their bug reports see.
  const deviceSummaries = (): DeviceSummary[] =>
    cloud.devices().map((device) => {
      const record = cloud.device(device.macAddress);
      const feature = record?.feature;
      return {
        id: device.macAddress,
        model: feature?.modelTypeName ?? 'NWP500',
        online: record?.available ?? false,
        last_update: record?.lastStatusWall ? new Date(record.lastStatusWall).toISOString() : null,
        firmware: feature
          ? `controller ${feature.controllerSwVersion ?? '?'}, panel ${feature.panelSwVersion ?? '?'}, wifi ${feature.wifiSwVersion ?? '?'}`
          : null,
      };
    });
  const bridgeInfo = (): BridgeInfo => {
    const stats = link.stats();
    const brokerStats = broker.stats();
    return {
      version,
      node: process.version,
      platform: `${process.platform}/${process.arch}`,
      uptime_seconds: Math.round((clock.monotonic() - startedAtMono) / 1000),
      started_at: new Date(startedAtWall).toISOString(),
      cloud: {
        state: stats.state,
        endpoint_host: safeHost(options.navien_mqtt_url),
        client_id: stats.clientId,
        connected_since: stats.connectedSince === null ? null : new Date(stats.connectedSince).toISOString(),
        reconnect_attempt: stats.reconnectAttempt,
        last_error: stats.lastError,
        last_message_age_seconds: stats.lastMessageAgeSeconds,
        subscriptions: stats.subscriptions.active,
        queued_commands: stats.queuedCommands,
      },
      local_broker: {
        connected: brokerStats.connected,
        host: brokerSettings.host,
        source: brokerSettings.source,
        reconnects: brokerStats.reconnects,
      },
      config: nonSecretConfig(options),
      commands: { ...queue.accounting() },
      health: healthMonitor.current(),
    };
  };
  const report = () =>
    buildReport({
      collector,
      bridge: bridgeInfo(),
      devices: deviceSummaries(),
      redactor,
    });
  const health = (): HealthState => {
    const stats = link.stats();
    return {
      health: healthMonitor.current(),
      cloud: {
        state: stats.state,
        connected: stats.state === 'connected',
        connected_since: stats.connectedSince === null ? null : new Date(stats.connectedSince).toISOString(),
        reconnect_attempt: stats.reconnectAttempt,
        last_error: stats.lastError?.name ?? null,
      },
      local_broker: { connected: broker.isConnected() },
      auth: { state: auth.state() },
    };
  };
  const bridgeMetrics = (): BridgeMetrics => ({
    command_queue_depth: queue.size,
    commands: queue.accounting(),
    last_message_age_seconds: link.stats().lastMessageAgeSeconds,
    devices: cloud.devices().map((device) => {
      const record = cloud.device(device.macAddress);
      return {
        id: device.macAddress,
        available: record?.available ?? false,
        last_update_age_seconds:
          record?.lastStatusMono == null
            ? null
            : Math.max(0, (clock.monotonic() - record.lastStatusMono) / 1000),
      };
    }),
  });
  const reportWriter = new ReportWriter({
    dir: options.ha_config_dir,
    fileName: options.diagnostics_file,
    intervalSeconds: options.diagnostics_export_interval,
    report,
    redactor,
    clock,
    log: moduleLogger(log, 'http/reportWriter'),
  });
  // The page's heater cards: what HA was told (the retained state), availability and its facts.
  const localTopics = broker.topics;
  const heaterFacts = (): HeaterFacts[] =>
    cloud.devices().map((device) => {
      const record = cloud.device(device.macAddress);
      return {
        deviceId: device.macAddress,
        name: device.deviceName,
        model: record?.feature?.modelTypeName ?? 'NWP500',
        available: record?.available ?? false,
        linkConnected: link.isConnected(),
        lastStatusAt: record?.lastStatusWall ?? null,
        lastStatusAgeSeconds:
          record?.lastStatusMono == null
            ? null
            : Math.max(0, (clock.monotonic() - record.lastStatusMono) / 1000),
        staleAfterSeconds: STALE_STATUS_INTERVALS * options.status_interval,
        state: parseState(broker.retainedPayload(localTopics.deviceState(device.macAddress))),
        unit: record?.status?.temperatureUnit ?? record?.feature?.temperatureUnit ?? null,
        pending: queue.pendingFor(device.macAddress),
      };
    });
  // Start in dependency order; each part copes with the others not being ready yet. The cloud
  // goes first, and the HTTP server is imported (Fastify), built and listened while its sign-in
  // and connection are on the wire: that is ~150 ms of CPU that came before the first state
  // (bench/FINDINGS.md). Nothing the cloud or Home Assistant side needs the server.
  systemWatch.start();
  healthMonitor.start();
  reportWriter.start();
  broker.start();
  await haBridge.start();
  cloud.start();

  let app: FastifyInstance | undefined;
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      log.info('nwp500-bridge stopping');
      await cloud.stop();
      await queue.stop();
      await roster.flush();
      await haBridge.stop();
      await broker.stop();
      await app?.close();
      await reportWriter.close();
      systemWatch.stop();
      healthMonitor.stop();
      await store.close();
      log.info('nwp500-bridge stopped');
    })();
    return stopped;
  };

  let httpPort: number;
  try {
    const { buildServer } = await import('./http/server.js');
    const server = await buildServer({
      log,
      redactor,
      clock,
      collector,
      report,
      health,
      bridgeMetrics,
      heaters: heaterFacts,
      reportWriter,
      supervised: Boolean(env.SUPERVISOR_TOKEN),
      version,
    });
    app = server;
    await server.listen({ port: options.http_port, host: env.SUPERVISOR_TOKEN ? '0.0.0.0' : '127.0.0.1' });
    const address = server.server.address();
    httpPort = typeof address === 'object' && address ? address.port : options.http_port;
  } catch (error) {
    // The cloud and the broker are already running: stop them (and the server, if it was built)
    // so a failed start leaves nothing behind, then report the failure as before.
    await stop();
    throw error;
  }
  log.info({ httpPort, host: hostname() }, 'nwp500-bridge running');
  return { options, httpPort, collector, cloud, link, broker, haBridge, report, stop };
}

/** Makes the pseudonym key kept in `dataDir` (created on the first start) the process's key. */
async function installPseudonymKey(dataDir: string, log: Logger, clock: Clock): Promise<void> {
  const key = await loadPseudonymKey({
    dataDir,
    log: moduleLogger(log, 'util/pseudonymKey'),
    now: () => clock.now(),
  });
  usePseudonymKey(key);
}

/** A heater is unavailable once its last status is older than this many status intervals. */
const STALE_STATUS_INTERVALS = 5;

/** The heater's state JSON as published, or null (none yet, or not an object). */
function parseState(payload: string | undefined): Record<string, unknown> | null {
  if (!payload) return null;
  try {
    const parsed: unknown = JSON.parse(payload);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** `nwp500-bridge run`: options from the add-on, exit 2 on bad ones, graceful stop on SIGTERM. */
export async function runBridgeProcess(env: NodeJS.ProcessEnv): Promise<void> {
  const loaded = await loadOptions({ env });
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(problem);
    process.exit(2);
  }
  const problems = accountProblems(loaded.options);
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    process.exit(2);
  }
  const redactor = new Redactor();
  const log = createLogger({ level: loaded.options.log_level, redactor });
  // The key comes before the first line the bridge logs, so no line carries a pseudonym made
  // with the stand-in key of an unloaded process (startBridge loads the same file again: a no-op).
  await installPseudonymKey(loaded.options.data_dir, log, systemClock);
  for (const warning of loaded.warnings) log.warn(warning);
  log.info({ source: loaded.source }, 'options loaded');
  let bridge: RunningBridge;
  try {
    bridge = await startBridge(loaded.options, { env, log, redactor });
  } catch (error) {
    if (error instanceof StartupError) {
      for (const line of error.message.split('\n')) console.error(line);
      process.exit(2);
    }
    throw error;
  }
  installShutdown({
    stop: () => bridge.stop(),
    log: (line, fields) => log.info(fields ?? {}, line),
  });
}
