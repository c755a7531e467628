// The diagnostics export format: nwp500-python's `export_json()` keys and event fields (so existing
// analysis scripts keep working) plus the fields this bridge adds, as zod schemas and their types.

import { z } from 'zod';

/**
 * An error that ended or prevented a cloud connection. `name` is the AWS error name
 * (`AWS_ERROR_MQTT_UNEXPECTED_HANGUP`, …) or, for errors that are not aws-crt's, a name of our own
 * (`NAVIEN_AUTH_INVALID_CREDENTIALS`, `NAVIEN_CONNECT_TIMEOUT`, `ERROR_<Name>`): never empty.
 */
export interface CloudError {
  name: string;
  code: number | null;
  message: string;
}

export const cloudErrorSchema = z.object({
  name: z.string(),
  code: z.number().nullable(),
  message: z.string(),
});

export type ConnectionEventType = 'connected' | 'resumed' | 'deep_reconnected';

export const SYSTEM_EVENT_KINDS = [
  'clock_jump',
  'network_change',
  'dns_change',
  'bridge_restart',
  'host_event',
] as const;
/**
 * Things that happen to the host rather than to the connection: `clock_jump` (wall clock moved
 * against the monotonic clock: suspend/resume or an NTP step), `network_change` (interfaces or
 * their addresses changed), `dns_change` (resolv.conf changed), `bridge_restart` (the bridge was
 * not running for a while, so nothing was observed), `host_event` (anything else worth correlating).
 */
export type SystemEventKind = (typeof SYSTEM_EVENT_KINDS)[number];

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** One interruption of the cloud link (6.1 `ConnectionDropEvent`, plus the fields after the blank line). */
export const connectionDropEventSchema = z.object({
  timestamp: z.string(),
  error_name: z.string(),
  error_message: z.string(),
  error_code: z.number().nullable(),
  reconnect_attempt: z.number(),
  /** How long the session that dropped had lasted; null when the link was already down. */
  duration_connected_seconds: finite.nullable(),
  active_subscriptions: z.number(),
  queued_commands: z.number(),

  /** When the session that dropped had started (ISO UTC); null when the link was already down. */
  session_started_at: z.string().nullable(),
  /** Index of the configuration epoch (see `recordConfigEpoch`) in force at the drop. */
  config_epoch: z.number().nullable(),
  /** Messages sent plus received in the ~5 minutes before the drop. */
  messages_before: z.number(),
  /** Seconds since the AWS credentials were last obtained; null if never recorded. */
  credential_age_seconds: finite.nullable(),
});
export type ConnectionDropEvent = z.infer<typeof connectionDropEventSchema>;

/** One successful connect or recovery (6.1 `ConnectionEvent`, plus `reconnect_attempts`). */
export const connectionEventSchema = z.object({
  timestamp: z.string(),
  event_type: z.enum(['connected', 'resumed', 'deep_reconnected']),
  session_present: z.boolean(),
  return_code: z.number().nullable(),
  attempt_number: z.number(),
  /** Seconds since the drop that began this outage; null when there was no outage. */
  time_to_reconnect_seconds: finite.nullable(),

  /** Reconnect attempts this recovery took (what the attempt distribution counts); null if no outage. */
  reconnect_attempts: z.number().nullable(),
});
export type ConnectionEvent = z.infer<typeof connectionEventSchema>;

export const ATTEMPT_BUCKETS = ['1', '2-5', '6-10', '11+'] as const;
export type AttemptBucket = (typeof ATTEMPT_BUCKETS)[number];

/** 6.1 `MqttMetrics`: the same names in the same order; see collector.ts for what each counts. */
export const mqttMetricsSchema = z.object({
  total_connections: z.number(),
  total_disconnects: z.number(),
  total_connection_drops: z.number(),
  total_reconnect_attempts: z.number(),
  longest_session_seconds: z.number(),
  shortest_session_seconds: z.number().nullable(),
  average_session_seconds: z.number(),
  current_session_uptime_seconds: z.number(),
  connection_drops_by_error: z.record(z.string(), z.number()),
  reconnection_attempts_distribution: z.record(z.string(), z.number()),
  last_drop_timestamp: z.string().nullable(),
  last_successful_connect_timestamp: z.string().nullable(),
  connection_recovered: z.number(),
  messages_published: z.number(),
  messages_queued: z.number(),
});
export type MqttMetrics = z.infer<typeof mqttMetricsSchema>;

export const sessionHistorySummarySchema = z.object({
  total_sessions: z.number(),
  sample_durations: z.array(z.number()),
});

/** The six top-level keys of nwp500-python's export (6.2), exact names. */
export const collectorExportSchema = z.object({
  timestamp: z.string(),
  metrics: mqttMetricsSchema,
  recent_drops: z.array(connectionDropEventSchema),
  recent_connections: z.array(connectionEventSchema),
  aws_error_counts: z.record(z.string(), z.number()),
  session_history_summary: sessionHistorySummarySchema,
});
export type CollectorExport = z.infer<typeof collectorExportSchema>;

/** Counters that have no place in the Python metrics object; exported beside it. */
export const collectorCountersSchema = z.object({
  connected: z.boolean(),
  current_outage_seconds: z.number().nullable(),
  current_outage_attempts: z.number(),
  observed_hours: z.number(),
  messages_in: z.number(),
  messages_out: z.number(),
  deep_reconnect_attempts: z.number(),
  reconnect_failures: z.number(),
  reconnect_failures_by_error: z.record(z.string(), z.number()),
  credential_renewals: z.number(),
  unplanned_credential_renewals: z.number(),
  commands_refused: z.number(),
  commands_refused_by_reason: z.record(z.string(), z.number()),
  queue_dropped_overflow: z.number(),
  queue_dropped_expired: z.number(),
  system_events: z.number(),
  system_events_by_kind: z.record(z.string(), z.number()),
});
export type CollectorCounters = z.infer<typeof collectorCountersSchema>;

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDayPrefix = '';
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * ISO-8601 UTC with an explicit `+00:00` offset, as Python's `isoformat()` writes it. Hot path (every
 * drop and connection): the date part is formatted once per day, since `toISOString()` costs ~1 µs.
 */
export function isoUtc(wallMs: number): string {
  if (!Number.isFinite(wallMs) || Math.abs(wallMs) > 8.64e15) return 'invalid-time';
  const ms = Math.floor(wallMs);
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, -13); // "YYYY-MM-DDT" (or ±YYYYYY-…)
    cachedDay = day;
  }
  const inDay = ms - day * DAY_MS;
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor((inDay % 3_600_000) / 60_000);
  const seconds = Math.floor((inDay % 60_000) / 1000);
  return `${cachedDayPrefix}${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(inDay % 1000, 3)}+00:00`;
}

/** Milliseconds to seconds, kept to the millisecond so exports do not show float noise. */
export function msToSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}
