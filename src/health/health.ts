// The bridge's health, computed from facts: a pure function of what the cloud link, the command
// queue and the event-loop watch say now, never a flag someone set. /healthz, the page banner,
// the bridge's Health entity and /metrics all show what this returns.

import { z } from 'zod';

export const HEALTH_STATUSES = ['ok', 'degraded', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * Every reason, with the status it puts the bridge in. Unhealthy ones are the faults a restart can
 * cure (the watchdog restarts the add-on on 503); degraded ones are shown but a restart would not
 * help (a rejected password) or they cure themselves (a reconnect under way).
 */
export const REASON_SEVERITY = {
  link_down: 'unhealthy',
  engine_gave_up: 'unhealthy',
  commands_stuck: 'unhealthy',
  event_loop_stalled: 'unhealthy',
  auth_failed: 'degraded',
  link_reconnecting: 'degraded',
} as const satisfies Record<string, Exclude<HealthStatus, 'ok'>>;
export type ReasonCode = keyof typeof REASON_SEVERITY;
export const REASON_CODES = Object.keys(REASON_SEVERITY) as ReasonCode[];

export const healthReasonSchema = z.object({
  code: z.enum(REASON_CODES as [ReasonCode, ...ReasonCode[]]),
  severity: z.enum(['degraded', 'unhealthy']),
  message: z.string(),
  /** ISO-8601 UTC: since when this holds (the link went down, the stall happened, …). */
  since: z.string(),
});
export type HealthReason = z.infer<typeof healthReasonSchema>;

export const healthSchema = z.object({
  status: z.enum(HEALTH_STATUSES),
  reasons: z.array(healthReasonSchema),
});
export type Health = z.infer<typeof healthSchema>;

/** The thresholds; `unhealthyAfterMs` is the `unhealthy_after_secs` option. */
export interface HealthLimits {
  /** The link down and failing longer than this is `link_down`. */
  unhealthyAfterMs: number;
  /** A command waiting this long while the link was up is `commands_stuck`. */
  commandsStuckAfterMs: number;
  /** An event-loop stall at least this long counts... */
  stallMs: number;
  /** ...for this long after it ended (`event_loop_stalled`). */
  stallRecentMs: number;
}

/**
 * A command that waited 3 minutes at the head of the queue while the link was up is stuck: a
 * healthy flush sends the oldest first, each publish has a 30 s deadline, and a device confirms
 * within a status interval or two.
 */
export const COMMANDS_STUCK_AFTER_MS = 180_000;
/**
 * A stall of 10 s is the watchdog's own timeout: a watchdog poll that landed in it failed anyway.
 * Shorter ones (a busy host, a backup compressing on a Raspberry Pi) do not make the bridge
 * unhealthy. It is reported for 5 minutes, long enough for two watchdog polls to see it.
 */
export const EVENT_LOOP_STALL_MS = 10_000;
export const EVENT_LOOP_STALL_RECENT_MS = 300_000;

export function defaultLimits(unhealthyAfterSecs: number): HealthLimits {
  return {
    unhealthyAfterMs: unhealthyAfterSecs * 1000,
    commandsStuckAfterMs: COMMANDS_STUCK_AFTER_MS,
    stallMs: EVENT_LOOP_STALL_MS,
    stallRecentMs: EVENT_LOOP_STALL_RECENT_MS,
  };
}

/** A moment on both clocks: monotonic ms for durations, wall ms for the `since` people read. */
export interface Instant {
  mono: number;
  wall: number;
}

/** What the parts say now. */
export interface HealthFacts {
  link: {
    /** The link engine's state: stopped, connecting, connected, reconnecting, auth_failed, gave_up. */
    state: string;
    /** When the link last stopped being connected (or started trying); null while connected or stopped. */
    downSince: Instant | null;
    /** Start of the current session, monotonic ms; null while down. */
    connectedSinceMono: number | null;
    /** Reconnect attempts made in the current outage. */
    attempts: number;
    /** `max_reconnect_attempts` (-1: unlimited), for the message. */
    maxAttempts: number;
    /** Name of the last cloud error, for the message. */
    lastError: string | null;
    /** The cloud rejected the account's e-mail/password (the sign-in said so). */
    authFailed: boolean;
  };
  /** null when the command queue is off. */
  queue: { oldestQueuedAgeMs: number | null } | null;
  eventLoop: {
    /** The longest recent stall and when it ended; nulls when there was none. */
    lastStallMs: number | null;
    lastStallAt: Instant | null;
  };
  limits: HealthLimits;
}

export type HealthNow = Instant;

const TRYING = new Set(['connecting', 'reconnecting']);

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * Messages name no ticking duration (that is what `since` is for), so the same health reads the
 * same from one second to the next (HA keeps every attribute change).
 */
export function computeHealth(facts: HealthFacts, now: HealthNow): Health {
  const { link, queue, eventLoop, limits } = facts;
  const reasons: HealthReason[] = [];
  const add = (code: ReasonCode, message: string, at: Instant | null): void => {
    reasons.push({
      code,
      severity: REASON_SEVERITY[code],
      message,
      since: new Date((at ?? now).wall).toISOString(),
    });
  };
  const error = link.lastError ? ` (last error ${link.lastError})` : '';

  // A rejected password is the one fault a restart cannot cure: it replaces link_down and
  // engine_gave_up, which would have the watchdog restart the add-on in a loop.
  if (link.authFailed || link.state === 'auth_failed') {
    const gaveUp = link.state === 'gave_up' ? '; the bridge stopped retrying (max_reconnect_attempts)' : '';
    add(
      'auth_failed',
      `NaviLink rejected the e-mail/password: correct them in the add-on's options${gaveUp}`,
      link.downSince,
    );
  } else if (link.state === 'gave_up') {
    add(
      'engine_gave_up',
      `gave up reconnecting to the Navien cloud after ${link.maxAttempts} attempts (max_reconnect_attempts)${error}; a restart tries again`,
      link.downSince,
    );
  } else if (TRYING.has(link.state)) {
    const downMs = link.downSince === null ? 0 : now.mono - link.downSince.mono;
    const attempt = link.attempts > 0 ? `, attempt ${link.attempts}` : '';
    if (downMs > limits.unhealthyAfterMs) {
      add(
        'link_down',
        `the Navien cloud link has been down longer than unhealthy_after_secs (${seconds(limits.unhealthyAfterMs)})${attempt}${error}`,
        link.downSince,
      );
    } else {
      add('link_reconnecting', `connecting to the Navien cloud${attempt}${error}`, link.downSince);
    }
  }

  // Commands wait while the link is down by design; only waiting while it is up means stuck.
  if (link.state === 'connected' && queue?.oldestQueuedAgeMs != null && link.connectedSinceMono !== null) {
    const waitedWhileUp = Math.min(queue.oldestQueuedAgeMs, now.mono - link.connectedSinceMono);
    if (waitedWhileUp > limits.commandsStuckAfterMs) {
      add(
        'commands_stuck',
        `a command has waited in the queue longer than ${seconds(limits.commandsStuckAfterMs)} while the cloud link was up`,
        { mono: now.mono - waitedWhileUp, wall: now.wall - waitedWhileUp },
      );
    }
  }

  if (
    eventLoop.lastStallMs !== null &&
    eventLoop.lastStallAt !== null &&
    eventLoop.lastStallMs >= limits.stallMs &&
    now.mono - eventLoop.lastStallAt.mono <= limits.stallRecentMs
  ) {
    add(
      'event_loop_stalled',
      `the bridge stopped responding for ${seconds(eventLoop.lastStallMs)} (limit ${seconds(limits.stallMs)})`,
      eventLoop.lastStallAt,
    );
  }

  const status: HealthStatus = reasons.some((r) => r.severity === 'unhealthy')
    ? 'unhealthy'
    : reasons.length > 0
      ? 'degraded'
      : 'ok';
  return { status, reasons };
}

/** Same status and the same reason codes: nothing to announce. */
export function sameHealth(a: Health, b: Health): boolean {
  return (
    a.status === b.status &&
    a.reasons.length === b.reasons.length &&
    a.reasons.every((r, i) => r.code === b.reasons[i]?.code)
  );
}
