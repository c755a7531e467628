// `nwp500-bridge analyze FILE`: reads a diagnostics export (this bridge's, or one written by
// nwp500-python / the HA integration), rebuilds the drop history it holds and prints the analysis.
// A report of this bridge (export format 2) carries every history the analysis reads and the totals
// the numbers come from, so its analysis and numbers are exactly the live bridge's.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatDuration, plural, rateText } from './format.js';
import { analysisInputOf, historySchema } from './history.js';
import { type DiagnosticsNumbers, numbersOfReport } from './numbers.js';
import { type Analysis, type AnalysisConnection, type AnalysisDrop, analyzeDrops } from './patterns.js';
import { collectorCountersSchema, mqttMetricsSchema, sessionHistorySummarySchema } from './types.js';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;

const finite = z.number().refine(Number.isFinite);
const optionalCount = finite.nullable().optional().catch(null);

// Lenient on purpose: Python exports have nulls where ours have names, and any field may be missing.
const dropSchema = z.object({
  timestamp: z.string(),
  error_name: z.string().nullable().optional().catch(null),
  error_code: finite.nullable().optional().catch(null),
  duration_connected_seconds: optionalCount,
  reconnect_attempt: optionalCount,
  messages_before: optionalCount,
});
const connectionSchema = z.object({
  timestamp: z.string(),
  event_type: z.string().optional().catch(undefined),
  time_to_reconnect_seconds: optionalCount,
});
const metricsSchema = z.object({
  total_connections: optionalCount,
  total_connection_drops: optionalCount,
  total_reconnect_attempts: optionalCount,
  connection_recovered: optionalCount,
  longest_session_seconds: optionalCount,
  shortest_session_seconds: optionalCount,
  average_session_seconds: optionalCount,
  current_session_uptime_seconds: optionalCount,
});
const exportSchema = z
  .object({
    timestamp: z.string().optional().catch(undefined),
    metrics: metricsSchema.optional(),
    recent_drops: z.array(z.unknown()).optional(),
    recent_connections: z.array(z.unknown()).optional().catch(undefined),
    aws_error_counts: z.record(z.string(), z.unknown()).optional().catch(undefined),
    session_history_summary: z.unknown().optional(),
    counters: z
      .object({ observed_hours: optionalCount, connected: z.boolean().optional().catch(undefined) })
      .optional()
      .catch(undefined),
    bridge: z
      .object({ config: z.record(z.string(), z.unknown()).optional().catch(undefined) })
      .optional()
      .catch(undefined),
  })
  .refine((e) => e.metrics !== undefined || e.recent_drops !== undefined, {
    message:
      'expected the keys of a diagnostics export (timestamp, metrics, recent_drops, recent_connections, …)',
  });

/** A report of this bridge with its histories (export format 2): re-analysed exactly. */
const ourReportSchema = z.object({
  timestamp: z.string(),
  metrics: mqttMetricsSchema,
  counters: collectorCountersSchema,
  session_history_summary: sessionHistorySummarySchema,
  history: historySchema,
});

export interface ExportAnalysis {
  format: 'nwp500-bridge' | 'nwp500-bridge, without histories' | 'nwp500-python';
  /** Every count and rate, for our reports with histories; null for exports without them. */
  numbers: DiagnosticsNumbers | null;
  analysis: Analysis;
  analysed: { drops: number; connections: number; hours: number };
}

export class NotAnExportError extends Error {
  override readonly name = 'NotAnExportError';
}

/** Analyses an export already parsed from JSON; throws NotAnExportError when it is not one. */
export function analyzeExport(json: unknown): ExportAnalysis {
  const ours = ourReportSchema.safeParse(json);
  if (ours.success) {
    const input = analysisInputOf(ours.data.history);
    return {
      format: 'nwp500-bridge',
      numbers: numbersOfReport(ours.data),
      analysis: analyzeDrops(input),
      analysed: {
        drops: input.drops.length,
        connections: input.connections.length,
        hours: input.hoursCollected,
      },
    };
  }
  return analyzeLegacy(json);
}

