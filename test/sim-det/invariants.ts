// The properties the bridge must keep whatever the faults: checked after every step of a run
// (checkStep), once every fault was lifted and the bridge had time to settle (checkFinal), and
// after it was stopped (checkLeaksAfterStop). Each returns the first violation it finds, or null.

import { REMOVAL_CONFIRMATION_MS } from '../../src/navien/deviceRoster.js';
import { COMMAND_KINDS, MACS, UNHEALTHY_AFTER_SECS, type World } from './world.js';

export interface Violation {
  invariant: string;
  detail: string;
  step: number;
}

function violation(invariant: string, detail: string): Violation {
  return { invariant, detail, step: -1 };
}

/** Per-world progress of the incremental checks. */
interface CheckState {
  receiptsSeen: number;
  maxSeq: Map<string, number>;
  removalsSeen: number;
}

const progress = new WeakMap<World, CheckState>();

function stateOf(w: World): CheckState {
  let s = progress.get(w);
  if (!s) {
    s = { receiptsSeen: 0, maxSeq: new Map(), removalsSeen: 0 };
    progress.set(w, s);
  }
  return s;
}

/**
 * Live timers per component while faults rage: deadlines of operations in flight come and go, so
 * the bound only catches growth without limit. Once settled, far fewer may remain (checkFinal).
 */
const MAX_TIMERS: Record<string, number> = { link: 64, cloud: 32, queue: 32, auth: 8 };
const MAX_SETTLED_TIMERS: Record<string, number> = { link: 10, cloud: 12, queue: 4, auth: 2 };
const MAX_LINK_LISTENERS = 3;
const STALE_SLACK_MS = 60_000;

/** Commands accepted = delivered + superseded + expired + overflow + unconfirmed + still queued. */
export function checkAccounting(w: World): Violation | null {
  const a = w.accounting();
  if (a) {
    const sum = a.delivered + a.superseded + a.expired + a.overflow + a.unconfirmed + a.in_queue;
    if (a.accepted !== sum)
      return violation(
        'no command lost without a counter',
        `accounting() does not close: ${JSON.stringify(a)}`,
      );
    if (a.accepted !== w.accepted.length)
      return violation(
        'no command lost without a counter',
        `the queue counts ${a.accepted} accepted, the harness had ${w.accepted.length} accepted`,
      );
    return null;
  }
  // The queue without accounting(): what it exposes (size, drops) and the PUBACKs it was given.
  const drops = w.queue.drops();
  const sum = w.commandAcks + drops.overflow + drops.expired + w.queue.size;
  if (w.accepted.length !== sum)
    return violation(
      'no command lost without a counter',
      `accepted ${w.accepted.length} ≠ acknowledged ${w.commandAcks} + overflow ${drops.overflow} + expired ${drops.expired} + queued ${w.queue.size}`,
    );
  return null;
}

/**
 * Per heater, commands reach the cloud in the order HA gave them: once a command arrived, no older
 * one may arrive after it (a repeat of the newest is at-least-once delivery, not disorder).
 * Identical payloads are told apart as favourably as possible, so this never blames wrongly.
 */
export function checkOrder(w: World): Violation | null {
  const s = stateOf(w);
  const receipts = w.cloudModel.receipts;
  for (; s.receiptsSeen < receipts.length; s.receiptsSeen++) {
    const r = receipts[s.receiptsSeen];
    if (!r) continue;
    // Commands HA had given by then with exactly this payload (same kind, value and heater).
    const candidates = w.byPayload.get(r.payload)?.filter((c) => c.acceptedAtMono <= r.atMono);
    if (!candidates?.length) continue;
    const newest = s.maxSeq.get(r.device) ?? 0;
    const match = candidates.find((c) => c.seq >= newest);
    if (!match) {
      const oldest = candidates[candidates.length - 1];
      return violation(
        'order per device kept',
        `cmd#${oldest?.seq} (${oldest?.kind}=${oldest?.value}) reached heater ${r.device.slice(-4)} after the newer cmd#${newest}`,
      );
    }
    s.maxSeq.set(r.device, match.seq);
    // Age by true time: a water heater must not act on a wish older than max_queued_command_age
    // (a minute's slack for a publish and its deadline already under way at the limit).
    const youngest = candidates[candidates.length - 1] ?? match;
    const ageMs = r.atMono - youngest.acceptedAtMono;
    if (ageMs > w.config.queueMaxAgeMs + STALE_SLACK_MS)
      return violation(
        'no stale command reaches the heater',
        `cmd#${youngest.seq} (${youngest.kind}=${youngest.value}) reached heater ${r.device.slice(-4)} ${Math.round(ageMs / 1000)} s after HA asked (max_queued_command_age ${w.config.queueMaxAgeMs / 1000} s)`,
      );
  }
  return null;
}

