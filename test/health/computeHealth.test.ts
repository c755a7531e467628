// computeHealth: every reason, its severity and the status it gives, the thresholds at their
// edges, and the transitions an outage, a rejected password, a stuck queue and a stall go through.

import { describe, expect, it } from 'vitest';
import {
  computeHealth,
  defaultLimits,
  type HealthFacts,
  type HealthNow,
  REASON_CODES,
  REASON_SEVERITY,
  sameHealth,
} from '../../src/health/health.js';

const WALL0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const LIMITS = defaultLimits(600);

function facts(patch: {
  link?: Partial<HealthFacts['link']>;
  queue?: HealthFacts['queue'];
  eventLoop?: Partial<HealthFacts['eventLoop']>;
}): HealthFacts {
  return {
    link: {
      state: 'connected',
      downSince: null,
      connectedSinceMono: 0,
      attempts: 0,
      maxAttempts: -1,
      lastError: null,
      authFailed: false,
      ...patch.link,
    },
    queue: patch.queue === undefined ? { oldestQueuedAgeMs: null } : patch.queue,
    eventLoop: { lastStallMs: null, lastStallAt: null, ...patch.eventLoop },
    limits: LIMITS,
  };
}

/** `mono` ms after the start (wall advances with it). */
function at(mono: number): HealthNow {
  return { wall: WALL0 + mono, mono };
}

const codes = (f: HealthFacts, now: HealthNow) => computeHealth(f, now).reasons.map((r) => r.code);

