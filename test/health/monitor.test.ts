// HealthMonitor on a virtual clock: it tracks how long the link has been down from the link's own
// state events, recomputes on every tick so time alone moves an outage to link_down, announces and
// logs each change once, reads the queue's oldest command, and notices event-loop stalls.

import { describe, expect, it } from 'vitest';
import { EventLoopWatch } from '../../src/health/eventLoopWatch.js';
import { defaultLimits, type Health } from '../../src/health/health.js';
import { HealthMonitor, queueAgeOf } from '../../src/health/monitor.js';
import type { LinkEvents, LinkState } from '../../src/navien/connection.js';
import { CommandQueue } from '../../src/navien/queue.js';
import { type Clock, ManualClock, systemClock } from '../../src/util/clock.js';
import { TypedEmitter } from '../../src/util/emitter.js';
import { captureLog } from '../helpers/logCapture.js';

class FakeLink {
  readonly events = new TypedEmitter<LinkEvents>();
  state: LinkState = 'stopped';
  attempts = 0;
  connectedAtMono = 0;
  constructor(private readonly clock: Clock) {}
  set(state: LinkState): void {
    if (state === 'connected') {
      this.connectedAtMono = this.clock.monotonic();
      this.attempts = 0;
    }
    this.state = state;
    this.events.emit('state', state);
  }
  stats() {
    return {
      state: this.state,
      reconnectAttempt: this.attempts,
      sessionUptimeSeconds:
        this.state === 'connected' ? (this.clock.monotonic() - this.connectedAtMono) / 1000 : 0,
      lastError: this.state === 'connected' ? null : { name: 'AWS_IO_SOCKET_TIMEOUT' },
    };
  }
}

/** A ManualClock whose monotonic time can jump without firing timers: a blocked event loop. */
class StallingClock implements Clock {
  private offset = 0;
  constructor(readonly inner = new ManualClock()) {}
  now() {
    return this.inner.now() + this.offset;
  }
  monotonic() {
    return this.inner.monotonic() + this.offset;
  }
  setTimeout(fn: () => void, ms: number) {
    return this.inner.setTimeout(fn, ms);
  }
  clearTimeout(handle: Parameters<Clock['clearTimeout']>[0]) {
    this.inner.clearTimeout(handle);
  }
  /** The loop was blocked this long: timers come due late, all at once. */
  stall(ms: number) {
    this.offset += ms;
  }
  advance(ms: number) {
    this.inner.advance(ms);
  }
}

function setup(unhealthyAfterSecs = 60, queueAge: (() => number | null) | null = null) {
  const clock = new StallingClock();
  const link = new FakeLink(clock);
  const auth = { value: 'signed_in', state: () => auth.value };
  const log = captureLog('info');
  const monitor = new HealthMonitor({
    link,
    auth,
    queueAge,
    maxReconnectAttempts: -1,
    limits: defaultLimits(unhealthyAfterSecs),
    clock,
    log: log.logger,
  });
  const changes: Health[] = [];
  monitor.events.on('change', (h) => changes.push(h));
  return { clock, link, auth, log, monitor, changes };
}

const summary = (h: Health) => `${h.status}:${h.reasons.map((r) => r.code).join(',')}`;

