// Assembles the health facts from the running parts (cloud link, sign-in, command queue, event
// loop) and computes health from them on every call; a one-second tick recomputes it so a change
// that only time brings (an outage passing unhealthy_after_secs) is logged and announced promptly.

import type { LinkEvents, LinkState } from '../navien/connection.js';
import type { CloudError } from '../navien/errors.js';
import type { Clock } from '../util/clock.js';
import { TypedEmitter } from '../util/emitter.js';
import type { Logger } from '../util/logger.js';
import { EventLoopWatch } from './eventLoopWatch.js';
import {
  computeHealth,
  type Health,
  type HealthFacts,
  type HealthLimits,
  type Instant,
  sameHealth,
} from './health.js';

/** The part of CloudLink health reads. */
export interface HealthLink {
  stats(): {
    state: LinkState;
    reconnectAttempt: number;
    sessionUptimeSeconds: number;
    lastError: Pick<CloudError, 'name'> | null;
  };
  events: Pick<TypedEmitter<LinkEvents>, 'on'>;
}

/** The command queue as health sees it: the age of its oldest command (null when empty). */
export type QueueAge = () => number | null;

/**
 * Reads the oldest command's age from the queue: `accounting().oldest_queued_age_ms` where the
 * queue keeps accounting, else `oldestQueuedAgeMs()`.
 */
export function queueAgeOf(queue: object | undefined): QueueAge | null {
  if (!queue) return null;
  const source = queue as {
    accounting?: () => { oldest_queued_age_ms?: number | null };
    oldestQueuedAgeMs?: () => number | null;
  };
  if (typeof source.accounting === 'function') {
    const accounting = source.accounting.bind(queue);
    const probe = accounting();
    if (probe && 'oldest_queued_age_ms' in probe) return () => accounting().oldest_queued_age_ms ?? null;
  }
  if (typeof source.oldestQueuedAgeMs === 'function') return source.oldestQueuedAgeMs.bind(queue);
  return null;
}

export interface HealthMonitorOptions {
  link: HealthLink;
  auth: { state(): string };
  /** null or undefined: the command queue is off. */
  queueAge?: QueueAge | null;
  /** `max_reconnect_attempts` (-1: unlimited). */
  maxReconnectAttempts: number;
  limits: HealthLimits;
  clock: Clock;
  log: Logger;
  /** The event-loop watch's tick (default 1000 ms). */
  tickMs?: number;
}

export interface HealthEvents extends Record<string, unknown[]> {
  /** Status or reason codes changed. */
  change: [Health];
}

export class HealthMonitor {
  readonly events: TypedEmitter<HealthEvents>;
  private readonly watch: EventLoopWatch;
  private downSince: Instant | null = null;
  private announced: Health = { status: 'ok', reasons: [] };
  private offState: (() => void) | undefined;

  constructor(private readonly options: HealthMonitorOptions) {
    this.events = new TypedEmitter<HealthEvents>((event, error) =>
      options.log.error({ err: error, event }, 'a health listener failed'),
    );
    this.watch = new EventLoopWatch({
      clock: options.clock,
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      // Shorter stalls are recorded too, so the longest recent one is known even below the limit.
      thresholdMs: Math.min(1000, options.limits.stallMs),
      keepMs: options.limits.stallRecentMs,
      onStall: (ms) => options.log.warn({ stallMs: Math.round(ms) }, 'the event loop was blocked'),
      onTick: () => this.check(),
    });
  }

  start(): void {
    if (this.offState) return;
    this.noteState(this.options.link.stats().state);
    this.offState = this.options.link.events.on('state', (state) => {
      this.noteState(state);
      this.check();
    });
    this.watch.start();
    this.check();
  }

  stop(): void {
    this.offState?.();
    this.offState = undefined;
    this.watch.stop();
  }

  /** Health now, computed from the facts now (never a cached verdict). */
  current(): Health {
    const { clock } = this.options;
    return computeHealth(this.facts(), { wall: clock.now(), mono: clock.monotonic() });
  }

  /** The facts `current()` computes from. */
  facts(): HealthFacts {
    const { link, auth, queueAge, clock, limits, maxReconnectAttempts } = this.options;
    const stats = link.stats();
    const now = clock.monotonic();
    const connected = stats.state === 'connected';
    return {
      link: {
        state: stats.state,
        downSince:
          connected || stats.state === 'stopped'
            ? null
            : (this.downSince ?? { mono: now, wall: clock.now() }),
        connectedSinceMono: connected ? now - stats.sessionUptimeSeconds * 1000 : null,
        attempts: stats.reconnectAttempt,
        maxAttempts: maxReconnectAttempts,
        lastError: stats.lastError?.name ?? null,
        authFailed: auth.state() === 'auth_failed',
      },
      queue: queueAge ? { oldestQueuedAgeMs: queueAge() } : null,
      eventLoop: this.watch.facts(),
      limits,
    };
  }

  /** Recomputes health; a change of status or reasons is logged once and announced. */
  check(): Health {
    const health = this.current();
    if (sameHealth(health, this.announced)) return health;
    this.announced = health;
    this.logChange(health);
    this.events.emit('change', health);
    return health;
  }

  private noteState(state: LinkState): void {
    const { clock } = this.options;
    if (state === 'connected' || state === 'stopped') this.downSince = null;
    else this.downSince ??= { mono: clock.monotonic(), wall: clock.now() };
  }

  private logChange(health: Health): void {
    const { log } = this.options;
    const fields = { status: health.status, reasons: health.reasons.map((r) => r.code) };
    const text = health.reasons.map((r) => `${r.code}: ${r.message}`).join('; ');
    if (health.status === 'ok') log.info(fields, 'health: ok');
    else if (health.status === 'unhealthy' || health.reasons.some((r) => r.code === 'auth_failed'))
      log.error(fields, `health: ${health.status} (${text})`);
    else log.info(fields, `health: ${health.status} (${text})`);
  }
}
