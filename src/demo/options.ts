// The demo's options: the add-on's own schema and NWP500_* variables over the demo's defaults, with
// the simulated cloud's account and addresses fixed, and the HTTP port the demo can really use.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { loadOptions, type Options, optionsSchema } from '../config/options.js';

/** The port the demo's page tries first: the add-on's ingress port. */
export const DEMO_HTTP_PORT = 8099;

export const DEMO_BASE_TOPIC = 'nwp500demo';

/** What the demo sets itself and a variable cannot change: the simulated cloud it runs against. */
export interface SimulatedCloud {
  email: string;
  password: string;
  navien_api_url: string;
  navien_mqtt_url: string;
  navien_mqtt_ca_file: string;
}

const FIXED_BY_DEMO = [
  'email',
  'password',
  'navien_api_url',
  'navien_mqtt_url',
  'navien_mqtt_ca_file',
] as const;
const FIXED_VARIABLES = [
  ...FIXED_BY_DEMO.map((key) => `NWP500_${key.toUpperCase()}`),
  'NAVIEN_EMAIL',
  'NAVIEN_PASSWORD',
];

export type DemoOptionsResult =
  | {
      ok: true;
      options: Options;
      /** The page's port came from NWP500_HTTP_PORT or the options file: use it or fail. */
      httpPortChosen: boolean;
      /** Variables the demo had to ignore, to say so. */
      ignored: string[];
      warnings: string[];
    }
  | { ok: false; problems: string[] };

export interface DemoDirs {
  dataDir: string;
  configDir: string;
}

/**
 * The demo's defaults, then the options file in NWP500_OPTIONS (if any), then NWP500_* variables —
 * the same precedence as the add-on — and finally the simulated cloud, which no variable overrides.
 */
export async function demoOptions(
  env: NodeJS.ProcessEnv,
  dirs: DemoDirs,
  cloud: SimulatedCloud,
): Promise<DemoOptionsResult> {
  const defaults: Record<string, unknown> = {
    base_topic: DEMO_BASE_TOPIC,
    data_dir: dirs.dataDir,
    ha_config_dir: dirs.configDir,
    http_port: DEMO_HTTP_PORT,
    status_interval: 10,
    diagnostics_export_interval: 60,
  };
  let fromFile: Record<string, unknown> = {};
  if (env.NWP500_OPTIONS) {
    try {
      const parsed: unknown = JSON.parse(await readFile(env.NWP500_OPTIONS, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { ok: false, problems: [`options file ${env.NWP500_OPTIONS}: must contain a JSON object`] };
      }
      fromFile = parsed as Record<string, unknown>;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        ok: false,
        problems: [
          `options file ${env.NWP500_OPTIONS}: ${code ? `cannot be read (${code})` : 'is not valid JSON'}`,
        ],
      };
    }
  }
  const ignored = FIXED_VARIABLES.filter((name) => env[name] !== undefined);
  for (const key of FIXED_BY_DEMO) if (fromFile[key] !== undefined) ignored.push(`${key} (options file)`);
  const filteredEnv = Object.fromEntries(
    Object.entries(env).filter(([name]) => !FIXED_VARIABLES.includes(name) && name !== 'NWP500_OPTIONS'),
  );
  const loaded = await loadOptions({
    env: filteredEnv,
    readText: async () => JSON.stringify({ ...defaults, ...fromFile }),
  });
  if (!loaded.ok) return { ok: false, problems: loaded.problems };
  const options = optionsSchema.parse({ ...loaded.options, ...cloud });
  const httpPortChosen = env.NWP500_HTTP_PORT !== undefined || fromFile.http_port !== undefined;
  return { ok: true, options, httpPortChosen, ignored, warnings: loaded.warnings };
}

/** Whether nothing listens on `port` at 127.0.0.1 (tries to listen there, then lets go at once). */
export async function portIsFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