function itemsOf<S extends z.ZodType>(list: unknown[] | undefined, schema: S): Array<z.infer<S>> {
  return (list ?? []).flatMap((item) => {
    const parsed = schema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

function short(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}

/** Prints the analysis of the export at `path` through `out`; returns the process exit status. */
export async function analyzeExportFile(path: string, out: (line: string) => void): Promise<number> {
  try {
    return await analyzeOrFail(path, out);
  } catch (error) {
    out(`error: could not analyse ${path}: ${short(error)}`);
    return EXIT_BAD_INPUT;
  }
}

async function analyzeOrFail(path: string, out: (line: string) => void): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    out(`error: cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : short(error)}`);
    return EXIT_BAD_INPUT;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    out(`error: ${path} is not JSON (${short(error)})`);
    return EXIT_BAD_INPUT;
  }
  let result: ExportAnalysis;
  try {
    result = analyzeExport(json);
  } catch (error) {
    if (!(error instanceof NotAnExportError)) throw error;
    out(`error: ${path} is not a diagnostics export: ${error.message}`);
    return EXIT_BAD_INPUT;
  }
  out(`Diagnostics export: ${path} (${result.format} format)`);
  const timestamp = (json as { timestamp?: unknown }).timestamp;
  if (typeof timestamp === 'string') out(`Written: ${timestamp}`);
  if (result.numbers) printNumbers(result.numbers, out);
  else printLegacyTotals(json, out);
  const a = result.analysed;
  out(
    `Analysed: ${plural(a.drops, 'drop')} and ${plural(a.connections, 'connection')} over ${a.hours.toFixed(1)} hours`,
  );
  printAnalysis(result.analysis, out);
  return EXIT_OK;
}

/** The numbers as the page shows them, then all of them as one JSON line (for scripts). */
export function printNumbers(n: DiagnosticsNumbers, out: (line: string) => void): void {
  out(
    `Totals: connections ${n.connections}, recoveries ${n.recoveries}, drops ${n.drops} (${rateText(n)}), ` +
      `outages ${n.outages}, reconnect attempts ${n.reconnect_attempts} (${n.reconnect_failures} failed), ` +
      `credential renewals ${n.credential_renewals}`,
  );
  const session = (s: number | null) => (s === null ? 'n/a' : formatDuration(s));
  out(
    `Sessions: ${n.sessions_ended} ended, longest ${session(n.session_longest_seconds)}, ` +
      `shortest ${session(n.session_shortest_seconds)}, average ${session(n.session_average_seconds)}`,
  );
  out(`Numbers: ${JSON.stringify(n)}`);
}

function printLegacyTotals(json: unknown, out: (line: string) => void): void {
  const parsed = exportSchema.safeParse(json);
  const metrics = parsed.success ? (parsed.data.metrics ?? {}) : {};
  out(
    `Totals: connections ${metrics.total_connections ?? 'n/a'}, recoveries ${metrics.connection_recovered ?? 'n/a'}, ` +
      `drops ${metrics.total_connection_drops ?? 'n/a'}, reconnect attempts ${metrics.total_reconnect_attempts ?? 'n/a'}`,
  );
  const session = (s: number | null | undefined) => (typeof s === 'number' ? formatDuration(s) : 'n/a');
  out(
    `Sessions: longest ${session(metrics.longest_session_seconds)}, shortest ${session(metrics.shortest_session_seconds)}, ` +
      `average ${session(metrics.average_session_seconds)}`,
  );
}

/** An export without our histories (nwp500-python's, or ours before format 2): drops and connections only. */
function analyzeLegacy(json: unknown): ExportAnalysis {
  const parsed = exportSchema.safeParse(json);
  if (!parsed.success) {
    throw new NotAnExportError(parsed.error.issues[0]?.message ?? 'unexpected shape');
  }
  const data = parsed.data;
  const drops: AnalysisDrop[] = itemsOf(data.recent_drops, dropSchema).flatMap((d) => {
    const wallMs = Date.parse(d.timestamp);
    if (!Number.isFinite(wallMs)) return [];
    return [
      {
        wallMs,
        monoMs: wallMs,
        errorName: d.error_name ?? null,
        lifetimeSeconds: d.duration_connected_seconds ?? null,
        reconnectAttempt: d.reconnect_attempt ?? null,
        messagesBefore: d.messages_before ?? null,
      },
    ];
  });
  const connections: AnalysisConnection[] = itemsOf(data.recent_connections, connectionSchema).flatMap(
    (c) => {
      const wallMs = Date.parse(c.timestamp);
      if (!Number.isFinite(wallMs)) return [];
      return [
        {
          wallMs,
          monoMs: wallMs,
          eventType: c.event_type ?? 'connected',
          timeToReconnectSeconds: c.time_to_reconnect_seconds ?? null,
        },
      ];
    },
  );
  const exportedAt = Date.parse(data.timestamp ?? '');
  let endMs = Number.isFinite(exportedAt) ? exportedAt : Number.NEGATIVE_INFINITY;
  let startMs = Number.POSITIVE_INFINITY;
  for (const e of [...drops, ...connections]) {
    endMs = Math.max(endMs, e.wallMs);
    startMs = Math.min(startMs, e.wallMs);
  }
  if (!Number.isFinite(startMs)) startMs = endMs;
  const spanHours = Number.isFinite(endMs) && Number.isFinite(startMs) ? (endMs - startMs) / 3_600_000 : 0;
  const metrics = data.metrics ?? {};
  const totalDrops = metrics.total_connection_drops ?? drops.length;
  const observed = data.counters?.observed_hours;
  // When the export kept only the newest drops, rates must be measured over the span those cover.
  const hours =
    totalDrops > drops.length || typeof observed !== 'number' ? spanHours : Math.max(observed, spanHours);
  const keepAlive = data.bridge?.config?.keep_alive_secs;
  const analysis = analyzeDrops({
    drops,
    connections,
    loadBins: [],
    systemEvents: [],
    configEpochs: [],
    credentialRenewals: [],
    hoursCollected: hours,
    nowMonoMs: Number.isFinite(endMs) ? endMs : null,
    connected: typeof data.counters?.connected === 'boolean' ? data.counters.connected : null,
    keepAliveSecs: typeof keepAlive === 'number' ? keepAlive : null,
  });
  return {
    format: data.counters !== undefined ? 'nwp500-bridge, without histories' : 'nwp500-python',
    numbers: null,
    analysis,
    analysed: { drops: drops.length, connections: connections.length, hours },
  };
}

export function printAnalysis(analysis: Analysis, out: (line: string) => void): void {
  out('');
  out(`Verdict: ${analysis.verdict} (${analysis.confidence} confidence)`);
  out(`  ${analysis.title}`);
  for (const sentence of analysis.summary) out(`  ${sentence}`);
  out(`Likely cause: ${analysis.likelyCause}`);
  if (analysis.labels.length > 0) out(`Labels: ${analysis.labels.join(', ')}`);
  out('Statistics (for experts):');
  for (const [key, value] of Object.entries(analysis.evidence)) {
    if (value !== null) out(`  ${key}: ${value}`);
  }
  if (analysis.errorBreakdown.length > 0) {
    out('Errors:');
    for (const e of analysis.errorBreakdown) out(`  ${e.name} ×${e.count}: ${e.meaning}`);
  }
  if (analysis.epochs.length > 0) {
    out('Configuration epochs:');
    for (const e of analysis.epochs) {
      const rate = e.dropsPerDay === null ? 'too short for a rate' : `${e.dropsPerDay}/day`;
      out(`  ${JSON.stringify(e.settings)}: ${e.hours} h, ${plural(e.drops, 'drop')} (${rate})`);
    }
  }
  out('Checklist:');
  for (const c of analysis.checklist) out(`  [${c.answer}] ${c.item}: ${c.detail}`);
  out('Advice:');
  for (const a of analysis.advice) out(`  - ${a}`);
}
