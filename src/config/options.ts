// The add-on's options: one zod schema for /data/options.json and NWP500_* environment variables,
// and error lines that name the key and what is allowed (never the value of a secret).

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const topicSegment = (what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .regex(/^[^#+\s]+$/, `${what} must not contain spaces or the MQTT wildcards + and #`)
    .refine((v) => !v.startsWith('/') && !v.endsWith('/'), `${what} must not start or end with /`);

const int = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number between ${min} and ${max}` })
    .int(`must be a whole number between ${min} and ${max}`)
    .min(min, `must be a whole number between ${min} and ${max}`)
    .max(max, `must be a whole number between ${min} and ${max}`);

const seconds = (min: number, max: number) =>
  z
    .number({ error: `must be a number of seconds between ${min} and ${max}` })
    .min(min, `must be a number of seconds between ${min} and ${max}`)
    .max(max, `must be a number of seconds between ${min} and ${max}`);

const path = z
  .string({ error: 'must be a directory path' })
  .min(1, 'must be a directory path')
  .transform((p) => (isAbsolute(p) ? p : resolve(p)));

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionsObject = z.object({
  email: z.email({ error: 'must be the e-mail address of your NaviLink account' }).optional(),
  password: z.string({ error: 'must be the password of your NaviLink account' }).min(1).optional(),
  mqtt_host: z.string({ error: 'must be a host name or IP address' }).min(1).optional(),
  mqtt_port: int(1, 65535).optional(),
  mqtt_username: z.string({ error: 'must be text' }).optional(),
  mqtt_password: z.string({ error: 'must be text' }).optional(),
  mqtt_ssl: z.boolean({ error: 'must be true or false' }).optional(),
  discovery_prefix: topicSegment('discovery_prefix').default('homeassistant'),
  base_topic: topicSegment('base_topic').default('nwp500'),
  keep_alive_secs: int(30, 1200).default(60),
  initial_reconnect_delay: seconds(0.1, 600).default(0.5),
  max_reconnect_delay: seconds(1, 3600).default(60),
  deep_reconnect_threshold: int(1, 100).default(5),
  max_reconnect_attempts: int(-1, 1_000_000)
    .refine((v) => v !== 0, 'must be -1 (unlimited) or at least 1')
    .default(-1),
  enable_command_queue: z.boolean({ error: 'must be true or false' }).default(true),
  max_queued_commands: int(1, 10_000).default(200),
  max_queued_command_age: seconds(1, 86_400).default(300),
  status_interval: int(5, 3600).default(30),
  /** Heaters whose data was fresh stay available through a cloud-link drop this long (0 = not at all). */
  availability_grace_secs: int(0, 3600).default(120),
  /** /healthz answers 503 (the watchdog restarts the add-on) once the link has been down this long. */
  unhealthy_after_secs: int(1, 86_400).default(600),
  max_events_retained: int(10, 100_000).default(1000),
  diagnostics_export_interval: int(0, 86_400)
    .refine((v) => v === 0 || v >= 10, 'must be 0 (only on demand) or at least 10 seconds')
    .default(300),
  diagnostics_file: z
    .string({ error: 'must be a file name' })
    .regex(/^[A-Za-z0-9._-]+$/, 'must be a plain file name (letters, digits, . _ -), without a directory')
    .refine((v) => v !== '.' && v !== '..', 'must be a plain file name')
    .default('nwp500_diagnostics.json'),
  ha_config_dir: path.default('/homeassistant'),
  data_dir: path.default('/data'),
  http_port: int(0, 65535).default(8099),
  log_level: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  navien_api_url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .default('https://nlus.naviensmartcontrol.com/api/v2.1'),
  navien_mqtt_url: z
    .url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' })
    .default('wss://a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com:443/mqtt'),
  navien_mqtt_ca_file: z.string({ error: 'must be the path of a PEM file' }).min(1).optional(),
});

export const optionsSchema = optionsObject.refine((o) => o.max_reconnect_delay >= o.initial_reconnect_delay, {
  path: ['max_reconnect_delay'],
  message: 'must not be smaller than initial_reconnect_delay',
});

export type Options = z.infer<typeof optionsSchema>;
export type OptionKey = keyof Options;

export const OPTION_KEYS: readonly string[] = Object.keys(optionsObject.shape);
const SECRET_OPTION_KEYS = new Set(['password', 'mqtt_password', 'email', 'mqtt_username']);

export type LoadResult =
  | { ok: true; options: Options; source: string; warnings: string[] }
  | { ok: false; problems: string[]; source: string };

export interface LoadSources {
  env: NodeJS.ProcessEnv;
  /** Reads a file; returns undefined when it does not exist. */
  readText?: (path: string) => Promise<string | undefined>;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Turns an environment string into the type the schema expects for that key. */
function fromEnv(key: string, text: string): unknown {
  const field = (optionsObject.shape as Record<string, z.ZodType>)[key];
  const probe = (value: unknown) => field?.safeParse(value).success === true;
  if (probe(text)) return text;
  const trimmed = text.trim();
  if (/^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
  if (trimmed !== '' && !Number.isNaN(Number(trimmed))) return Number(trimmed);
  return text;
}

function describeValue(key: string, value: unknown): string {
  if (SECRET_OPTION_KEYS.has(key)) return '';
  if (value === undefined) return ' (missing)';
  const shown = JSON.stringify(value);
  return ` (got ${shown && shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`;
}

/**
 * Reads options from the file (default /data/options.json, override NWP500_OPTIONS) and the
 * environment (NWP500_<KEY>, plus NAVIEN_EMAIL / NAVIEN_PASSWORD); the environment wins.
 * Empty strings count as "not set", as the Supervisor writes them for cleared optional fields.
 */
export async function loadOptions(sources: LoadSources): Promise<LoadResult> {
  const { env } = sources;
  const readText = sources.readText ?? readIfPresent;
  const file = env.NWP500_OPTIONS || '/data/options.json';
  const problems: string[] = [];
  const warnings: string[] = [];
  let raw: Record<string, unknown> = {};

  let text: string | undefined;
  try {
    text = await readText(file);
  } catch (error) {
    problems.push(
      `options file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`options file ${file}: must contain a JSON object`);
      } else {
        raw = { ...(parsed as Record<string, unknown>) };
      }
    } catch {
      problems.push(`options file ${file}: is not valid JSON`);
    }
  }

  for (const key of Object.keys(raw)) {
    if (!OPTION_KEYS.includes(key)) warnings.push(`option ${key}: unknown, ignored`);
  }
  const envAliases: Record<string, string | undefined> = {
    email: env.NAVIEN_EMAIL,
    password: env.NAVIEN_PASSWORD,
  };
  for (const key of OPTION_KEYS) {
    const value = env[`NWP500_${key.toUpperCase()}`] ?? envAliases[key];
    if (value !== undefined) raw[key] = fromEnv(key, value);
  }
  for (const [key, value] of Object.entries(raw)) {
    if (value === '' || value === null) delete raw[key];
  }
  if (problems.length > 0) return { ok: false, problems, source: file };

  const known = Object.fromEntries(Object.entries(raw).filter(([k]) => OPTION_KEYS.includes(k)));
  const result = optionsSchema.safeParse(known);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? 'options');
      problems.push(`option ${key}: ${issue.message}${describeValue(key, known[key])}`);
    }
    return { ok: false, problems, source: file };
  }
  return { ok: true, options: result.data, source: text === undefined ? 'environment' : file, warnings };
}

/** The NaviLink account is required to talk to the cloud (not for `demo`, `sim` or `analyze`). */
export function accountProblems(options: Options): string[] {
  const problems: string[] = [];
  if (!options.email)
    problems.push('option email: is required (the e-mail address of your NaviLink account)');
  if (!options.password)
    problems.push('option password: is required (the password of your NaviLink account)');
  return problems;
}