/** A heater is removed only after two good device lists at least an hour apart both lacked it. */
export function checkRemovals(w: World): Violation | null {
  const s = stateOf(w);
  for (; s.removalsSeen < w.removedEvents.length; s.removalsSeen++) {
    const event = w.removedEvents[s.removalsSeen];
    if (!event) continue;
    for (const mac of event.macs) {
      // The evidence as it stood when the heater was removed.
      const good = w.cloudModel.listAnswers
        .slice(0, event.answers)
        .filter((a) => a.kind === 'normal' && a.listed.length > 0);
      let lastListed = -1;
      good.forEach((a, i) => {
        if (a.listed.includes(mac)) lastListed = i;
      });
      const lacking = good.slice(lastListed + 1).map((a) => a.wallMs);
      const span = lacking.length >= 2 ? Math.max(...lacking) - Math.min(...lacking) : 0;
      // One second of slack: the answer is stamped when sent, the bridge reads its clock on arrival.
      if (lacking.length < 2 || span < REMOVAL_CONFIRMATION_MS - 1_000)
        return violation(
          'heaters removed only on evidence',
          `heater ${mac.slice(-4)} removed after ${lacking.length} good answers without it spanning ${Math.round(span / 1000)} s`,
        );
    }
  }
  return null;
}

/** The engine is connected, or something is pending that will move it on, or it stopped/gave up. */
export function checkProgress(w: World): Violation | null {
  const state = w.link.state();
  if (state === 'connected' || state === 'stopped' || state === 'gave_up') return null;
  if (w.sched.pending('link') > 0 || w.cloudModel.restInFlight > 0) return null;
  return violation(
    'the engine is connected or has a timer pending',
    `link is ${state} with no timer pending and no call in flight (timers: ${JSON.stringify(w.sched.pendingByOwner())})`,
  );
}

export function checkLeaks(w: World, bounds: Record<string, number> = MAX_TIMERS): Violation | null {
  for (const [owner, max] of Object.entries(bounds)) {
    const live = w.sched.pending(owner);
    if (live > max)
      return violation(
        'no timer leak',
        `${owner} holds ${live} live timers (at most ${max} expected), due in ${w.sched.dueIn(owner).join(', ')} ms`,
      );
  }
  const listeners = w.linkListeners();
  if (listeners > MAX_LINK_LISTENERS)
    return violation(
      'no listener leak',
      `${listeners} listeners on the link's events (at most ${MAX_LINK_LISTENERS})`,
    );
  // Two connections at once for one client id: AWS hangs up the older one, a self-inflicted drop.
  const busy = w.cloudModel.transports.filter(
    (t) => !t.abandoned && (t.state === 'live' || t.state === 'connecting'),
  );
  if (busy.length > 1)
    return violation(
      'one connection at a time',
      `connections ${busy.map((t) => `#${t.id} (${t.state})`).join(', ')} are open at once`,
    );
  return null;
}

/**
 * Health tells the truth: down longer than unhealthy_after_secs is link_down (unless the password
 * was rejected); a connected link is never called down or reconnecting; connected with nothing
 * queued is never unhealthy.
 */
export function checkHealth(w: World): Violation | null {
  const health = w.health.current();
  const codes = health.reasons.map((r) => r.code);
  const state = w.link.state();
  const shown = `${health.status} [${codes.join(', ')}]`;
  if (state === 'connected') {
    if (codes.includes('link_down') || codes.includes('link_reconnecting'))
      return violation('health matches the state', `the link is connected, health says ${shown}`);
    const a = w.accounting();
    if ((a ? a.in_queue : w.queue.size) === 0 && health.status === 'unhealthy')
      return violation('health matches the state', `connected with an empty queue, health says ${shown}`);
  }
  const trying = state === 'connecting' || state === 'reconnecting';
  if (trying && w.auth.state() !== 'auth_failed' && w.downSinceMono !== null) {
    const downMs = w.sched.monotonic() - w.downSinceMono;
    if (downMs > UNHEALTHY_AFTER_SECS * 1000 + 1_000 && !codes.includes('link_down'))
      return violation(
        'health matches the state',
        `the link has been ${state} for ${Math.round(downMs / 1000)} s (unhealthy_after_secs ${UNHEALTHY_AFTER_SECS}), health says ${shown}`,
      );
  }
  return null;
}

/** After every timer: the cheap checks (the full set runs after every step). */
export function checkBetweenSteps(w: World): Violation | null {
  // Health only where it must have changed: an outage past unhealthy_after_secs can end before the step does.
  const longDown =
    w.downSinceMono !== null && w.sched.monotonic() - w.downSinceMono > UNHEALTHY_AFTER_SECS * 1000 + 1_000;
  return checkOrder(w) ?? checkProgress(w) ?? (longDown ? checkHealth(w) : null);
}

