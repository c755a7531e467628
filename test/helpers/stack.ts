// The whole bridge as main.ts wires it — simulated Navien cloud (auth, REST, aws-crt link, device
// polling, diagnostics) on one side, a real Mosquitto with LocalBroker on the other, HaBridge in
// between — for the HA-side tests. Closing it stops everything it started, in reverse order.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { HaBridge, type HaBridgeOptions } from '../../src/ha/bridge.js';
import type { BridgeControls } from '../../src/ha/bridgeControls.js';
import { LocalBroker } from '../../src/ha/broker.js';
import { DiscoveryRegistry } from '../../src/ha/registry.js';
import { defaultLimits } from '../../src/health/health.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import { NavienApi } from '../../src/navien/api.js';
import type { NavienCloud } from '../../src/navien/cloud.js';
import type { CloudLink } from '../../src/navien/connection.js';
import type { CommandQueue } from '../../src/navien/queue.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { systemClock } from '../../src/util/clock.js';
import { setLogLevel } from '../../src/util/logger.js';
import { type StackOptions, startStack } from './cloudStack.js';
import type { CapturedLog } from './logCapture.js';
import { startBroker, type TestBroker } from './mosquitto.js';

/** The simulator's default device. */
export const SIM_MAC = '04786332fca0';
export const BASE_TOPIC = 'nwp500';
export const DISCOVERY_PREFIX = 'homeassistant';

export interface HaStack {
  sim: Simulator;
  mqtt: TestBroker;
  log: CapturedLog;
  dataDir: string;
  collector: DiagnosticsCollector;
  link: CloudLink;
  cloud: NavienCloud;
  /** The command queue, wired to the HA side as main.ts wires it (refusals, retained commands). */
  queue: CommandQueue;
  broker: LocalBroker;
  registry: DiscoveryRegistry;
  bridge: HaBridge;
  health: HealthMonitor;
  /** What the bridge device's controls did: reconnects asked, reports written (files in dataDir). */
  controlLog: { reconnects: string[]; exports: string[] };
  /** Stops the bridge side and the cloud side (not the simulator, the broker or the data dir). */
  stopBridge(): Promise<void>;
  close(): Promise<void>;
}

export interface HaStackOptions {
  sim?: SimulatorOptions;
  /** Reuse a simulator (not closed by the stack). */
  simulator?: Simulator;
  /** Reuse a broker (not closed by the stack). */
  mqtt?: TestBroker;
  /** Reuse a data dir (not removed by the stack), e.g. to restart the bridge on the same files. */
  dataDir?: string;
  statusIntervalMs?: number;
  /** Passed to the cloud side (see StackOptions). */
  cloud?: StackOptions['cloud'];
  link?: StackOptions['link'];
  queue?: StackOptions['queue'];
  rosterNow?: StackOptions['rosterNow'];
  bridge?: Partial<
    Pick<
      HaBridgeOptions,
      | 'featureGraceMs'
      | 'diagnosticsIntervalMs'
      | 'diagnosticsSettleMs'
      | 'availabilityGraceMs'
      | 'reservationTimings'
      | 'controls'
    >
  >;
  /** The install id of this bridge (default `a1b2c3d4`); two stacks on one broker need two. */
  installId?: string;
  baseTopic?: string;
}

export async function startHaStack(options: HaStackOptions = {}): Promise<HaStack> {
  const mqtt = options.mqtt ?? (await startBroker());
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'nwp500-ha-')));
  const simulator =
    options.simulator ?? (await startSimulator({ keepAlive: { minSecs: 1 }, ...options.sim }));
  const cloudSide = await startStack({
    simulator,
    dataDir,
    statusIntervalMs: options.statusIntervalMs ?? 2_000,
    ...(options.cloud === undefined ? {} : { cloud: options.cloud }),
    ...(options.link === undefined ? {} : { link: options.link }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    ...(options.rosterNow === undefined ? {} : { rosterNow: options.rosterNow }),
  });
  const { sim, log, collector, link, cloud, queue } = cloudSide;
  const clock = systemClock;
  collector.recordConfigEpoch({ keep_alive_secs: 30 });
  const broker = new LocalBroker({
    settings: { host: mqtt.host, port: mqtt.port, ssl: false, source: 'options' },
    baseTopic: options.baseTopic ?? BASE_TOPIC,
    installId: options.installId ?? 'a1b2c3d4',
    discoveryPrefix: DISCOVERY_PREFIX,
    clientId: `nwp500-bridge-test-${process.pid}-${options.installId ?? 'a1b2c3d4'}`,
    log: log.logger.child({ module: 'ha/broker' }),
    clock,
    birthDelayMs: [20, 40],
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
    stopTimeoutMs: 1000,
  });
  const registry = new DiscoveryRegistry({ dataDir, log: log.logger });
  // Health as main.ts computes it, from the stack's own link and sign-in.
  const health = new HealthMonitor({
    link,
    auth: cloudSide.auth,
    maxReconnectAttempts: -1,
    limits: defaultLimits(600),
    clock,
    log: log.logger.child({ module: 'health' }),
  });
  // The bridge controls as main.ts wires them, on the stack's own parts; the report is a stand-in.
  const controlLog: HaStack['controlLog'] = { reconnects: [], exports: [] };
  const controls: BridgeControls = {
    reconnectCloud: (reason) => {
      controlLog.reconnects.push(reason);
      link.reconnectNow(reason);
    },
    exportDiagnostics: async () => {
      const path = join(dataDir, `report-${controlLog.exports.length + 1}.json`);
      await writeFile(path, JSON.stringify({ metrics: collector.getMetrics() }));
      controlLog.exports.push(path);
      return { path };
    },
    logLevel: () => log.logger.level,
    setLogLevel: (level) => setLogLevel(log.logger, level),
  };
  const bridge = new HaBridge({
    cloud,
    link,
    broker,
    collector,
    registry,
    dataDir,
    version: '0.1.0-test',
    clock,
    log: log.logger.child({ module: 'ha/bridge' }),
    diagnosticsSettleMs: 50,
    installId: options.installId ?? 'a1b2c3d4',
    rest: new NavienApi(cloudSide.auth, log.logger, log.redactor),
    // Quick enough for tests; the defaults wait seconds between read-backs.
    reservationTimings: { readTimeoutMs: 3_000, confirmDelayMs: 200 },
    controls,
    onRetainedCommandIgnored: () => queue.noteRetainedIgnored(),
    onCommandRefused: () => queue.noteRefused(),
    health,
    ...options.bridge,
  });
  health.start();
  broker.start();
  await bridge.start();
  cloudSide.start();

  let bridgeStopped = false;
  const stopBridge = async () => {
    if (bridgeStopped) return;
    bridgeStopped = true;
    health.stop();
    await bridge.stop();
    await cloudSide.close();
    await broker.stop();
  };
  return {
    sim,
    mqtt,
    log,
    dataDir,
    collector,
    link,
    cloud,
    queue,
    broker,
    registry,
    bridge,
    health,
    controlLog,
    stopBridge,
    async close() {
      await stopBridge();
      if (!options.mqtt) await mqtt.close();
      if (!options.simulator) await simulator.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
