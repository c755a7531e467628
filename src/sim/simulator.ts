// Composes the simulated Navien cloud — REST API, MQTT endpoint, NWP500 devices, fault controls and
// the /_sim control API — behind one handle that tests, the demo and the benchmarks start and close.

import { type Clock, systemClock } from '../util/clock.js';
import { createLogger, type Logger, moduleLogger } from '../util/logger.js';
import { Redactor } from '../util/redact.js';
import { createControlHandler } from './controlApi.js';
import { createCounters, type SimCounters, snapshotCounters } from './counters.js';
import { type ReceivedCommand, SimDevice, type SimDeviceOptions } from './device.js';
import { createFaultControls, type FaultControls } from './faults.js';
import { DeviceFleet } from './fleet.js';
import { type ConnectionInfo, type KeepAliveLimits, MqttEndpoint } from './mqttEndpoint.js';
import { DeviceListControl, type RestErrorStyle, RestServer, type SimAccount } from './rest.js';
import { generateLocalhostCert } from './tlsCert.js';
import { TokenAuthority, type TokenLifetimes } from './tokens.js';
import type { RawStatus } from './wire.js';

export interface SimulatorOptions {
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Ports; 0 (the default) picks a free one. */
  restPort?: number;
  wsPort?: number;
  wssPort?: number;
  /** REST base path (default `/api/v2.1`). */
  basePath?: string;
  account?: Partial<SimAccount>;
  /** JWT lifetime, s (default 3600). */
  authenticationExpiresIn?: number;
  /** AWS credential lifetime, s (default 3600). */
  authorizationExpiresIn?: number;
  /** Refresh-token lifetime, s (default 30 days). */
  refreshTokenExpiresIn?: number;
  /** AWS cuts WebSockets after 24 h (default 86 400 000 ms). */
  maxConnectionLifetimeMs?: number;
  /** Persistent-session expiry after disconnect (default 1 h). */
  sessionExpiryMs?: number;
  /** Keep-alive clamp (default 30–1200 s, like AWS IoT). */
  keepAlive?: Partial<KeepAliveLimits>;
  /** Largest PUBLISH payload a client may send (default 128 KiB). */
  maxPayloadBytes?: number;
  /** Default: one device with the default MAC `04786332fca0`. */
  devices?: SimDeviceOptions[];
  clock?: Clock;
  logger?: Logger;
  /** Given one, the simulator registers its account secrets, tokens, MACs and serials with it. */
  redactor?: Redactor;
  restErrorStyle?: RestErrorStyle;
  /** Physics step on the clock, ms (default 1000). */
  tickIntervalMs?: number;
  /** Simulated tank time per clock time (default 1). */
  physicsSpeed?: number;
  /** Run the physics timer (default true); tests may drive `tick()` by hand instead. */
  autoTick?: boolean;
  /** Device reply latency on the clock, ms (default 0). */
  replyDelayMs?: number;
}

export interface SimDeviceState {
  macAddress: string;
  deviceName: string;
  online: boolean;
  status: RawStatus;
  commandsReceived: number;
  recentCommands: ReceivedCommand[];
}

export interface SimState {
  restUrl: string;
  mqttUrl: string;
  mqttsUrl: string;
  counters: SimCounters;
  clients: string[];
  connections: ConnectionInfo[];
  faults: ReturnType<FaultControls['state']>;
  tokenLifetimes: TokenLifetimes;
  devices: SimDeviceState[];
}

