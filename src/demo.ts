// `nwp500-bridge demo`: the whole bridge against the simulated Navien cloud and a local MQTT broker
// (the one on localhost:1883, or an embedded one), with a fault now and then so the diagnostics
// have something to explain. Starts fresh unless --keep, takes every NWP500_* option, finds a free
// port for its page, prints where to look; Ctrl-C stops it and removes what it published.

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BrokerSettings } from './config/supervisor.js';
import { clearRetained, type DemoBroker, demoBroker } from './demo/broker.js';
import { DEMO_HTTP_PORT, demoOptions, portIsFree } from './demo/options.js';
import { startBridge } from './main.js';
import { installShutdown } from './shutdown.js';
import { type Simulator, startSimulator } from './sim/index.js';
import { createLogger } from './util/logger.js';
import { Redactor } from './util/redact.js';

const DEMO_DIR = '.demo';

const FAULTS: ReadonlyArray<[string, (sim: Simulator, clientId: string) => void]> = [
  ['hang-up (what AWS does at the 24 h WebSocket limit)', (sim) => sim.faults.hangUpAll()],
  ['connection reset (a router or NAT dropping the path)', (sim) => sim.faults.resetAll()],
  ['client-id takeover (another client with the same id)', (sim, id) => sim.faults.kickClient(id)],
];

export class DemoUsageError extends Error {
  override readonly name = 'DemoUsageError';
}

/** Empties the demo's own folders (never a folder an option points elsewhere); says whether anything was there. */
async function emptyFolders(folders: readonly string[]): Promise<boolean> {
  let found = false;
  for (const folder of folders) {
    const entries = await readdir(folder).catch(() => [] as string[]);
    if (entries.length > 0) found = true;
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
  }
  return found;
}

