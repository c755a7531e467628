// What the drop-pattern analysis reads (a drop history on one monotonic timeline) and what it
// answers (a verdict with its evidence, labels, checklist and advice), with the answer's zod schema.

import { z } from 'zod';

// ---- input ---------------------------------------------------------------------------------------

export interface AnalysisDrop {
  wallMs: number;
  /** Monotonic ms (restored history re-based); gaps and lifetimes are measured on this axis. */
  monoMs: number;
  errorName: string | null;
  /** How long the session that dropped had lived; null when the link was already down. */
  lifetimeSeconds: number | null;
  reconnectAttempt?: number | null;
  messagesBefore?: number | null;
}
export interface AnalysisConnection {
  wallMs: number;
  monoMs: number;
  eventType: string;
  timeToReconnectSeconds: number | null;
}
export interface AnalysisReconnectFailure {
  wallMs: number;
  monoMs: number;
  errorName: string;
  deep: boolean;
  /** Age of the AWS credentials the failed handshake was signed with; null or absent if unknown. */
  credentialAgeSeconds?: number | null;
}
export interface AnalysisSystemEvent {
  wallMs: number;
  monoMs: number;
  kind: string;
  detail: string;
}
export interface AnalysisConfigEpoch {
  wallMs: number;
  monoMs: number;
  settings: Record<string, string | number | boolean>;
}
export interface AnalysisCredentialRenewal {
  wallMs: number;
  monoMs: number;
  planned: boolean;
  reason: string;
}
/** A NaviLink REST call: reachable or not, and the cloud's clock minus ours (ms) when it said. */
export interface AnalysisRestCheck {
  wallMs: number;
  monoMs: number;
  reachable: boolean;
  clockOffsetMs: number | null;
}
/** Messages sent plus received in the bin that starts at `monoMs`. */
export interface AnalysisLoadBin {
  wallMs: number;
  monoMs: number;
  messages: number;
}

export interface AnalysisInput {
  drops: AnalysisDrop[];
  connections: AnalysisConnection[];
  reconnectFailures?: AnalysisReconnectFailure[];
  loadBins: AnalysisLoadBin[];
  /** Width of a load bin; 5 minutes unless told. */
  loadBinMs?: number;
  systemEvents: AnalysisSystemEvent[];
  configEpochs: AnalysisConfigEpoch[];
  credentialRenewals: AnalysisCredentialRenewal[];
  restChecks?: AnalysisRestCheck[];
  /** Hours the bridge was actually watching (restarts excluded). */
  hoursCollected: number;
  /** End of the observation window on the monotonic axis; defaults to the last event. */
  nowMonoMs?: number | null;
  nowWallMs?: number | null;
  /** Whether the link is up at the end of the window; null if unknown (e.g. an exported file). */
  connected?: boolean | null;
  keepAliveSecs: number | null;
  /** Seed of the permutation test's RNG; fixed by default so the same history gives the same answer. */
  seed?: number;
}

// ---- output --------------------------------------------------------------------------------------

export type Verdict =
  | 'collecting_baseline'
  | 'stable'
  | 'regular_interval'
  | 'fixed_lifetime'
  | 'random'
  | 'irregular'
  | 'bursty'
  | 'load_correlated'
  | 'system_events'
  | 'immediate_rejection'
  | 'half_open'
  | 'reconnect_failing'
  | 'analysis_error';

export const VERDICTS: readonly Verdict[] = [
  'collecting_baseline',
  'stable',
  'regular_interval',
  'fixed_lifetime',
  'random',
  'irregular',
  'bursty',
  'load_correlated',
  'system_events',
  'immediate_rejection',
  'half_open',
  'reconnect_failing',
  'analysis_error',
];

export type ChecklistAnswer = 'yes' | 'no' | 'unknown';

export interface Analysis {
  verdict: Verdict;
  /** One line people read: "Drops every ~24 h: the AWS WebSocket lifetime". */
  title: string;
  likelyCause: string;
  /** 3–5 plain sentences with the numbers that decided the verdict. */
  summary: string[];
  advice: string[];
  confidence: 'low' | 'medium' | 'high';
  /** The numbers behind the verdict (CV, B, Rayleigh p, period, load ratio, p-values …). */
  evidence: Record<string, number | string | boolean | null>;
  /** Every label that applies; several may. */
  labels: string[];
  checklist: Array<{ item: string; answer: ChecklistAnswer; detail: string }>;
  /** Per configuration epoch; `dropsPerDay` is null while the epoch is shorter than a rate needs. */
  epochs: Array<{
    settings: Record<string, unknown>;
    hours: number;
    drops: number;
    dropsPerDay: number | null;
  }>;
  errorBreakdown: Array<{ name: string; count: number; meaning: string }>;
}

export const analysisSchema = z.object({
  verdict: z.enum(VERDICTS as [Verdict, ...Verdict[]]),
  title: z.string(),
  likelyCause: z.string(),
  summary: z.array(z.string()),
  advice: z.array(z.string()),
  confidence: z.enum(['low', 'medium', 'high']),
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  labels: z.array(z.string()),
  checklist: z.array(
    z.object({ item: z.string(), answer: z.enum(['yes', 'no', 'unknown']), detail: z.string() }),
  ),
  epochs: z.array(
    z.object({
      settings: z.record(z.string(), z.unknown()),
      hours: z.number(),
      drops: z.number(),
      dropsPerDay: z.number().nullable(),
    }),
  ),
  errorBreakdown: z.array(z.object({ name: z.string(), count: z.number(), meaning: z.string() })),
});
