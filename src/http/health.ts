// What /healthz says: whether the process is sound (the Supervisor watchdog restarts it when not),
// and, beside that, the cloud link, local broker, sign-in and report-file states people look for.

import { z } from 'zod';

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
   * False only when a restart would help (a stuck or broken component). A cloud outage or a
   * refused sign-in is not that: restarting cannot fix the network or a wrong password.
   */
  process: { ok: boolean; problems: string[] };
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
  status: z.enum(['ok', 'unhealthy']),
  version: z.string(),
  checked_at: z.string(),
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
