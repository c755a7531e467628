// The histories the analysis reads, as the report carries them (`history`, export format 2): every
// drop, connection, failed attempt (with its error and the credentials' age), host event,
// configuration epoch (with its start) and the load series, bounded, with wall times for people and
// monotonic times for the analysis. `analysisInputOf` turns it into the analysis input, so the live
// bridge and `analyze FILE` on its report analyse exactly the same thing.

import { z } from 'zod';
import type { AnalysisInput } from './analysisTypes.js';
import { connectionDropEventSchema, connectionEventSchema, SYSTEM_EVENT_KINDS } from './types.js';

export const HISTORY_VERSION = 2;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const settings = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
/** Milliseconds on the exporting process's monotonic clock (restored events re-based onto it). */
const mono = finite;

export const historySchema = z.object({
  version: z.literal(HISTORY_VERSION),
  /** The exporter's monotonic clock when the history was taken; every `mono_ms` is on its axis. */
  mono_now_ms: mono,
  now: z.string(),
  observed_hours: z.number().nonnegative(),
  first_observed_at: z.string(),
  connected: z.boolean(),
  /** How many items each list may hold (older ones were dropped). */
  max_items: z.number().int().positive(),
  drops: z.array(connectionDropEventSchema.extend({ mono_ms: mono })),
  connections: z.array(connectionEventSchema.extend({ mono_ms: mono })),
  reconnect_failures: z.array(
    z.object({
      timestamp: z.string(),
      mono_ms: mono,
      attempt: z.number(),
      deep: z.boolean(),
      error_name: z.string(),
      error_code: z.number().nullable(),
      error_message: z.string(),
      /** Age of the AWS credentials the failed handshake was signed with; null if unknown. */
      credential_age_seconds: finite.nullable(),
    }),
  ),
  system_events: z.array(
    z.object({ timestamp: z.string(), mono_ms: mono, kind: z.enum(SYSTEM_EVENT_KINDS), detail: z.string() }),
  ),
  config_epochs: z.array(
    z.object({ index: z.number().int().nonnegative(), started_at: z.string(), mono_ms: mono, settings }),
  ),
  credential_renewals: z.array(
    z.object({ timestamp: z.string(), mono_ms: mono, planned: z.boolean(), reason: z.string() }),
  ),
  /** NaviLink REST calls: reachable or not, and the cloud's clock minus ours from the Date header. */
  rest_checks: z.array(
    z.object({
      timestamp: z.string(),
      mono_ms: mono,
      path: z.string(),
      reachable: z.boolean(),
      status: z.number().nullable(),
      clock_offset_ms: finite.nullable(),
      error: z.string().nullable(),
    }),
  ),
  load: z.object({
    bin_seconds: z.number().positive(),
    bins: z.array(z.object({ start: z.string(), mono_ms: mono, messages: z.number().int().nonnegative() })),
  }),
});
export type History = z.infer<typeof historySchema>;

const wall = (iso: string): number => Date.parse(iso);

/** The analysis input of a history; `keepAliveSecs` defaults to the newest epoch's. */
export function analysisInputOf(history: History, options: { seed?: number } = {}): AnalysisInput {
  const latestKeepAlive = history.config_epochs.at(-1)?.settings.keep_alive_secs;
  return {
    drops: history.drops.map((d) => ({
      wallMs: wall(d.timestamp),
      monoMs: d.mono_ms,
      errorName: d.error_name,
      lifetimeSeconds: d.duration_connected_seconds,
      reconnectAttempt: d.reconnect_attempt,
      messagesBefore: d.messages_before,
    })),
    connections: history.connections.map((c) => ({
      wallMs: wall(c.timestamp),
      monoMs: c.mono_ms,
      eventType: c.event_type,
      timeToReconnectSeconds: c.time_to_reconnect_seconds,
    })),
    reconnectFailures: history.reconnect_failures.map((f) => ({
      wallMs: wall(f.timestamp),
      monoMs: f.mono_ms,
      errorName: f.error_name,
      deep: f.deep,
      credentialAgeSeconds: f.credential_age_seconds,
    })),
    loadBins: history.load.bins.map((b) => ({
      wallMs: wall(b.start),
      monoMs: b.mono_ms,
      messages: b.messages,
    })),
    loadBinMs: history.load.bin_seconds * 1000,
    systemEvents: history.system_events.map((e) => ({
      wallMs: wall(e.timestamp),
      monoMs: e.mono_ms,
      kind: e.kind,
      detail: e.detail,
    })),
    configEpochs: history.config_epochs.map((e) => ({
      wallMs: wall(e.started_at),
      monoMs: e.mono_ms,
      settings: { ...e.settings },
    })),
    credentialRenewals: history.credential_renewals.map((r) => ({
      wallMs: wall(r.timestamp),
      monoMs: r.mono_ms,
      planned: r.planned,
      reason: r.reason,
    })),
    restChecks: history.rest_checks.map((r) => ({
      wallMs: wall(r.timestamp),
      monoMs: r.mono_ms,
      reachable: r.reachable,
      clockOffsetMs: r.clock_offset_ms,
    })),
    hoursCollected: history.observed_hours,
    nowMonoMs: history.mono_now_ms,
    nowWallMs: wall(history.now),
    connected: history.connected,
    keepAliveSecs: typeof latestKeepAlive === 'number' ? latestKeepAlive : null,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  };
}
