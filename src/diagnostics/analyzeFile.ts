// `nwp500-bridge analyze FILE`: reads a diagnostics export (this bridge's, or one written by
// nwp500-python / the HA integration), rebuilds the drop history it holds and prints the analysis.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatDuration } from './collector.js';
import { type Analysis, type AnalysisConnection, type AnalysisDrop, analyzeDrops } from './patterns.js';

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
  const parsed = exportSchema.safeParse(json);
  if (!parsed.success) {
    out(
      `error: ${path} is not a diagnostics export: ${parsed.error.issues[0]?.message ?? 'unexpected shape'}`,
    );
    return EXIT_BAD_INPUT;
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
  const ours = data.counters !== undefined;

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

  out(`Diagnostics export: ${path} (${ours ? 'nwp500-bridge' : 'nwp500-python'} format)`);
  if (data.timestamp) out(`Written: ${data.timestamp}`);
  out(
    `Totals: connections ${metrics.total_connections ?? 'n/a'}, recoveries ${metrics.connection_recovered ?? 'n/a'}, ` +
      `drops ${metrics.total_connection_drops ?? 'n/a'}, reconnect attempts ${metrics.total_reconnect_attempts ?? 'n/a'}`,
  );
  const session = (s: number | null | undefined) => (typeof s === 'number' ? formatDuration(s) : 'n/a');
  out(
    `Sessions: longest ${session(metrics.longest_session_seconds)}, shortest ${session(metrics.shortest_session_seconds)}, ` +
      `average ${session(metrics.average_session_seconds)}`,
  );
  out(`Analysed: ${drops.length} drops and ${connections.length} connections over ${hours.toFixed(1)} hours`);
  printAnalysis(analysis, out);
  return EXIT_OK;
}

export function printAnalysis(analysis: Analysis, out: (line: string) => void): void {
  out('');
  out(`Verdict: ${analysis.verdict} (${analysis.confidence} confidence)`);
  out(`  ${analysis.title}`);
  out(`Likely cause: ${analysis.likelyCause}`);
  if (analysis.labels.length > 0) out(`Labels: ${analysis.labels.join(', ')}`);
  out('Evidence:');
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
      out(`  ${JSON.stringify(e.settings)}: ${e.hours} h, ${e.drops} drops (${e.dropsPerDay}/day)`);
    }
  }
  out('Checklist:');
  for (const c of analysis.checklist) out(`  [${c.answer}] ${c.item}: ${c.detail}`);
  out('Advice:');
  for (const a of analysis.advice) out(`  - ${a}`);
}