describe('HealthMonitor', () => {
  it('turns an outage into link_down after unhealthy_after_secs by time alone, and back to ok on reconnect', () => {
    const { clock, link, monitor, changes, log } = setup(60);
    monitor.start();
    link.set('connecting');
    expect(summary(monitor.current())).toBe('degraded:link_reconnecting');
    link.set('connected');
    clock.advance(10_000);
    link.set('reconnecting');
    link.attempts = 3;
    clock.advance(59_000);
    expect(summary(monitor.current())).toBe('degraded:link_reconnecting');
    // Further failures do not reset how long it has been down.
    link.set('reconnecting');
    clock.advance(2_000);
    expect(changes.map(summary)).toEqual([
      'degraded:link_reconnecting',
      'ok:',
      'degraded:link_reconnecting',
      'unhealthy:link_down',
    ]);
    // The tick found it, within a second of the limit.
    expect(changes.at(-1)?.reasons[0]?.since).toBe(new Date(clock.now() - 61_000).toISOString());
    link.set('connected');
    expect(summary(monitor.current())).toBe('ok:');
    expect(changes.map(summary).at(-1)).toBe('ok:');
    const lines = log.records().filter((r) => String(r.msg).startsWith('health:'));
    expect(lines.map((r) => [r.level, r.status])).toEqual([
      [30, 'degraded'],
      [30, 'ok'],
      [30, 'degraded'],
      [50, 'unhealthy'],
      [30, 'ok'],
    ]);
    expect(String(lines[3]?.msg)).toContain(
      'link_down: the Navien cloud link has been down longer than unhealthy_after_secs (60 s), attempt 3',
    );
    monitor.stop();
  });

  it('shows a rejected password as degraded and logs it at error, once', () => {
    const { clock, link, auth, monitor, log } = setup(1);
    monitor.start();
    auth.value = 'auth_failed';
    link.set('auth_failed');
    clock.advance(3_600_000);
    const health = monitor.current();
    expect(summary(health)).toBe('degraded:auth_failed');
    const lines = log.records().filter((r) => String(r.msg).startsWith('health: degraded (auth_failed'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe(50);
    monitor.stop();
  });

  it('reads the oldest queued command: stuck while the link is up is commands_stuck', () => {
    let age: number | null = null;
    const { clock, link, monitor } = setup(600, () => age);
    monitor.start();
    link.set('connected');
    clock.advance(600_000);
    age = 30_000;
    expect(summary(monitor.current())).toBe('ok:');
    age = 181_000;
    expect(summary(monitor.current())).toBe('unhealthy:commands_stuck');
    age = null;
    expect(summary(monitor.current())).toBe('ok:');
    monitor.stop();
  });

  it('notices a blocked event loop and reports it for five minutes', () => {
    const { clock, link, monitor, changes } = setup();
    monitor.start();
    link.set('connected');
    clock.advance(5_000);
    clock.stall(12_000);
    clock.advance(1_000);
    expect(summary(monitor.current())).toBe('unhealthy:event_loop_stalled');
    expect(monitor.current().reasons[0]?.message).toBe('the bridge stopped responding for 12 s (limit 10 s)');
    // A shorter stall right after does not hide the long one.
    clock.stall(2_000);
    clock.advance(1_000);
    expect(monitor.facts().eventLoop.lastStallMs).toBe(12_000);
    clock.advance(300_000);
    expect(summary(monitor.current())).toBe('ok:');
    expect(changes.map(summary)).toEqual(['unhealthy:event_loop_stalled', 'ok:']);
    monitor.stop();
  });

  it('stops its timer and listener on stop()', () => {
    const { clock, link, monitor } = setup();
    monitor.start();
    expect(clock.inner.pendingTimers()).toBe(1);
    expect(link.events.listenerCount('state')).toBe(1);
    monitor.stop();
    expect(clock.inner.pendingTimers()).toBe(0);
    expect(link.events.listenerCount('state')).toBe(0);
  });
});

describe('queueAgeOf', () => {
  it('reads CommandQueue.oldestQueuedAgeMs (null when empty), and accounting() where the queue has it', () => {
    const clock = new ManualClock();
    const queue = new CommandQueue({ maxSize: 10, maxAgeMs: 600_000, clock, log: captureLog().logger });
    const age = queueAgeOf(queue);
    expect(age?.()).toBeNull();
    queue.enqueue({ device: 'aabbccddeeff', description: 'mode heat_pump', topic: 't', payload: '{}' });
    clock.advance(42_000);
    queue.enqueue({ device: 'aabbccddeeff', description: 'mode electric', topic: 't', payload: '{}' });
    expect(age?.()).toBe(42_000);
    expect(queueAgeOf(undefined)).toBeNull();
    const withAccounting = { accounting: () => ({ oldest_queued_age_ms: 7 }), oldestQueuedAgeMs: () => 99 };
    expect(queueAgeOf(withAccounting)?.()).toBe(7);
  });
});

describe('EventLoopWatch on the real clock', () => {
  it('measures a real synchronous block of the event loop', async () => {
    const stalls: number[] = [];
    const watch = new EventLoopWatch({
      clock: systemClock,
      tickMs: 20,
      thresholdMs: 150,
      onStall: (ms) => stalls.push(ms),
    });
    watch.start();
    try {
      await new Promise((r) => setTimeout(r, 60));
      const until = performance.now() + 300;
      while (performance.now() < until) {
        /* block the loop */
      }
      await new Promise((r) => setTimeout(r, 60));
      // A loaded machine may add a late tick of its own; the block is the longest.
      const longest = Math.max(...stalls);
      expect(longest).toBeGreaterThanOrEqual(250);
      expect(watch.facts().lastStallMs).toBe(longest);
    } finally {
      watch.stop();
    }
  });
});
