// `nwp500-bridge sim`: starts the simulated cloud on fixed (or given) loopback ports with real-time
// physics and prints where to point the bridge. The caller owns the process: it keeps the returned
// handle and calls `close()` on SIGINT/SIGTERM.

import { z } from 'zod';
import type { Logger } from '../util/logger.js';
import type { SimDeviceOptions } from './device.js';
import { type Simulator, startSimulator } from './simulator.js';

export const SIMULATOR_CLI_USAGE = `usage: nwp500-bridge sim [options]
  --host ADDR                   listen address (default 127.0.0.1)
  --rest-port N                 REST + control API port (default 8780)
  --ws-port N                   ws:// MQTT port (default 8781)
  --wss-port N                  wss:// MQTT port (default 8782)
  --devices N                   number of simulated water heaters, 1-20 (default 1)
  --speed X                     tank physics speed-up, e.g. 60 = a minute per second (default 1)
  --jwt-lifetime S              access/id token lifetime in seconds (default 3600)
  --aws-lifetime S              AWS credential lifetime in seconds (default 3600)
  --max-connection-lifetime-ms N   MQTT connection lifetime (default 86400000)
  --email ADDR --password PW    the simulated account (default demo@example.com / demo-password)`;

export class SimulatorCliUsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${SIMULATOR_CLI_USAGE}`);
    this.name = 'SimulatorCliUsageError';
  }
}

const port = z.coerce.number().int().min(0).max(65_535);
const seconds = z.coerce.number().int().min(1).max(31_536_000);

const cliSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    'rest-port': port.default(8780),
    'ws-port': port.default(8781),
    'wss-port': port.default(8782),
    devices: z.coerce.number().int().min(1).max(20).default(1),
    speed: z.coerce.number().positive().max(100_000).default(1),
    'jwt-lifetime': seconds.default(3600),
    'aws-lifetime': seconds.default(3600),
    'max-connection-lifetime-ms': z.coerce.number().int().min(1).default(86_400_000),
    email: z.string().min(3).optional(),
    password: z.string().min(1).optional(),
  })
  .strict();

/** `--key value` and `--key=value` pairs into a record; anything else is a usage error. */
function parseArgs(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (!arg.startsWith('--')) throw new SimulatorCliUsageError(`unexpected argument: ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      out[arg.slice(2, eq)] = arg.slice(eq + 1);
      continue;
    }
    const value = args[index + 1];
    if (value === undefined || value.startsWith('--'))
      throw new SimulatorCliUsageError(`${arg} needs a value`);
    out[arg.slice(2)] = value;
    index += 1;
  }
  return out;
}

/** Device N of a multi-device sim: MACs and ids count up from the default device's. */
function deviceOptions(index: number): SimDeviceOptions {
  const lastByte = (0xa0 + index).toString(16).padStart(2, '0');
  return {
    macAddress: `04786332fc${lastByte}`,
    deviceName: index === 0 ? 'Water Heater' : `Water Heater ${index + 1}`,
    additionalValue: String(5322 + index),
    homeSeq: 4521,
  };
}

/**
 * Starts the simulator for the command line. Throws SimulatorCliUsageError on bad arguments.
 * @param print receives the human-readable "where to connect" lines.
 */
export async function runSimulatorCli(
  args: readonly string[],
  print: (line: string) => void,
  logger?: Logger,
): Promise<Simulator> {
  const parsed = cliSchema.safeParse(parseArgs(args));
  if (!parsed.success) throw new SimulatorCliUsageError(z.prettifyError(parsed.error));
  const options = parsed.data;
  const sim = await startSimulator({
    host: options.host,
    restPort: options['rest-port'],
    wsPort: options['ws-port'],
    wssPort: options['wss-port'],
    devices: Array.from({ length: options.devices }, (_, index) => deviceOptions(index)),
    physicsSpeed: options.speed,
    authenticationExpiresIn: options['jwt-lifetime'],
    authorizationExpiresIn: options['aws-lifetime'],
    maxConnectionLifetimeMs: options['max-connection-lifetime-ms'],
    account: {
      ...(options.email !== undefined && { email: options.email }),
      ...(options.password !== undefined && { password: options.password }),
    },
    ...(logger !== undefined && { logger }),
  });
  const names = sim.devices.map((device) => device.deviceName).join(', ');
  for (const line of [
    'Simulated Navien cloud is running.',
    `  REST API   ${sim.restUrl}`,
    `  MQTT       ${sim.mqttUrl}  (TLS: ${sim.mqttsUrl}, self-signed)`,
    `  control    ${sim.controlUrl}/state  (faults: POST ${sim.controlUrl}/faults/<name>)`,
    `  account    ${sim.account.email} / ${sim.account.password}`,
    `  devices    ${sim.devices.length}: ${names}`,
    'Point the bridge at it:',
    `  NWP500_NAVIEN_API_URL=${sim.restUrl} NWP500_NAVIEN_MQTT_URL=${sim.mqttUrl} \\`,
    `  NAVIEN_EMAIL=${sim.account.email} NAVIEN_PASSWORD=${sim.account.password}`,
  ]) {
    print(line);
  }
  return sim;
}
