// Every count and rate the bridge shows, computed in one place from the totals and the retained drop
// history: the page, /api/diagnostics, the report file, `analyze FILE`, the bridge entities and
// /metrics all read this object, so they cannot disagree.

import { z } from 'zod';
import { MIN_RATE_HOURS } from './thresholds.js';
import { type CollectorCounters, isoUtc, type MqttMetrics } from './types.js';

const DAY_MS = 86_400_000;

export const diagnosticsNumbersSchema = z.object({
  /** Hours the bridge was running and watching the link, over all runs. */
  observed_hours: z.number(),
  connected: z.boolean().nullable(),
  /** nwp500-python's total_connections: fresh connections (the first one and deliberate rebuilds). */
  connections: z.number(),
  /** Connections brought back after a drop (nwp500-python's connection_recovered). */
  recoveries: z.number(),
  drops: z.number(),
  /** Transitions from connected to disconnected (a drop while already down is no new outage). */
  outages: z.number(),
  reconnect_attempts: z.number(),
  deep_reconnect_attempts: z.number(),
  reconnect_failures: z.number(),
  credential_renewals: z.number(),
  unplanned_credential_renewals: z.number(),
  system_events: z.number(),
  commands_refused: z.number(),
  queue_dropped_overflow: z.number(),
  queue_dropped_expired: z.number(),
  messages_in: z.number(),
  messages_out: z.number(),
  messages_published: z.number(),
  messages_queued: z.number(),
  sessions_ended: z.number(),
  session_longest_seconds: z.number().nullable(),
  session_shortest_seconds: z.number().nullable(),
  session_average_seconds: z.number().nullable(),
  session_uptime_seconds: z.number(),
  current_outage_seconds: z.number().nullable(),
  current_outage_attempts: z.number(),
  /** Drops in the 24 hours before `as_of` (in the retained history). */
  drops_last_24h: z.number(),
  /** Drops per day over the whole observation; null until `rate_min_hours` were observed. */
  drops_per_day: z.number().nullable(),
  /** The observation a rate needs before it is stated (not extrapolated from less). */
  rate_min_hours: z.number(),
  drops_by_error: z.record(z.string(), z.number()),
  reconnect_failures_by_error: z.record(z.string(), z.number()),
  commands_refused_by_reason: z.record(z.string(), z.number()),
  as_of: z.string(),
});
export type DiagnosticsNumbers = z.infer<typeof diagnosticsNumbersSchema>;

export interface NumbersInput {
  metrics: MqttMetrics;
  counters: CollectorCounters;
  /** Sessions that ended (the export's session_history_summary.total_sessions). */
  sessionsEnded: number;
  /** Wall-clock ms of every retained drop. */
  dropWallMs: readonly number[];
  /** When the numbers are taken (the export's timestamp). */
  nowWallMs: number;
}

/** A rate per day from `count` events over `hours`, or null while fewer than MIN_RATE_HOURS were observed. */
export function perDay(count: number, hours: number): number | null {
  if (!(hours >= MIN_RATE_HOURS)) return null;
  return Number(((count / hours) * 24).toPrecision(3));
}

export function numbersOf(input: NumbersInput): DiagnosticsNumbers {
  const { metrics: m, counters: c } = input;
  const since = input.nowWallMs - DAY_MS;
  let last24h = 0;
  for (const t of input.dropWallMs) if (t > since && t <= input.nowWallMs) last24h++;
  const ended = input.sessionsEnded;
  return {
    observed_hours: round(c.observed_hours, 3),
    connected: c.connected,
    connections: m.total_connections,
    recoveries: m.connection_recovered,
    drops: m.total_connection_drops,
    outages: m.total_disconnects,
    reconnect_attempts: m.total_reconnect_attempts,
    deep_reconnect_attempts: c.deep_reconnect_attempts,
    reconnect_failures: c.reconnect_failures,
    credential_renewals: c.credential_renewals,
    unplanned_credential_renewals: c.unplanned_credential_renewals,
    system_events: c.system_events,
    commands_refused: c.commands_refused,
    queue_dropped_overflow: c.queue_dropped_overflow,
    queue_dropped_expired: c.queue_dropped_expired,
    messages_in: c.messages_in,
    messages_out: c.messages_out,
    messages_published: m.messages_published,
    messages_queued: m.messages_queued,
    sessions_ended: ended,
    session_longest_seconds: ended > 0 ? m.longest_session_seconds : null,
    session_shortest_seconds: ended > 0 ? m.shortest_session_seconds : null,
    session_average_seconds: ended > 0 ? m.average_session_seconds : null,
    session_uptime_seconds: m.current_session_uptime_seconds,
    current_outage_seconds: c.current_outage_seconds,
    current_outage_attempts: c.current_outage_attempts,
    drops_last_24h: last24h,
    drops_per_day: perDay(m.total_connection_drops, c.observed_hours),
    rate_min_hours: MIN_RATE_HOURS,
    drops_by_error: { ...m.connection_drops_by_error },
    reconnect_failures_by_error: { ...c.reconnect_failures_by_error },
    commands_refused_by_reason: { ...c.commands_refused_by_reason },
    as_of: isoUtc(input.nowWallMs),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The parts of a report (ours, export format 2) the numbers are computed from. */
export interface ReportParts {
  timestamp: string;
  metrics: MqttMetrics;
  counters: CollectorCounters;
  session_history_summary: { total_sessions: number };
  history: { drops: ReadonlyArray<{ timestamp: string }> };
}

/** The numbers of a report: what the bridge put in it, and what `analyze FILE` computes again. */
export function numbersOfReport(report: ReportParts): DiagnosticsNumbers {
  return numbersOf({
    metrics: report.metrics,
    counters: report.counters,
    sessionsEnded: report.session_history_summary.total_sessions,
    dropWallMs: report.history.drops.map((d) => Date.parse(d.timestamp)),
    nowWallMs: Date.parse(report.timestamp),
  });
}
