// Words and durations for people: "1 drop", "3 drops", "20.0 min", and the text summary that
// `printSummary` writes, all from the one set of numbers.

import type { DiagnosticsNumbers } from './numbers.js';

/** "1 drop", "3 drops", "0 drops"; `many` for irregular plurals. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** "42 s", "20.0 min", "24.0 h": the unit people would say. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  if (seconds < 120) return `${round3(seconds)} s`;
  if (seconds < 2 * 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 3 * 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** The rate, or why there is none yet. */
export function rateText(n: DiagnosticsNumbers): string {
  return n.drops_per_day === null
    ? `no rate before ${n.rate_min_hours} h of observation`
    : `${n.drops_per_day} per day`;
}

export function summaryLines(n: DiagnosticsNumbers): string[] {
  const lines = [
    '='.repeat(60),
    'MQTT CONNECTION DIAGNOSTICS SUMMARY',
    '='.repeat(60),
    `Observed: ${n.observed_hours.toFixed(1)} h; link is ${n.connected ? 'up' : 'down'}`,
    `Connections: ${n.connections}  Recoveries: ${n.recoveries}`,
    `Drops: ${n.drops} (${rateText(n)}; ${n.drops_last_24h} in the last 24 h)  Outages: ${n.outages}`,
    `Reconnect attempts: ${n.reconnect_attempts} (deep: ${n.deep_reconnect_attempts}, failed: ${n.reconnect_failures})`,
    `Credential renewals: ${n.credential_renewals} (unplanned: ${n.unplanned_credential_renewals})`,
  ];
  if (n.sessions_ended > 0) {
    lines.push(
      `Sessions ended: ${n.sessions_ended}  longest ${formatDuration(n.session_longest_seconds ?? 0)}, ` +
        `shortest ${formatDuration(n.session_shortest_seconds ?? 0)}, average ${formatDuration(n.session_average_seconds ?? 0)}`,
    );
  }
  lines.push(`Current session uptime: ${formatDuration(n.session_uptime_seconds)}`);
  const byError = Object.entries(n.drops_by_error);
  if (byError.length > 0) {
    lines.push('Drops by error:');
    for (const [name, count] of byError) lines.push(`  ${name}: ${count}`);
  }
  lines.push(
    `Messages: published ${n.messages_published}, queued ${n.messages_queued}, ` +
      `on the wire in ${n.messages_in} / out ${n.messages_out}`,
  );
  lines.push('='.repeat(60));
  return lines;
}
