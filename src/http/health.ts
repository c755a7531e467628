// What /healthz says: the bridge's computed health (503 when unhealthy: the Supervisor watchdog
// restarts it), and, beside that, the cloud link, local broker, sign-in and report-file states.

import { z } from 'zod';
import { HEALTH_STATUSES, type Health, healthReasonSchema } from '../health/health.js';

export const reportFileStatusSchema = z.object({
  /** `pending` until the first write was attempted. */
  state: z.enum(['ok', 'failing', 'pending']),
  path: z.string(),
  last_written_at: z.string().nullable(),
  last_bytes: z.number().nullable(),
  /** Set while failing: the OS code (EROFS, ENOSPC, EACCES, ENOENT, …) and what to do about it. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  failing_since: z.string().nullable(),
});
export type ReportFileStatus = z.infer<typeof reportFileStatusSchema>;

/** What the caller (main.ts) knows about the running bridge; the route adds the report file. */
export interface HealthState {
  /**
   * Unhealthy only when a restart would help (a link down past unhealthy_after_secs, an engine
   * that gave up, stuck commands, a stalled event loop); a refused sign-in is only degraded:
   * restarting cannot fix a wrong password.
   */
  health: Health;
  cloud: {
    /** The link engine's state: stopped, connecting, connected, reconnecting, auth_failed, gave_up. */
    state: string;
    connected: boolean;
    /** ISO-8601 UTC start of the current session; null while down. */
    connected_since: string | null;
    reconnect_attempt: number;
    /** Name of the last cloud error (AWS_ERROR_…, NAVIEN_…); null if none yet. */
    last_error: string | null;
  };
  local_broker: { connected: boolean };
  /** The sign-in state: signed_out, signed_in, auth_failed, unreachable. */
  auth: { state: string };
}

export const healthBodySchema = z.object({
  status: z.enum(HEALTH_STATUSES),
  /** Why the status is not ok (empty when it is). */
  reasons: z.array(healthReasonSchema),
  version: z.string(),
  checked_at: z.string(),
  /** As before 0.2.0: ok unless unhealthy; problems are the unhealthy reasons' messages. */
  process: z.object({ ok: z.boolean(), problems: z.array(z.string()) }),
  cloud: z.object({
    state: z.string(),
    connected: z.boolean(),
    connected_since: z.string().nullable(),
    reconnect_attempt: z.number(),
    last_error: z.string().nullable(),
  }),
  local_broker: z.object({ connected: z.boolean() }),
  auth: z.object({ state: z.string() }),
  report_file: reportFileStatusSchema,
});
export type HealthBody = z.infer<typeof healthBodySchema>;