export async function runDemo(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--calm' && arg !== '--keep');
  if (unknown.length > 0)
    throw new DemoUsageError(`demo: unknown argument ${unknown.join(' ')} (use --calm, --keep)`);
  const calm = args.includes('--calm');
  const keep = args.includes('--keep');
  const print = (line: string) => console.log(line);
  const dir = resolve(DEMO_DIR);
  const dirs = { dataDir: join(dir, 'data'), configDir: join(dir, 'homeassistant') };
  await mkdir(dir, { recursive: true });

  const sim = await startSimulator({
    physicsSpeed: 20,
    devices: [
      { macAddress: '04786332fca0', deviceName: 'Garage Water Heater', additionalValue: '5322' },
      { macAddress: '04786332fca1', deviceName: 'Basement Water Heater', additionalValue: '5323' },
    ],
  });
  let broker: DemoBroker | undefined;
  try {
    const caFile = join(dir, 'simulator-ca.pem');
    await writeFile(caFile, sim.caPem);
    const loaded = await demoOptions(env, dirs, {
      email: sim.account.email,
      password: sim.account.password,
      navien_api_url: sim.restUrl,
      navien_mqtt_url: sim.mqttsUrl,
      navien_mqtt_ca_file: caFile,
    });
    if (!loaded.ok) throw new DemoUsageError(loaded.problems.join('\n'));
    const { options } = loaded;
    for (const name of loaded.ignored)
      print(`${name} ignored: the demo runs against its own simulated cloud.`);
    for (const warning of loaded.warnings) print(warning);

    // A fresh demo starts fresh: the last run's history, queue and report would otherwise be read
    // back ("history restored", old commands replayed). Only the demo's own folders are emptied.
    const ownFolders = [options.data_dir, options.ha_config_dir].filter(
      (folder) => folder === dirs.dataDir || folder === dirs.configDir,
    );
    if (keep) {
      await Promise.all(ownFolders.map((folder) => mkdir(folder, { recursive: true })));
      print("Keeping the last demo run's history, queue and report (--keep).");
    } else if (await emptyFolders(ownFolders)) {
      print(
        "Starting fresh: the last demo run's history, queue and report were removed (--keep keeps them).",
      );
    }
    await mkdir(options.data_dir, { recursive: true });
    await mkdir(options.ha_config_dir, { recursive: true });
    // Each demo starts a new simulated cloud, which knows none of the last run's tokens.
    await rm(join(options.data_dir, 'navien_session.json'), { force: true });

    // Explicit mqtt_* options name the broker; otherwise the one on localhost (or an embedded one).
    let settings: BrokerSettings;
    if (options.mqtt_host) {
      settings = {
        host: options.mqtt_host,
        port: options.mqtt_port ?? 1883,
        ssl: options.mqtt_ssl ?? false,
        source: 'options',
        ...(options.mqtt_username !== undefined ? { username: options.mqtt_username } : {}),
        ...(options.mqtt_password !== undefined ? { password: options.mqtt_password } : {}),
      };
    } else {
      // NWP500_DEMO_MQTT_PORT looks for (or embeds) the broker elsewhere than the usual 1883.
      broker = await demoBroker(Number(env.NWP500_DEMO_MQTT_PORT) || 1883, print);
      settings = broker.settings;
    }

    let portNote: string | undefined;
    if (!loaded.httpPortChosen && !(await portIsFree(DEMO_HTTP_PORT))) {
      options.http_port = 0;
      portNote = `Port ${DEMO_HTTP_PORT} is taken, so the page is on a free port instead (NWP500_HTTP_PORT picks one).`;
    }

    const redactor = new Redactor();
    const log = createLogger({ level: options.log_level, redactor });
    let bridge: Awaited<ReturnType<typeof startBridge>>;
    try {
      bridge = await startBridge(options, { env: {}, log, redactor, broker: settings });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new DemoUsageError(
          `demo: port ${options.http_port} is in use; set NWP500_HTTP_PORT to a free port, or leave it unset and the demo picks one.`,
        );
      }
      throw error;
    }

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

    const { host, port } = settings;
    const base = options.base_topic;
    const page = `http://127.0.0.1:${bridge.httpPort}`;
    for (const line of [
      '',
      'nwp500-bridge demo is running: the bridge, a simulated Navien cloud with two water heaters,',
      `and ${broker?.embedded ? 'an embedded' : 'your'} MQTT broker (${host}:${port}).`,
      ...(portNote ? ['', portNote] : []),
      '',
      `  Diagnostics page    ${page}/`,
      `  Health / metrics    ${page}/healthz   ${page}/metrics`,
      `  Diagnostics file    ${join(options.ha_config_dir, options.diagnostics_file)}`,
      `  MQTT topics         mosquitto_sub -h ${host} -p ${port} -t '${base}/#' -v`,
      `  HA discovery        mosquitto_sub -h ${host} -p ${port} -t '${options.discovery_prefix}/device/#' -v`,
      `  Send a command      mosquitto_pub -h ${host} -p ${port} -t '${base}/04786332fca0/mode/set' -m high_demand`,
      `  Inject a fault      curl -X POST ${sim.controlUrl}/faults/hangup   (also: reset, blackhole?on=1, refuse?on=1)`,
      calm
        ? '  Faults              none (--calm)'
        : '  Faults              a random one every 1-2 minutes (run with --calm to stop them)',
      '',
      'Ctrl-C stops the demo and removes everything it published from the broker (and so from Home Assistant).',
      '',
    ]) {
      print(line);
    }

    const embedded = broker;
    installShutdown({
      log: (line) => print(`[demo] ${line}`),
      stop: async () => {
        clearTimeout(faultTimer);
        await bridge.stop();
        // Everything the bridge holds retained on the broker (discovery, state, availability, the
        // bridge's diagnostics and attributes, its own "offline"), cleared once it has stopped, so
        // nothing is published again after the clean-up. A demo leaves no devices in a real HA.
        const topics = bridge.broker.retainedTopics();
        try {
          const cleared = await clearRetained(settings, topics);
          print(
            `[demo] removed ${cleared.length} retained message${cleared.length === 1 ? '' : 's'} from the broker:`,
          );
          for (const topic of cleared) print(`[demo]   ${topic}`);
        } catch (error) {
          print(
            `[demo] could not remove the demo's ${topics.length} retained messages (${(error as Error).message}); ` +
              `clear them with: mosquitto_pub -h ${host} -p ${port} -r -n -t <topic>`,
          );
        }
        await sim.close();
        await embedded?.close();
      },
    });
  } catch (error) {
    await sim.close();
    await broker?.close();
    throw error;
  }
}
