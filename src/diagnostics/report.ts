// Builds the diagnostics report people download or attach to bug reports: nwp500-python's six export
// keys (same names and shapes) plus our counters, the drop analysis, bridge state and redacted devices.

import { z } from 'zod';
import { type Health, healthSchema } from '../health/health.js';
import { pseudonym, pseudonymDigest, type Redactor } from '../util/redact.js';
import type { DiagnosticsCollector } from './collector.js';
import { analysisInputOf, historySchema } from './history.js';
import { diagnosticsNumbersSchema, numbersOfReport } from './numbers.js';
import { type Analysis, analysisSchema, analyzeDrops } from './patterns.js';
import {
  type CloudError,
  cloudErrorSchema,
  collectorCountersSchema,
  collectorExportSchema,
} from './types.js';

/** What the caller knows about the running bridge; the report redacts what needs redacting. */
export interface BridgeInfo {
  version: string;
  node: string;
  platform: string;
  uptime_seconds: number;
  /** ISO-8601 UTC. */
  started_at: string;
  cloud: {
    /** The connection engine's state name (e.g. connected, reconnecting, stopped). */
    state: string;
    endpoint_host: string | null;
    /** The raw MQTT client id; the report shows a pseudonym of it. */
    client_id: string | null;
    connected_since: string | null;
    reconnect_attempt: number;
    last_error: CloudError | null;
    last_message_age_seconds: number | null;
    subscriptions: number;
    queued_commands: number;
  };
  local_broker: {
    connected: boolean;
    host: string | null;
    /** Where the broker settings came from (e.g. supervisor, options). */
    source: string;
    reconnects: number;
  };
  /** Non-secret options (see `nonSecretConfig`); secret-looking keys are dropped anyway. */
  config: Record<string, string | number | boolean | null>;
  /** The command accounting (counters by outcome, what is in the queue); numbers only. */
  commands?: Record<string, number | null>;
  /** The computed health, as /healthz reports it. */
  health?: Health;
}

/** One water heater; `id` is its MAC (shown only as a pseudonym). Extra fields are ignored. */
export interface DeviceSummary {
  id: string;
  model: string | null;
  online: boolean;
  last_update: string | null;
  firmware: string | null;
}

const bridgeSchema = z.object({
  version: z.string(),
  node: z.string(),
  platform: z.string(),
  uptime_seconds: z.number(),
  started_at: z.string(),
  cloud: z.object({
    state: z.string(),
    endpoint_host: z.string().nullable(),
    client_id: z.string().nullable(),
    connected_since: z.string().nullable(),
    reconnect_attempt: z.number(),
    last_error: cloudErrorSchema.nullable(),
    last_message_age_seconds: z.number().nullable(),
    subscriptions: z.number(),
    queued_commands: z.number(),
  }),
  local_broker: z.object({
    connected: z.boolean(),
    host: z.string().nullable(),
    source: z.string(),
    reconnects: z.number(),
  }),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  commands: z.record(z.string(), z.number().nullable()).optional(),
  health: healthSchema.optional(),
});

const deviceSchema = z.object({
  id: z.string().regex(/^dev-[0-9a-f]{8}$/, 'must be a pseudonym, never a MAC'),
  model: z.string().nullable(),
  online: z.boolean(),
  last_update: z.string().nullable(),
  firmware: z.string().nullable(),
});

/** 2: adds `numbers` and `history` (every history the analysis reads), so a report can be re-analysed. */
export const EXPORT_VERSION = 2;

export const diagnosticsReportSchema = collectorExportSchema.extend({
  export_version: z.literal(EXPORT_VERSION),
  counters: collectorCountersSchema,
  /** Every count and rate shown anywhere (page, entities, /metrics), from one function. */
  numbers: diagnosticsNumbersSchema,
  history: historySchema,
  analysis: analysisSchema,
  bridge: bridgeSchema,
  devices: z.array(deviceSchema),
});
export type DiagnosticsReport = z.infer<typeof diagnosticsReportSchema>;

/** Options safe to show in a report: behaviour settings, never credentials or account data. */
const PUBLIC_OPTION_KEYS = [
  'keep_alive_secs',
  'initial_reconnect_delay',
  'max_reconnect_delay',
  'deep_reconnect_threshold',
  'max_reconnect_attempts',
  'enable_command_queue',
  'max_queued_commands',
  'max_queued_command_age',
  'status_interval',
  'unhealthy_after_secs',
  'max_events_retained',
  'diagnostics_export_interval',
  'diagnostics_file',
  'discovery_prefix',
  'base_topic',
  'mqtt_ssl',
  'http_port',
  'log_level',
  'navien_api_url',
  'navien_mqtt_url',
] as const;

