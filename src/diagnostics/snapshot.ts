// What the collector persists across restarts: counters, session statistics and bounded histories,
// with wall-clock times only (monotonic values mean nothing in the next process).

import { z } from 'zod';
import {
  cloudErrorSchema,
  connectionDropEventSchema,
  connectionEventSchema,
  SYSTEM_EVENT_KINDS,
} from './types.js';

export const SNAPSHOT_VERSION = 1;

const count = z.number().int().nonnegative();
const wallMs = z.number().refine(Number.isFinite, 'must be a finite number');
const counts = z.record(z.string(), count);
const settings = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const collectorSnapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  savedAtWallMs: wallMs,
  /** When observation first began (the first run that recorded anything). */
  firstObservedAtWallMs: wallMs,
  /** Milliseconds the bridge was running and watching, summed over all runs so far. */
  observedMs: z.number().nonnegative(),
  counters: z.object({
    totalConnections: count,
    totalDisconnects: count,
    totalConnectionDrops: count,
    totalReconnectAttempts: count,
    deepReconnectAttempts: count,
    reconnectFailures: count,
    connectionRecovered: count,
    messagesPublished: count,
    messagesQueued: count,
    messagesIn: count,
    messagesOut: count,
    credentialRenewals: count,
    unplannedCredentialRenewals: count,
    queueDroppedOverflow: count,
    queueDroppedExpired: count,
    systemEvents: count,
  }),
  dropsByError: counts,
  awsErrorCounts: counts,
  reconnectFailuresByError: counts,
  commandsRefusedByReason: counts,
  systemEventsByKind: counts,
  attemptDistribution: counts,
  sessions: z.object({
    count,
    sumSeconds: z.number().nonnegative(),
    minSeconds: z.number().nonnegative().nullable(),
    maxSeconds: z.number().nonnegative(),
    samples: z.array(z.number()),
  }),
  lastDropWallMs: wallMs.nullable(),
  lastSuccessWallMs: wallMs.nullable(),
  nextConfigEpoch: count,
  drops: z.array(z.object({ wallMs, event: connectionDropEventSchema })),
  connections: z.array(z.object({ wallMs, event: connectionEventSchema })),
  reconnectFailures: z.array(
    z.object({ wallMs, attempt: z.number(), deep: z.boolean(), error: cloudErrorSchema }),
  ),
  systemEvents: z.array(z.object({ wallMs, kind: z.enum(SYSTEM_EVENT_KINDS), detail: z.string() })),
  configEpochs: z.array(z.object({ wallMs, index: count, settings })),
  credentialRenewals: z.array(z.object({ wallMs, planned: z.boolean(), reason: z.string() })),
  loadBins: z.array(z.object({ wallMs, messages: count })),
});

export type CollectorSnapshot = z.infer<typeof collectorSnapshotSchema>;
