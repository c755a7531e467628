// What the collector persists across restarts: counters, session statistics and bounded histories,
// with wall-clock times only (monotonic values mean nothing in the next process).

import { z } from 'zod';
import { countersSchema, keyedCountersSchema } from './counters.js';
import { sessionStatsSchema } from './sessions.js';
import {
  cloudErrorSchema,
  connectionDropEventSchema,
  connectionEventSchema,
  SYSTEM_EVENT_KINDS,
} from './types.js';

export const SNAPSHOT_VERSION = 1;

const count = z.number().int().nonnegative();
const wallMs = z.number().refine(Number.isFinite, 'must be a finite number');
const settings = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const collectorSnapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  savedAtWallMs: wallMs,
  /** When observation first began (the first run that recorded anything). */
  firstObservedAtWallMs: wallMs,
  /** Milliseconds the bridge was running and watching, summed over all runs so far. */
  observedMs: z.number().nonnegative(),
  counters: countersSchema,
  ...keyedCountersSchema.shape,
  sessions: sessionStatsSchema,
  lastDropWallMs: wallMs.nullable(),
  lastSuccessWallMs: wallMs.nullable(),
  nextConfigEpoch: count,
  drops: z.array(z.object({ wallMs, event: connectionDropEventSchema })),
  connections: z.array(z.object({ wallMs, event: connectionEventSchema })),
  reconnectFailures: z.array(
    z.object({
      wallMs,
      attempt: z.number(),
      deep: z.boolean(),
      error: cloudErrorSchema,
      /** Added after 0.2.0's first snapshots; absent in older files. */
      credentialAgeSeconds: wallMs.nullable().optional(),
    }),
  ),
  systemEvents: z.array(z.object({ wallMs, kind: z.enum(SYSTEM_EVENT_KINDS), detail: z.string() })),
  configEpochs: z.array(z.object({ wallMs, index: count, settings })),
  credentialRenewals: z.array(z.object({ wallMs, planned: z.boolean(), reason: z.string() })),
  loadBins: z.array(z.object({ wallMs, messages: count })),
  /** REST reachability and the cloud's clock offset; absent in files of earlier 0.2.0 builds. */
  restChecks: z
    .array(
      z.object({
        wallMs,
        path: z.string(),
        reachable: z.boolean(),
        status: z.number().nullable(),
        clockOffsetMs: z.number().nullable(),
        error: z.string().nullable(),
      }),
    )
    .optional(),
});

export type CollectorSnapshot = z.infer<typeof collectorSnapshotSchema>;
