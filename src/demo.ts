// `nwp500-bridge demo`: the whole bridge against the simulated Navien cloud and a local MQTT broker
// (the one on localhost:1883, or an embedded one), with a fault now and then so the diagnostics
// have something to explain. Prints where to look; Ctrl-C stops it and clears its entities.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { join, resolve } from 'node:path';
import { Aedes } from 'aedes';
import { type Options, optionsSchema } from './config/options.js';
import type { BrokerSettings } from './config/supervisor.js';
import { startBridge } from './main.js';
import { installShutdown } from './shutdown.js';
import { type Simulator, startSimulator } from './sim/index.js';
import { createLogger } from './util/logger.js';
import { Redactor } from './util/redact.js';

const DEMO_DIR = '.demo';
const BASE_TOPIC = 'nwp500demo';

async function portAnswers(host: string, port: number): Promise<boolean> {
  return await new Promise((done) => {
    const socket = tcpConnect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', () => done(false));
  });
}

async function listenOn(server: Server, port: number): Promise<number> {
  return await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : port);
    });
  });
}

interface DemoBroker {
  settings: BrokerSettings;
  embedded: boolean;
  close(): Promise<void>;
}

/** The broker on localhost:<port> if one answers; otherwise an embedded one (on that port if free). */
async function demoBroker(port: number, print: (line: string) => void): Promise<DemoBroker> {
  if (await portAnswers('127.0.0.1', port)) {
    return {
      settings: { host: '127.0.0.1', port, ssl: false, source: 'options' },
      embedded: false,
      close: async () => undefined,
    };
  }
  const broker = await Aedes.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  const listening = await listenOn(server, port).catch(() => listenOn(server, 0));
  print(`No MQTT broker answered on localhost:${port}: started an embedded one on 127.0.0.1:${listening}.`);
  return {
    settings: { host: '127.0.0.1', port: listening, ssl: false, source: 'default' },
    embedded: true,
    close: async () => {
      await new Promise<void>((done) => broker.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

async function freeHttpPort(preferred: number): Promise<number> {
  if (!(await portAnswers('127.0.0.1', preferred))) return preferred;
  return await listenOn(createServer(), 0).then(async (port) => port);
}

const FAULTS: ReadonlyArray<[string, (sim: Simulator, clientId: string) => void]> = [
  ['hang-up (what AWS does at the 24 h WebSocket limit)', (sim) => sim.faults.hangUpAll()],
  ['connection reset (a router or NAT dropping the path)', (sim) => sim.faults.resetAll()],
  ['client-id takeover (another client with the same id)', (sim, id) => sim.faults.kickClient(id)],
];

export async function runDemo(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const calm = args.includes('--calm');
  const print = (line: string) => console.log(line);
  const dir = resolve(DEMO_DIR);
  await mkdir(join(dir, 'data'), { recursive: true });
  await mkdir(join(dir, 'homeassistant'), { recursive: true });
  // Each demo starts a new simulated cloud, which knows none of the last run's tokens.
  await rm(join(dir, 'data', 'navien_session.json'), { force: true });

  const redactor = new Redactor();
  const log = createLogger({ level: env.NWP500_LOG_LEVEL === 'debug' ? 'debug' : 'info', redactor });
  const sim = await startSimulator({
    physicsSpeed: 20,
    devices: [
      { macAddress: '04786332fca0', deviceName: 'Garage Water Heater', additionalValue: '5322' },
      { macAddress: '04786332fca1', deviceName: 'Basement Water Heater', additionalValue: '5323' },
    ],
  });
  const caFile = join(dir, 'simulator-ca.pem');
  await writeFile(caFile, sim.caPem);
  // NWP500_DEMO_MQTT_PORT looks for (or embeds) the broker elsewhere than the usual 1883.
  const broker = await demoBroker(Number(env.NWP500_DEMO_MQTT_PORT) || 1883, print);
  const httpPort = await freeHttpPort(8099);

  const options: Options = optionsSchema.parse({
    email: sim.account.email,
    password: sim.account.password,
    base_topic: BASE_TOPIC,
    navien_api_url: sim.restUrl,
    navien_mqtt_url: sim.mqttsUrl,
    navien_mqtt_ca_file: caFile,
    data_dir: join(dir, 'data'),
    ha_config_dir: join(dir, 'homeassistant'),
    http_port: httpPort,
    status_interval: 10,
    diagnostics_export_interval: 60,
  });
  const bridge = await startBridge(options, { env: {}, log, redactor, broker: broker.settings });

  let faultTimer: NodeJS.Timeout | undefined;
  const scheduleFault = () => {
    faultTimer = setTimeout(
      () => {
        const [what, inject] = FAULTS[Math.floor(Math.random() * FAULTS.length)] ??
          FAULTS[0] ?? ['', () => undefined];
        print(`[demo] injecting a fault: ${what}`);
        inject(sim, bridge.link.stats().clientId);
        scheduleFault();
      },
      60_000 + Math.random() * 60_000,
    );
  };
  if (!calm) scheduleFault();

  const mqtt = `${broker.settings.host}:${broker.settings.port}`;
  for (const line of [
    '',
    'nwp500-bridge demo is running: the bridge, a simulated Navien cloud with two water heaters,',
    `and ${broker.embedded ? 'an embedded' : 'your local'} MQTT broker (${mqtt}).`,
    '',
    `  Diagnostics page    http://127.0.0.1:${bridge.httpPort}/`,
    `  Health / metrics    http://127.0.0.1:${bridge.httpPort}/healthz   http://127.0.0.1:${bridge.httpPort}/metrics`,
    `  Diagnostics file    ${join(options.ha_config_dir, options.diagnostics_file)}`,
    `  MQTT topics         mosquitto_sub -h ${broker.settings.host} -p ${broker.settings.port} -t '${BASE_TOPIC}/#' -v`,
    `  HA discovery        mosquitto_sub -h ${broker.settings.host} -p ${broker.settings.port} -t 'homeassistant/device/#' -v`,
    `  Send a command      mosquitto_pub -h ${broker.settings.host} -p ${broker.settings.port} -t '${BASE_TOPIC}/04786332fca0/mode/set' -m high_demand`,
    `  Inject a fault      curl -X POST ${sim.controlUrl}/faults/hangup   (also: reset, blackhole?on=1, refuse?on=1)`,
    calm
      ? '  Faults              none (--calm)'
      : '  Faults              a random one every 1-2 minutes (run with --calm to stop them)',
    '',
    'Ctrl-C stops the demo and removes its entities from Home Assistant.',
    '',
  ]) {
    print(line);
  }

  installShutdown({
    log: (line) => print(`[demo] ${line}`),
    stop: async () => {
      clearTimeout(faultTimer);
      // A demo should not leave devices behind in a real Home Assistant.
      for (const device of bridge.cloud.devices()) {
        bridge.broker.clear(`${options.discovery_prefix}/device/nwp500_${device.macAddress}/config`);
        bridge.broker.clear(`${BASE_TOPIC}/${device.macAddress}/state`);
        bridge.broker.clear(`${BASE_TOPIC}/${device.macAddress}/availability`);
      }
      bridge.broker.clear(bridge.broker.topics.bridgeDiscovery);
      await bridge.stop();
      await sim.close();
      await broker.close();
    },
  });
}