export function checkStep(w: World): Violation | null {
  return (
    checkAccounting(w) ??
    checkOrder(w) ??
    checkRemovals(w) ??
    checkProgress(w) ??
    checkLeaks(w) ??
    checkHealth(w)
  );
}

/** After every fault was lifted and the bridge had 12 quiet minutes. */
export function checkFinal(w: World): Violation | null {
  const state = w.link.state();
  if (state !== 'connected')
    return violation('reconnected when quiet', `the link is ${state} 12 min after every fault was lifted`);
  const a = w.accounting();
  const queued = a ? a.in_queue : w.queue.size;
  if (queued > 0) {
    const waiting = w.accepted
      .filter((c) => c.dropped === null && !delivered(w, c.payload))
      .map((c) => `cmd#${c.seq}`);
    return violation(
      'the queue drains when quiet',
      `${queued} command(s) still queued 8 min after the last one was issued on a healthy link (never reached the cloud: ${waiting.slice(-8).join(', ') || 'none'})`,
    );
  }
  for (const device of MACS) {
    for (const kind of COMMAND_KINDS) {
      const issued = w.accepted.filter((c) => c.device === device && c.kind === kind);
      const last = issued[issued.length - 1];
      if (!last || last.dropped) continue;
      const arrived = w.cloudModel.receipts.filter(
        (r) => r.device === device && w.byPayload.get(r.payload)?.[0]?.kind === kind,
      );
      const final = arrived[arrived.length - 1];
      if (final?.payload !== last.payload) {
        const finalCmd = final ? w.byPayload.get(final.payload)?.[0] : undefined;
        return violation(
          'last writer wins when quiet',
          `heater ${device.slice(-4)} ${kind}: HA last asked for ${last.value} (cmd#${last.seq}), the heater last got ${finalCmd ? `${finalCmd.value} (cmd#${finalCmd.seq})` : 'nothing'}`,
        );
      }
    }
  }
  const health = w.health.current();
  if (health.status !== 'ok')
    return violation(
      'health matches the state',
      `connected and drained after every fault was lifted, health says ${health.status} [${health.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}]`,
    );
  return checkAccounting(w) ?? checkLeaks(w, MAX_SETTLED_TIMERS);
}

function delivered(w: World, payload: string): boolean {
  return w.cloudModel.receipts.some((r) => r.payload === payload);
}

/** The engine's close deadline (its default): the only wait of the link that may still run after stop(). */
export const CLOSE_DEADLINE_MS = 5_000;

/**
 * Right after NavienCloud.stop(): the link's waits went with it. What may still be pending is the
 * close of a connection let go before (its own deadline, at most the close deadline); a longer
 * timer is a wait stop() did not release (a renewal sign-in's 75 s deadline, a retry).
 */
export function checkRightAfterStop(w: World): Violation | null {
  const late = w.sched.dueIn('link').filter((ms) => ms > CLOSE_DEADLINE_MS);
  if (late.length > 0)
    return violation(
      'no timer outlives stop()',
      `the link still holds ${late.length} timer(s) right after stop(), due in ${late.join(', ')} ms (more than the ${CLOSE_DEADLINE_MS} ms close deadline)`,
    );
  return null;
}

/** After NavienCloud.stop() (and a grace for deadlines in flight): nothing of the bridge's keeps running. */
export function checkLeaksAfterStop(w: World): Violation | null {
  if (w.link.state() !== 'stopped')
    return violation('stops cleanly', `the link is ${w.link.state()} after stop()`);
  for (const owner of ['link', 'cloud', 'queue', 'auth', 'health']) {
    const live = w.sched.pending(owner);
    if (live > 0)
      return violation(
        'no timer leak',
        `${owner} still holds ${live} timers 2 min after stop(), due in ${w.sched.dueIn(owner).join(', ')} ms`,
      );
  }
  const listeners = w.linkListeners();
  if (listeners > 0)
    return violation('no listener leak', `${listeners} listeners left on the link after stop()`);
  // The link's listener on credential renewals must go with it (a private set, read as such).
  const renewal = (w.auth as unknown as { renewalListeners?: Set<unknown> }).renewalListeners;
  if (renewal && renewal.size > 0)
    return violation(
      'no listener leak',
      `${renewal.size} renewal listener(s) left on the auth session after stop()`,
    );
  const open = w.cloudModel.transports.filter((t) => t.state === 'live' || t.state === 'connecting');
  if (open.some((t) => t.state === 'live'))
    return violation('stops cleanly', `connection #${open[0]?.id} still live after stop()`);
  return null;
}
