// What a soak run found, the invariants it is judged by, and how it is printed (text for people,
// one JSON object with self-explaining keys for machines).

import type { Accounting } from './accounting.js';

export interface SoakReport {
  seed: number;
  chaos_seconds: number;
  /** How long the bridge took to settle once every fault was lifted. */
  settle_seconds: number;
  settled: boolean;
  faults_by_kind: Record<string, number>;
  junk_messages_sent: Record<string, number>;
  commands: Accounting;
  /** Command slots skipped because the HA side (broker, bridge on it) was down or about to be. */
  commands_skipped_while_ha_side_down: number;
  bridge_accounting_reported: boolean;
  bridge_counters_persist_across_restart: boolean | null;
  drops_recorded_by_bridge: number | null;
  /** What the first bridge process had recorded just before its SIGTERM. */
  drops_recorded_before_restart: number | null;
  drops_by_error: Record<string, number>;
  link_breaking_faults_injected: number;
  health_codes_seen: Record<string, number>;
  health_codes_while_cloud_down: Record<string, number>;
  health_reasons_seen: Record<string, number>;
  crashes: number;
  crash_details: Array<{ atMs: number; exit: number | string; stderrTail: string }>;
  sigterm_restart: { exit: number | string | null; took_ms: number | null };
  bridge_processes: number;
  rss_kb: { start: number | null; end: number | null };
  bridge_error_log_lines: number;
  notes: string[];
  /** Every invariant that failed, in words; empty when the run passed. */
  failures: string[];
}

/** The invariants: each failure is a sentence saying what was expected and what was found. */
export function verdict(report: Omit<SoakReport, 'failures'> & { failures?: string[] }): string[] {
  const failures: string[] = [];
  const c = report.commands;
  if (c.unaccounted < 0) {
    failures.push(
      `the books count ${-c.unaccounted} more outcomes than commands issued (a command counted twice, e.g. superseded and delivered)`,
    );
  } else if (c.unaccounted !== 0) {
    const list = c.not_seen_by_heater
      .slice(0, 10)
      .map(
        (command) =>
          `#${command.n} ${command.key}=${command.payload} at ${(command.atMs / 1000).toFixed(1)} s`,
      )
      .join(', ');
    failures.push(
      `unaccounted commands: ${c.unaccounted} (expected 0); not seen by the heater: ${list || 'none'}`,
    );
  }
  if (c.out_of_order !== 0) failures.push(`commands delivered out of order: ${c.out_of_order} (expected 0)`);
  if (c.phantom !== 0) failures.push(`commands nobody issued reached the heater: ${c.phantom} (expected 0)`);
  if (c.heater_refused !== 0) failures.push(`commands the heater refused: ${c.heater_refused} (expected 0)`);
  if (c.refused.missing !== 0) failures.push(`invalid commands without a refusal: ${c.refused.missing}`);
  for (const [kind, check] of Object.entries(c.final_state)) {
    if (!check.ok)
      failures.push(
        `final ${kind}: heater has ${check.actual}, the last command asked for ${check.expected}`,
      );
  }
  if (c.queue_depth !== 0) failures.push(`queue depth at the end: ${c.queue_depth} (expected 0)`);
  if (!report.bridge_accounting_reported)
    failures.push('the bridge does not report its command accounting (diagnostics bridge.commands)');
  if (c.bridge_books_gap !== null && c.bridge_books_gap !== 0)
    failures.push(
      `the bridge's books do not close: accepted − (delivered + superseded + expired + overflow + unconfirmed + in queue) = ${c.bridge_books_gap}`,
    );
  if (report.crashes !== 0) failures.push(`bridge crashes: ${report.crashes} (expected 0)`);
  if (report.sigterm_restart.exit !== null && report.sigterm_restart.exit !== 0)
    failures.push(`the bridge exited ${report.sigterm_restart.exit} on SIGTERM (expected 0)`);
  if (!report.settled) failures.push('the bridge did not settle after every fault was lifted');
  return failures;
}

function kv(record: Record<string, number | string>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([key, value]) => `${key} ${value}`).join(', ');
}

