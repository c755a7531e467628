// The whole bridge as main.ts wires it — simulated Navien cloud (auth, REST, aws-crt link, device
// polling, diagnostics) on one side, a real Mosquitto with LocalBroker on the other, HaBridge in
// between — for the HA-side tests. Closing it stops everything it started, in reverse order.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { HaBridge, type HaBridgeOptions } from '../../src/ha/bridge.js';
import { LocalBroker } from '../../src/ha/broker.js';
import { DiscoveryRegistry } from '../../src/ha/registry.js';
import { NavienApi } from '../../src/navien/api.js';
import { NavienAuth } from '../../src/navien/auth.js';
import { NavienCloud } from '../../src/navien/cloud.js';
import { CloudLink } from '../../src/navien/connection.js';
import { CommandQueue } from '../../src/navien/queue.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { systemClock } from '../../src/util/clock.js';
import { type CapturedLog, captureLog } from './logCapture.js';
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
  broker: LocalBroker;
  registry: DiscoveryRegistry;
  bridge: HaBridge;
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
  bridge?: Partial<Pick<HaBridgeOptions, 'featureGraceMs' | 'diagnosticsIntervalMs' | 'diagnosticsSettleMs'>>;
}

export async function startHaStack(options: HaStackOptions = {}): Promise<HaStack> {
  const sim = options.simulator ?? (await startSimulator({ keepAlive: { minSecs: 1 }, ...options.sim }));
  const mqtt = options.mqtt ?? (await startBroker());
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'nwp500-ha-')));
  const log = captureLog('debug');
  const clock = systemClock;
  const collector = new DiagnosticsCollector({ maxEventsRetained: 1000, clock, log: log.logger });
  collector.recordConfigEpoch({ keep_alive_secs: 30 });
  const auth = new NavienAuth({
    apiUrl: sim.restUrl,
    email: sim.account.email,
    password: sim.account.password,
    dataDir,
    clock,
    log: log.logger.child({ module: 'navien/auth' }),
    redactor: log.redactor,
  });
  await auth.load();
  auth.onRenewal((info) => collector.recordCredentialRenewal(info));
  const queue = new CommandQueue({
    maxSize: 200,
    maxAgeMs: 300_000,
    clock,
    log: log.logger,
    onDrop: (reason) => collector.recordQueueDrop(reason),
  });
  const link = new CloudLink({
    url: sim.mqttsUrl,
    caPem: sim.caPem,
    keepAliveSecs: 30,
    connectTimeoutMs: 5_000,
    reconnect: { initialMs: 200, maxMs: 2_000, deepThreshold: 5, maxAttempts: -1 },
    queue,
    flushRatePerSecond: 100,
    auth,
    diagnostics: collector,
    clock,
    log: log.logger.child({ module: 'navien/connection' }),
  });
  const api = new NavienApi(auth, log.logger, log.redactor);
  const cloud = new NavienCloud({
    api,
    link,
    clientId: () => auth.clientId(),
    statusIntervalMs: options.statusIntervalMs ?? 2_000,
    diagnostics: collector,
    clock,
    log: log.logger.child({ module: 'navien/cloud' }),
  });
  const broker = new LocalBroker({
    settings: { host: mqtt.host, port: mqtt.port, ssl: false, source: 'options' },
    baseTopic: BASE_TOPIC,
    discoveryPrefix: DISCOVERY_PREFIX,
    clientId: `nwp500-bridge-test-${process.pid}`,
    log: log.logger.child({ module: 'ha/broker' }),
    clock,
    birthDelayMs: [20, 40],
    reconnectBackoff: { initialMs: 100, maxMs: 500 },
    stopTimeoutMs: 1000,
  });
  const registry = new DiscoveryRegistry({ dataDir, log: log.logger });
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
    ...options.bridge,
  });
  broker.start();
  await bridge.start();
  cloud.start();

  let bridgeStopped = false;
  const stopBridge = async () => {
    if (bridgeStopped) return;
    bridgeStopped = true;
    await bridge.stop();
    await cloud.stop();
    await queue.settle();
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
    broker,
    registry,
    bridge,
    stopBridge,
    async close() {
      await stopBridge();
      if (!options.mqtt) await mqtt.close();
      if (!options.simulator) await sim.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