const SECRET_LOOKING_KEY = /pass|secret|token|email|user|credential|session|auth|key(?!_?alive)/i;

/** Picks the options a report may show from the full options object. */
export function nonSecretConfig(
  options: Record<string, unknown>,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const key of PUBLIC_OPTION_KEYS) {
    const value = options[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = value;
  }
  return out;
}

/** A stable stand-in for the MQTT client id, distinguishable from device pseudonyms. */
export function clientIdPseudonym(clientId: string): string {
  return `client-${pseudonymDigest(clientId)}`;
}

export function buildReport(input: {
  collector: DiagnosticsCollector;
  /** Defaults to the analysis of the report's own history (what `analyze FILE` finds again). */
  analysis?: Analysis;
  bridge: BridgeInfo;
  devices: DeviceSummary[];
  redactor: Redactor;
}): DiagnosticsReport {
  const { bridge, redactor } = input;
  const exported = input.collector.exportObject();
  const counters = input.collector.getCounters();
  const history = input.collector.history();
  const config: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(bridge.config ?? {})) {
    if (SECRET_LOOKING_KEY.test(key)) continue;
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    ) {
      config[key] = value;
    }
  }
  const clientId = bridge.cloud.client_id;
  const report: DiagnosticsReport = {
    ...exported,
    export_version: EXPORT_VERSION,
    counters,
    // From the report's own parts, exactly as `analyze FILE` computes them again.
    numbers: numbersOfReport({ ...exported, counters, history }),
    history,
    analysis: input.analysis ?? analyzeDrops(analysisInputOf(history)),
    bridge: {
      version: bridge.version,
      node: bridge.node,
      platform: bridge.platform,
      uptime_seconds: bridge.uptime_seconds,
      started_at: bridge.started_at,
      cloud: {
        state: bridge.cloud.state,
        endpoint_host: bridge.cloud.endpoint_host,
        client_id: clientId ? clientIdPseudonym(clientId) : null,
        connected_since: bridge.cloud.connected_since,
        reconnect_attempt: bridge.cloud.reconnect_attempt,
        last_error: bridge.cloud.last_error
          ? {
              name: bridge.cloud.last_error.name,
              code: bridge.cloud.last_error.code,
              message: bridge.cloud.last_error.message,
            }
          : null,
        last_message_age_seconds: bridge.cloud.last_message_age_seconds,
        subscriptions: bridge.cloud.subscriptions,
        queued_commands: bridge.cloud.queued_commands,
      },
      local_broker: {
        connected: bridge.local_broker.connected,
        host: bridge.local_broker.host,
        source: bridge.local_broker.source,
        reconnects: bridge.local_broker.reconnects,
      },
      config,
      ...(bridge.commands ? { commands: numbersOnly(bridge.commands) } : {}),
      ...(bridge.health ? { health: bridge.health } : {}),
    },
    devices: input.devices.map((device) => ({
      id: pseudonym(String(device.id)),
      model: device.model ?? null,
      online: device.online === true,
      last_update: device.last_update ?? null,
      firmware: device.firmware ?? null,
    })),
  };
  // Identifiers may also hide inside free text (error messages quoting a topic or the client id).
  const replacements: Array<[string, string]> = [];
  if (clientId && clientId.length >= 4) replacements.push([clientId, clientIdPseudonym(clientId)]);
  for (const device of input.devices) {
    const id = String(device.id);
    if (id.length < 4) continue;
    replacements.push(
      [id, pseudonym(id)],
      [id.toLowerCase(), pseudonym(id)],
      [id.toUpperCase(), pseudonym(id)],
    );
  }
  return redactor.redact(replaceInStrings(report, replacements));
}

function replaceInStrings<T>(value: T, replacements: Array<[string, string]>): T {
  if (replacements.length === 0) return value;
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      let out = node;
      for (const [needle, replacement] of replacements)
        if (out.includes(needle)) out = out.split(needle).join(replacement);
      return out;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  return walk(value) as T;
}

/** Keeps finite numbers (and nulls) only: nothing but counts can ride along. */
function numbersOnly(values: Record<string, number | null>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || (typeof value === 'number' && Number.isFinite(value))) out[key] = value;
  }
  return out;
}