/** The report for people: one section per question the soak answers. */
export function formatReport(report: SoakReport): string {
  const c = report.commands;
  const fs = c.final_state;
  const lines = [
    `nwp500-bridge soak — seed ${report.seed}, ${report.chaos_seconds} s of chaos, settled in ${report.settle_seconds} s${report.settled ? '' : ' (DID NOT SETTLE)'}`,
    '',
    `faults by kind: ${kv(report.faults_by_kind)}`,
    `junk messages sent from the cloud: ${kv(report.junk_messages_sent)}`,
    '',
    'commands',
    `  issued            ${c.issued} (${c.issued_valid} valid, ${c.issued_invalid} invalid on purpose)`,
    `  delivered         ${c.delivered} (applied by the heater)`,
    `  duplicated        ${c.duplicated} (told by ${c.duplicates_told_by === 'session_id' ? 'session id' : 'value'})`,
    `  superseded        ${c.superseded}`,
    `  refused           expected ${kv(c.refused.expected_by_reason)}; counted ${kv(c.refused.seen_by_reason)}; valid ones refused ${c.refused.valid_refused}; missing ${c.refused.missing}`,
    `  dropped (counted) ${c.dropped_with_counter} (expired ${c.expired}, overflow ${c.overflow})`,
    `  unconfirmed       ${c.unconfirmed} (heater offline receptions: ${c.offline_receptions})`,
    `  in queue          ${c.in_queue}`,
    `  out of order      ${c.out_of_order}`,
    `  phantom           ${c.phantom}`,
    `  implied power-on  ${c.implied_power_on}`,
    `  already in effect ${c.already_in_effect} (never reached the heater, which already had that setting)`,
    `  UNACCOUNTED       ${c.unaccounted}`,
    `  skipped while the HA side was down: ${report.commands_skipped_while_ha_side_down}`,
    `  bridge books gap  ${c.bridge_books_gap ?? 'n/a (no accounting reported)'}; counters persist across restart: ${report.bridge_counters_persist_across_restart ?? 'n/a'}`,
    '',
    'final heater state = last command of each kind',
    `  temperature  raw ${fs.temperature.actual} (expected ${fs.temperature.expected ?? 'any'}) ${fs.temperature.ok ? 'ok' : 'WRONG'}`,
    `  power        ${fs.power.actual} (expected ${fs.power.expected}) ${fs.power.ok ? 'ok' : 'WRONG'}`,
    `  mode         ${fs.mode.actual} (expected ${fs.mode.expected ?? 'any'}) ${fs.mode.ok ? 'ok' : 'WRONG'}`,
    `queue depth at the end: ${c.queue_depth}`,
    '',
    `drops recorded by the bridge: ${report.drops_recorded_by_bridge ?? 'n/a'} at the end (${kv(report.drops_by_error)}), ${report.drops_recorded_before_restart ?? 'n/a'} just before the restart; link-breaking faults injected: ${report.link_breaking_faults_injected}`,
    `/healthz answers: ${kv(report.health_codes_seen)}; while the cloud link was down: ${kv(report.health_codes_while_cloud_down)}`,
    `health reasons seen: ${kv(report.health_reasons_seen)}`,
    `crashes: ${report.crashes}; SIGTERM restart: exit ${report.sigterm_restart.exit ?? 'n/a'} in ${report.sigterm_restart.took_ms ?? 'n/a'} ms; bridge processes: ${report.bridge_processes}`,
    `RSS: start ${report.rss_kb.start ?? '?'} kB, end ${report.rss_kb.end ?? '?'} kB; bridge error log lines: ${report.bridge_error_log_lines}`,
  ];
  for (const crash of report.crash_details) {
    lines.push(
      `  crash at ${(crash.atMs / 1000).toFixed(1)} s, exit ${crash.exit}: ${crash.stderrTail.slice(-400)}`,
    );
  }
  if (report.notes.length > 0) lines.push('', 'notes', ...report.notes.map((note) => `  ${note}`));
  lines.push(
    '',
    report.failures.length === 0 ? 'PASS' : 'FAIL',
    ...report.failures.map((failure) => `  ${failure}`),
  );
  return lines.join('\n');
}