export interface Simulator {
  /** REST base, e.g. `http://127.0.0.1:PORT/api/v2.1` (the bridge's `navien_api_url`). */
  readonly restUrl: string;
  /** Control API root, e.g. `http://127.0.0.1:PORT/_sim`. */
  readonly controlUrl: string;
  /** `ws://127.0.0.1:PORT/mqtt` (the bridge's `navien_mqtt_url` for the simulator). */
  readonly mqttUrl: string;
  /** `wss://localhost:PORT/mqtt`, with a self-signed certificate (`caPem`). */
  readonly mqttsUrl: string;
  readonly ports: { readonly rest: number; readonly ws: number; readonly wss: number };
  /** PEM of the wss certificate, to add to a client's trust store. */
  readonly caPem: string;
  readonly account: SimAccount;
  readonly faults: FaultControls;
  /** How `/device/list` answers: empty, malformed, or without some devices. */
  readonly deviceList: DeviceListControl;
  readonly devices: readonly SimDevice[];
  device(mac: string): SimDevice | undefined;
  /** A snapshot of the counters. */
  counters(): SimCounters;
  liveClientIds(): string[];
  connections(): ConnectionInfo[];
  tokenLifetimes(): TokenLifetimes;
  /** Applies to tokens issued from now on. */
  setTokenLifetimes(lifetimes: Partial<TokenLifetimes>): void;
  /** Advances every device's physics by `ms` of simulated time. */
  tick(ms: number): void;
  /** Publishes as the cloud side (QoS 1, not retained), e.g. a status a device sent on its own. */
  publish(topic: string, payload: string | Buffer): void;
  state(): SimState;
  /** Closes every server, connection and timer. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_ACCOUNT: SimAccount = {
  email: 'demo@example.com',
  password: 'demo-password',
  userSeq: 36283,
  firstName: 'Demo',
  lastName: 'User',
};

const DAY_MS = 86_400_000;
const RECENT_COMMANDS = 20;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const redactor = options.redactor;
  const root = options.logger ?? createLogger({ level: 'silent', redactor: redactor ?? new Redactor() });
  const host = options.host ?? '127.0.0.1';
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const basePath = options.basePath ?? '/api/v2.1';
  const account: SimAccount = { ...DEFAULT_ACCOUNT, ...options.account };
  const counters = createCounters();

  const tokens = new TokenAuthority(
    clock,
    {
      ...(options.authenticationExpiresIn !== undefined && {
        authenticationExpiresIn: options.authenticationExpiresIn,
      }),
      ...(options.authorizationExpiresIn !== undefined && {
        authorizationExpiresIn: options.authorizationExpiresIn,
      }),
      ...(options.refreshTokenExpiresIn !== undefined && {
        refreshTokenExpiresIn: options.refreshTokenExpiresIn,
      }),
    },
    (secret) => redactor?.addSecret(secret),
  );
  const deviceLogger = moduleLogger(root, 'sim/device');
  const devices = (options.devices ?? [{}]).map(
    (deviceOptions) => new SimDevice(deviceOptions, { clock, logger: deviceLogger }),
  );
  if (redactor) {
    redactor.addSecret(account.email);
    redactor.addSecret(account.password);
    for (const device of devices) {
      redactor.addDeviceId(device.macAddress);
      redactor.addDeviceId(device.controllerSerialNumber);
      redactor.addSecret(device.location.address);
    }
  }

  const tls = await generateLocalhostCert();
  const endpoint = await MqttEndpoint.start({
    host,
    wsPort: options.wsPort ?? 0,
    wssPort: options.wssPort ?? 0,
    tls,
    clock,
    logger: moduleLogger(root, 'sim/mqtt'),
    counters,
    checkCredentials: (accessKeyId, sessionToken) => tokens.checkAwsCredentials(accessKeyId, sessionToken),
    maxConnectionLifetimeMs: options.maxConnectionLifetimeMs ?? DAY_MS,
    maxPayloadBytes: options.maxPayloadBytes ?? 128 * 1024,
    keepAlive: { minSecs: 30, maxSecs: 1200, ...options.keepAlive },
    sessionExpiryMs: options.sessionExpiryMs ?? 3_600_000,
  });
  const fleet = new DeviceFleet(devices, {
    clock,
    logger: moduleLogger(root, 'sim/fleet'),
    counters,
    publish: (topic, payload) => endpoint.publish(topic, payload),
    tickIntervalMs: options.tickIntervalMs ?? 1000,
    physicsSpeed: options.physicsSpeed ?? 1,
    replyDelayMs: options.replyDelayMs ?? 0,
  });
  endpoint.onClientPublish((topic, payload, clientId) => fleet.handlePublish(topic, payload, clientId));
  const faults = createFaultControls({ endpoint, fleet, tokens });
  const deviceList = new DeviceListControl();

  const ports = { rest: 0, ws: endpoint.wsPort, wss: endpoint.wssPort };
  const mqttUrl = `ws://${urlHost}:${endpoint.wsPort}/mqtt`;
  const mqttsUrl = `wss://localhost:${endpoint.wssPort}/mqtt`;
  let restUrl = '';

  const state = (): SimState => ({
    restUrl,
    mqttUrl,
    mqttsUrl,
    counters: snapshotCounters(counters),
    clients: endpoint.liveClientIds(),
    connections: endpoint.connections(),
    faults: faults.state(),
    tokenLifetimes: tokens.lifetimes(),
    devices: devices.map((device) => ({
      macAddress: device.macAddress,
      deviceName: device.deviceName,
      online: device.online,
      status: device.status(),
      commandsReceived: device.receivedCommands().length + device.droppedCommandLogEntries,
      recentCommands: device.receivedCommands().slice(-RECENT_COMMANDS),
    })),
  });

  let rest: RestServer;
  try {
    rest = await RestServer.start(
      {
        basePath,
        account,
        tokens,
        devices: () => devices,
        counters,
        logger: moduleLogger(root, 'sim/rest'),
        errorStyle: options.restErrorStyle ?? 'envelope',
        outage: () => faults.isRestOutage(),
        deviceList,
        control: createControlHandler(faults, state, {
          commands: (mac) => {
            const device = fleet.device(mac);
            return device
              ? { received: device.receivedCommands(), dropped: device.droppedCommandLogEntries }
              : undefined;
          },
        }),
      },
      host,
      options.restPort ?? 0,
    );
  } catch (error) {
    await endpoint.close();
    throw error;
  }
  ports.rest = rest.port;
  restUrl = `http://${urlHost}:${rest.port}${basePath}`;
  if (options.autoTick ?? true) fleet.start();

  let closed: Promise<void> | undefined;
  return {
    restUrl,
    controlUrl: `http://${urlHost}:${rest.port}/_sim`,
    mqttUrl,
    mqttsUrl,
    ports,
    caPem: tls.cert,
    account,
    faults,
    deviceList,
    devices,
    device: (mac) => fleet.device(mac),
    counters: () => snapshotCounters(counters),
    liveClientIds: () => endpoint.liveClientIds(),
    connections: () => endpoint.connections(),
    tokenLifetimes: () => tokens.lifetimes(),
    setTokenLifetimes: (lifetimes) => tokens.setLifetimes(lifetimes),
    tick: (ms) => fleet.tick(ms),
    publish: (topic, payload) => endpoint.publish(topic, payload),
    state,
    close() {
      closed ??= (async () => {
        fleet.stop();
        await rest.close();
        await endpoint.close();
      })();
      return closed;
    },
  };
}