describe('computeHealth', () => {
  it('is ok with the link up, an empty queue and no stall', () => {
    expect(computeHealth(facts({}), at(1_000_000))).toEqual({ status: 'ok', reasons: [] });
  });

  it('a link trying to connect is degraded (link_reconnecting) up to unhealthy_after_secs, then unhealthy (link_down)', () => {
    const down = facts({
      link: {
        state: 'reconnecting',
        downSince: at(1000),
        connectedSinceMono: null,
        attempts: 4,
        lastError: 'AWS_IO_SOCKET_TIMEOUT',
      },
    });
    const early = computeHealth(down, at(1000 + 600_000));
    expect(early.status).toBe('degraded');
    expect(early.reasons).toEqual([
      {
        code: 'link_reconnecting',
        severity: 'degraded',
        message: 'connecting to the Navien cloud, attempt 4 (last error AWS_IO_SOCKET_TIMEOUT)',
        since: new Date(WALL0 + 1000).toISOString(),
      },
    ]);
    const late = computeHealth(down, at(1000 + 600_001));
    expect(late.status).toBe('unhealthy');
    expect(late.reasons).toHaveLength(1);
    expect(late.reasons[0]).toMatchObject({
      code: 'link_down',
      severity: 'unhealthy',
      since: new Date(WALL0 + 1000).toISOString(),
    });
    expect(late.reasons[0]?.message).toBe(
      'the Navien cloud link has been down longer than unhealthy_after_secs (10 min), attempt 4 (last error AWS_IO_SOCKET_TIMEOUT)',
    );
  });

  it('counts the first connect (never connected yet, no attempt failed) as down too: a hung first attempt is link_down', () => {
    const stuck = facts({ link: { state: 'connecting', downSince: at(0), connectedSinceMono: null } });
    expect(codes(stuck, at(599_000))).toEqual(['link_reconnecting']);
    expect(codes(stuck, at(601_000))).toEqual(['link_down']);
  });

  it('follows unhealthy_after_secs', () => {
    const down = {
      ...facts({ link: { state: 'reconnecting', downSince: at(0), connectedSinceMono: null } }),
      limits: defaultLimits(2),
    };
    expect(codes(down, at(2000))).toEqual(['link_reconnecting']);
    expect(codes(down, at(2001))).toEqual(['link_down']);
  });

  it('an engine that gave up (max_reconnect_attempts) is unhealthy at once: a restart tries again', () => {
    const health = computeHealth(
      facts({
        link: {
          state: 'gave_up',
          downSince: at(5000),
          connectedSinceMono: null,
          attempts: 10,
          maxAttempts: 10,
          lastError: 'AWS_ERROR_MQTT_TIMEOUT',
        },
      }),
      at(6000),
    );
    expect(health.status).toBe('unhealthy');
    expect(health.reasons).toEqual([
      {
        code: 'engine_gave_up',
        severity: 'unhealthy',
        message:
          'gave up reconnecting to the Navien cloud after 10 attempts (max_reconnect_attempts) (last error AWS_ERROR_MQTT_TIMEOUT); a restart tries again',
        since: new Date(WALL0 + 5000).toISOString(),
      },
    ]);
  });

  it('a rejected password is degraded however long it lasts, never link_down or engine_gave_up (no restart loop)', () => {
    for (const state of ['auth_failed', 'reconnecting', 'gave_up']) {
      const health = computeHealth(
        facts({
          link: { state, authFailed: true, downSince: at(0), connectedSinceMono: null, maxAttempts: 3 },
        }),
        at(86_400_000),
      );
      expect(health.status, state).toBe('degraded');
      expect(
        health.reasons.map((r) => r.code),
        state,
      ).toEqual(['auth_failed']);
      expect(health.reasons[0]?.message).toContain('NaviLink rejected the e-mail/password');
    }
    // The link's own auth_failed state says the same even before the sign-in state does.
    expect(
      codes(facts({ link: { state: 'auth_failed', downSince: at(0), connectedSinceMono: null } }), at(10)),
    ).toEqual(['auth_failed']);
    expect(
      computeHealth(
        facts({ link: { state: 'gave_up', authFailed: true, downSince: at(0), maxAttempts: 3 } }),
        at(1),
      ).reasons[0]?.message,
    ).toContain('stopped retrying');
  });

  it('commands waiting while the link is up past the limit are commands_stuck; waiting while down is not', () => {
    const limit = LIMITS.commandsStuckAfterMs;
    // Up for an hour, the oldest command waited just over the limit.
    const stuck = facts({ link: { connectedSinceMono: 0 }, queue: { oldestQueuedAgeMs: limit + 1 } });
    const health = computeHealth(stuck, at(3_600_000));
    expect(health.status).toBe('unhealthy');
    expect(health.reasons).toEqual([
      {
        code: 'commands_stuck',
        severity: 'unhealthy',
        message: 'a command has waited in the queue longer than 3 min while the cloud link was up',
        since: new Date(WALL0 + 3_600_000 - limit - 1).toISOString(),
      },
    ]);
    expect(
      codes(facts({ link: { connectedSinceMono: 0 }, queue: { oldestQueuedAgeMs: limit } }), at(3_600_000)),
    ).toEqual([]);
    // Queued an hour ago during an outage, the link back for a minute: the flush is still under way.
    const afterOutage = facts({
      link: { connectedSinceMono: 3_540_000 },
      queue: { oldestQueuedAgeMs: 3_600_000 },
    });
    expect(codes(afterOutage, at(3_600_000))).toEqual([]);
    expect(codes(afterOutage, at(3_540_000 + limit + 1))).toEqual(['commands_stuck']);
    // While the link is down, waiting is what the queue is for.
    const down = facts({
      link: { state: 'reconnecting', downSince: at(3_599_000), connectedSinceMono: null },
      queue: { oldestQueuedAgeMs: 3_600_000 },
    });
    expect(codes(down, at(3_600_000))).toEqual(['link_reconnecting']);
    // No queue (enable_command_queue off): nothing to be stuck.
    expect(codes(facts({ queue: null }), at(3_600_000))).toEqual([]);
  });

  it('a stall of at least the limit within the recent window is event_loop_stalled; shorter or older ones are not', () => {
    const { stallMs, stallRecentMs } = LIMITS;
    const stalled = facts({ eventLoop: { lastStallMs: stallMs, lastStallAt: at(50_000) } });
    const health = computeHealth(stalled, at(50_000 + stallRecentMs));
    expect(health.status).toBe('unhealthy');
    expect(health.reasons).toEqual([
      {
        code: 'event_loop_stalled',
        severity: 'unhealthy',
        message: 'the bridge stopped responding for 10 s (limit 10 s)',
        since: new Date(WALL0 + 50_000).toISOString(),
      },
    ]);
    expect(codes(stalled, at(50_000 + stallRecentMs + 1))).toEqual([]);
    expect(
      codes(facts({ eventLoop: { lastStallMs: stallMs - 1, lastStallAt: at(50_000) } }), at(50_001)),
    ).toEqual([]);
  });

  it('lists every reason that holds; unhealthy wins over degraded', () => {
    const health = computeHealth(
      facts({
        link: { state: 'reconnecting', downSince: at(0), connectedSinceMono: null, attempts: 2 },
        eventLoop: { lastStallMs: 12_000, lastStallAt: at(100_000) },
      }),
      at(110_000),
    );
    expect(health.status).toBe('unhealthy');
    expect(health.reasons.map((r) => [r.code, r.severity])).toEqual([
      ['link_reconnecting', 'degraded'],
      ['event_loop_stalled', 'unhealthy'],
    ]);
  });

  it('a stopped link (our own shutdown) is not a reason', () => {
    expect(
      computeHealth(facts({ link: { state: 'stopped', connectedSinceMono: null } }), at(10_000_000)).status,
    ).toBe('ok');
  });

  it('goes ok → degraded → unhealthy → ok through an outage and its recovery', () => {
    const seen: string[] = [];
    const step = (f: HealthFacts, mono: number) => {
      const h = computeHealth(f, at(mono));
      seen.push(`${h.status}:${h.reasons.map((r) => r.code).join(',')}`);
    };
    step(facts({}), 0);
    const down = facts({ link: { state: 'reconnecting', downSince: at(10_000), connectedSinceMono: null } });
    step(down, 10_000);
    step(down, 10_000 + 600_000);
    step(down, 10_000 + 600_001);
    step(facts({ link: { connectedSinceMono: 700_000 } }), 700_000);
    expect(seen).toEqual([
      'ok:',
      'degraded:link_reconnecting',
      'degraded:link_reconnecting',
      'unhealthy:link_down',
      'ok:',
    ]);
  });

  it('names a severity for every code, unhealthy only for what a restart can cure', () => {
    expect(REASON_CODES.sort()).toEqual(
      [
        'auth_failed',
        'commands_stuck',
        'engine_gave_up',
        'event_loop_stalled',
        'link_down',
        'link_reconnecting',
      ].sort(),
    );
    expect(REASON_SEVERITY.auth_failed).toBe('degraded');
    expect(REASON_SEVERITY.link_reconnecting).toBe('degraded');
  });

  it('sameHealth compares status and reason codes, not messages or ages', () => {
    const a = computeHealth(
      facts({ link: { state: 'reconnecting', downSince: at(0), connectedSinceMono: null, attempts: 1 } }),
      at(1000),
    );
    const b = computeHealth(
      facts({ link: { state: 'reconnecting', downSince: at(0), connectedSinceMono: null, attempts: 2 } }),
      at(2000),
    );
    expect(sameHealth(a, b)).toBe(true);
    expect(sameHealth(a, computeHealth(facts({}), at(2000)))).toBe(false);
  });
});
