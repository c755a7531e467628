// Where the local MQTT broker is: explicit mqtt_* options, else the Supervisor's MQTT service
// (retried, its `available` flag not trusted), else the Mosquitto add-on's usual address.

import { z } from 'zod';
import { backoffDelay } from '../util/backoff.js';
import type { Logger } from '../util/logger.js';
import type { Options } from './options.js';

export interface BrokerSettings {
  host: string;
  port: number;
  username?: string;
  password?: string;
  ssl: boolean;
  /** Where host and port came from, for the start-up log and diagnostics. */
  source: 'options' | 'supervisor' | 'default';
}

const serviceResponse = z.object({
  result: z.literal('ok'),
  data: z.object({
    host: z.string().min(1),
    // The docs type port as a string; the Mosquitto add-on publishes a number. Accept both.
    port: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
    ssl: z.boolean().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    protocol: z.string().optional(),
    addon: z.string().optional(),
  }),
});

export interface SupervisorLookupDeps {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Base URL of the Supervisor API (a local stand-in in tests). */
  supervisorUrl?: string;
  fetch?: typeof globalThis.fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts before falling back to the default broker address. */
  attempts?: number;
  random?: () => number;
}

const DEFAULT_HOST = 'core-mosquitto';
const DEFAULT_PORT = 1883;

export async function resolveBrokerSettings(
  options: Options,
  deps: SupervisorLookupDeps,
): Promise<BrokerSettings> {
  const { log } = deps;
  if (options.mqtt_host) {
    const settings = fromOptions(
      options,
      { host: options.mqtt_host, port: DEFAULT_PORT, ssl: false },
      'options',
    );
    log.info(
      { host: settings.host, port: settings.port, ssl: settings.ssl },
      'local MQTT broker from the add-on options',
    );
    return settings;
  }
  const token = deps.env.SUPERVISOR_TOKEN ?? deps.env.HASSIO_TOKEN;
  if (token) {
    const found = await lookupSupervisor(token, deps);
    if (found) {
      const settings = fromOptions(options, found, 'supervisor');
      log.info(
        { host: settings.host, port: settings.port, ssl: settings.ssl },
        'local MQTT broker from the Supervisor MQTT service',
      );
      return settings;
    }
    log.warn(
      { host: DEFAULT_HOST, port: DEFAULT_PORT },
      'the Supervisor did not name an MQTT broker; trying the Mosquitto add-on address. Set mqtt_host to choose one',
    );
  } else {
    log.info(
      { host: 'localhost', port: DEFAULT_PORT },
      'not running under the Supervisor and no mqtt_host set',
    );
  }
  const host = token ? DEFAULT_HOST : 'localhost';
  return fromOptions(options, { host, port: DEFAULT_PORT, ssl: false }, 'default');
}

/** Explicit mqtt_* options win over whatever the Supervisor or the defaults say. */
function fromOptions(
  options: Options,
  base: Omit<BrokerSettings, 'source'>,
  source: BrokerSettings['source'],
): BrokerSettings {
  const settings: BrokerSettings = {
    host: options.mqtt_host ?? base.host,
    port: options.mqtt_port ?? base.port,
    ssl: options.mqtt_ssl ?? base.ssl,
    source,
  };
  const username = options.mqtt_username ?? base.username;
  const password = options.mqtt_password ?? base.password;
  if (username !== undefined) settings.username = username;
  if (password !== undefined) settings.password = password;
  return settings;
}

async function lookupSupervisor(
  token: string,
  deps: SupervisorLookupDeps,
): Promise<Omit<BrokerSettings, 'source'> | undefined> {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const attempts = deps.attempts ?? 8;
  const url = `${(deps.supervisorUrl ?? 'http://supervisor').replace(/\/$/, '')}/services/mqtt`;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let problem: string;
    try {
      const response = await fetchImpl(url, {
        headers: { Authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      });
      const body: unknown = await response.json().catch(() => undefined);
      const parsed = serviceResponse.safeParse(body);
      if (response.ok && parsed.success) {
        const { data } = parsed.data;
        const found: Omit<BrokerSettings, 'source'> = {
          host: data.host,
          port: data.port,
          ssl: data.ssl ?? false,
        };
        if (data.username !== undefined) found.username = data.username;
        if (data.password !== undefined) found.password = data.password;
        return found;
      }
      problem = response.ok ? 'answer without broker details' : `HTTP ${response.status}`;
    } catch (error) {
      problem = (error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message;
    }
    if (attempt < attempts) {
      const delay = backoffDelay({ initialMs: 1000, maxMs: 30_000 }, attempt, deps.random);
      deps.log.warn(
        { attempt, attempts, retryInMs: Math.round(delay), problem },
        'Supervisor MQTT service lookup failed; retrying',
      );
      await sleep(delay);
    } else {
      deps.log.warn({ attempt, attempts, problem }, 'Supervisor MQTT service lookup failed');
    }
  }
  return undefined;
}
