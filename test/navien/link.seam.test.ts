// The reconnect engine on the transport seam, driven by a virtual clock: no socket, no sleeping.
// What a deterministic simulation relies on — every timer of the engine is the injected clock's,
// every wait has a deadline, every failure is retried — pinned step by step.

import { describe, expect, it } from 'vitest';
import { CloudLink, type LinkAuth, type LinkOptions } from '../../src/navien/connection.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';
import { ScriptedTransport, stubAuth, stubDiagnostics } from '../helpers/scriptedTransport.js';

/** Lets every settled promise run its continuations. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await Promise.resolve();
}

interface Rig {
  clock: ManualClock;
  link: CloudLink;
  made: ScriptedTransport[];
  diagnostics: ReturnType<typeof stubDiagnostics>;
  log: ReturnType<typeof captureLog>;
  /** Advances the virtual clock, then lets promises settle. */
  advance(ms: number): Promise<void>;
  last(): ScriptedTransport;
  /** The engine's invariant: connected, or something pending that will act, or finished. */
  invariant(): void;
}

const TEST_DEADLINES = {
  connectTimeoutMs: 10_000,
  operationTimeoutMs: 5_000,
  signInTimeoutMs: 20_000,
  closeTimeoutMs: 3_000,
};

function rig(
  overrides: Partial<LinkOptions> = {},
  auth: LinkAuth = stubAuth(),
  deadlines: Partial<typeof TEST_DEADLINES> = TEST_DEADLINES,
): Rig {
  const clock = new ManualClock();
  const made: ScriptedTransport[] = [];
  const diagnostics = stubDiagnostics();
  const log = captureLog('debug');
  const link = new CloudLink({
    url: 'wss://example.iot.us-east-1.amazonaws.com/mqtt',
    keepAliveSecs: 30,
    ...deadlines,
    reconnect: { initialMs: 1_000, maxMs: 8_000, deepThreshold: 50, maxAttempts: -1 },
    auth,
    diagnostics,
    clock,
    log: log.logger,
    random: () => 0.5,
    transportFactory: (options, handlers) => {
      const t = new ScriptedTransport(options, handlers);
      made.push(t);
      return t;
    },
    ...overrides,
  });
  return {
    clock,
    link,
    made,
    diagnostics,
    log,
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
    last() {
      const t = made.at(-1);
      if (!t) throw new Error('no transport made yet');
      return t;
    },
    invariant() {
      const snap = link.engineSnapshot();
      const fine =
        snap.state === 'connected' ||
        snap.state === 'stopped' ||
        snap.state === 'gave_up' ||
        snap.timerPending;
      expect(fine, `engine stuck: ${JSON.stringify(snap)}`).toBe(true);
      // Every timer is a retry, the renewal, the deaf check, or the deadline of a wait in flight.
      expect(clock.pendingTimers()).toBeLessThanOrEqual(snap.waitsInFlight + 3);
    },
  };
}

async function connectFirst(r: Rig): Promise<ScriptedTransport> {
  r.link.subscribe('cmd/52/dev/#');
  r.link.start();
  await settle();
  r.last().connecting.resolve(false);
  await settle();
  expect(r.link.state()).toBe('connected');
  return r.last();
}

describe('cloud link on the transport seam', () => {
  it('connects, drops and retries on a virtual clock, through the injected transport factory', async () => {
    const r = rig();
    const first = await connectFirst(r);
    expect(first.options.region).toBe('us-east-1');
    expect(first.subscribed).toEqual(['cmd/52/dev/#']);
    expect(r.link.engineSnapshot()).toMatchObject({
      state: 'connected',
      downSinceMs: null,
      timerPending: false,
    });

    first.interrupt({ name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'gone' });
    expect(r.link.state()).toBe('reconnecting');
    expect(first.closed).toBe(true);
    r.invariant();
    // The retry waits on the virtual clock only: nothing happens until it moves.
    await settle();
    expect(r.made).toHaveLength(1);
    await r.advance(1_000);
    expect(r.made).toHaveLength(2);

    // A connect that never answers is abandoned when the virtual connect deadline passes.
    await r.advance(10_000);
    expect(r.made[1]?.abandoned).toBe(true);
    expect(r.link.state()).toBe('reconnecting');
    r.invariant();
    await r.advance(2_000);
    expect(r.made).toHaveLength(3);
    r.last().connecting.resolve(true);
    await settle();
    expect(r.link.state()).toBe('connected');
    await r.link.stop();
    expect(r.last().closed).toBe(true);
    expect(r.clock.pendingTimers()).toBe(0);
  });

  it('fails an attempt whose transport cannot be built, and retries it with backoff', async () => {
    let builds = 0;
    const made: ScriptedTransport[] = [];
    const r = rig({
      transportFactory: (options, handlers) => {
        if (++builds <= 2) throw new Error('aws-c-io: AWS_IO_TLS_CTX_ERROR, Failed to create tls context');
        const t = new ScriptedTransport(options, handlers);
        made.push(t);
        return t;
      },
    });
    r.link.start();
    await settle();
    expect(r.link.state()).toBe('connecting');
    r.invariant();
    await r.advance(1_000);
    expect(builds).toBe(2);
    expect(r.diagnostics.failures).toBe(1);
    await r.advance(1_999);
    expect(builds).toBe(2);
    await r.advance(1);
    expect(builds).toBe(3);
    made[0]?.connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connected');
    const warnings = r.log.records().filter((l) => l.level === 40);
    expect(warnings.map((w) => w.error)).toEqual(['AWS_IO_TLS_CTX_ERROR', 'AWS_IO_TLS_CTX_ERROR']);
  });

  it('fails an attempt whose sign-in never answers at the sign-in deadline', async () => {
    let signIns = 0;
    const auth: LinkAuth = {
      ...stubAuth(),
      ensureValid: () => (++signIns === 1 ? new Promise(() => undefined) : Promise.resolve(undefined)),
    };
    const r = rig({}, auth);
    r.link.start();
    await settle();
    expect(r.made).toHaveLength(0);
    r.invariant();
    await r.advance(19_999);
    expect(r.link.engineSnapshot().attemptInFlight).toBe(true);
    await r.advance(1);
    expect(r.link.engineSnapshot()).toMatchObject({ attemptInFlight: false, timerPending: true });
    expect(r.log.text()).toContain('NAVIEN_SIGN_IN_TIMEOUT');
    await r.advance(1_000);
    expect(r.made).toHaveLength(1);
  });

  it('fails an attempt whose subscribe never gets a SUBACK, and counts as connected only once subscribed', async () => {
    const r = rig();
    r.link.subscribe('cmd/52/dev/#');
    r.link.start();
    await settle();
    r.last().hang.subscribe = true;
    r.last().connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connecting');
    r.invariant();
    // aws-crt's operation timeout (5 s) plus the engine's margin.
    await r.advance(5_999);
    expect(r.link.engineSnapshot().attemptInFlight).toBe(true);
    await r.advance(1);
    expect(r.made[0]?.closed).toBe(true);
    expect(r.log.text()).toContain('NAVIEN_SUBSCRIBE_TIMEOUT');
    r.invariant();
    await r.advance(1_000);
    r.last().connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connected');
    expect(r.link.stats().subscriptions).toEqual({ total: 1, active: 1 });
  });

  it('fails an attempt interrupted while subscribing through the same path', async () => {
    const r = rig();
    r.link.subscribe('cmd/52/dev/#');
    r.link.start();
    await settle();
    const t = r.last();
    t.hang.subscribe = true;
    t.connecting.resolve(false);
    await settle();
    t.interrupt({ name: 'AWS_IO_SOCKET_CLOSED', code: 1051, message: 'reset' });
    await settle();
    expect(r.link.engineSnapshot()).toMatchObject({
      state: 'connecting',
      attemptInFlight: false,
      timerPending: true,
    });
    expect(r.diagnostics.drops).toBe(0);
    expect(t.closed).toBe(true);
    await r.advance(1_000);
    expect(r.made).toHaveLength(2);
  });

  it('rejects a publish waiting on a replaced connection at once, without waiting for its deadline', async () => {
    const r = rig();
    const first = await connectFirst(r);
    first.hang.publish = true;
    const outcome = r.link.publish('cmd/52/dev/ctrl', '{}').then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
    await settle();
    r.link.reconnectNow('test');
    await settle();
    expect(await outcome).toBe('NAVIEN_CONNECTION_GONE');
    // A publish on the old connection object after it was replaced fails without touching it.
    await expect(r.link.publish('cmd/52/dev/ctrl', '{}')).rejects.toMatchObject({
      name: 'NAVIEN_NOT_CONNECTED',
    });
    expect(first.published).toHaveLength(1);
  });

  it('drops a connection whose publish gets no PUBACK by the deadline, and the publish fails as gone', async () => {
    const r = rig();
    const first = await connectFirst(r);
    first.hang.publish = true;
    const outcome = r.link.publish('cmd/52/dev/ctrl', '{}').then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
    await r.advance(6_000);
    expect(await outcome).toBe('NAVIEN_CONNECTION_GONE');
    expect(r.diagnostics.drops).toBe(1);
    expect(r.link.state()).toBe('reconnecting');
    r.invariant();
  });

  it('fails only the publish, and keeps the connection, when a PUBACK is lost on a link that still hears', async () => {
    const r = rig();
    const first = await connectFirst(r);
    first.hang.publish = true;
    const outcome = r.link.publish('cmd/52/dev/ctrl', '{}').then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
    await r.advance(3_000);
    first.handlers.onMessage('cmd/52/dev/res', Buffer.from('{}'));
    await r.advance(3_000);
    expect(await outcome).toBe('NAVIEN_PUBLISH_TIMEOUT');
    r.invariant();
    expect(r.diagnostics.drops).toBe(0);
    expect(r.link.state()).toBe('connected');
  });

  it('drops a live connection whose new subscription is refused, and rebuilds it with backoff', async () => {
    const r = rig();
    const first = await connectFirst(r);
    first.refuseSubscribe = Object.assign(new Error('refused'), { name: 'NAVIEN_SUBSCRIBE_REFUSED' });
    r.link.subscribe('cmd/52/other/#');
    await settle();
    expect(r.diagnostics.drops).toBe(1);
    expect(r.link.state()).toBe('reconnecting');
    r.invariant();
    await r.advance(1_000);
    r.last().connecting.resolve(true);
    await settle();
    expect(r.last().subscribed).toEqual(['cmd/52/dev/#', 'cmd/52/other/#']);
    expect(r.link.state()).toBe('connected');
  });

  it('abandons (fences) a connection whose connect is still under way when the button or stop replaces it', async () => {
    const r = rig();
    r.link.start();
    await settle();
    const pending = r.last();
    r.link.reconnectNow('button');
    await settle();
    expect(pending.abandoned).toBe(true);
    expect(r.made).toHaveLength(2);
    expect(r.link.engineSnapshot().abandonedConnections).toBe(1);
    // Its late CONNACK changes nothing: the engine listens to the new connection only.
    pending.connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connecting');
    await r.link.stop();
    expect(r.last().abandoned).toBe(true);
    expect(r.clock.pendingTimers()).toBe(0);
  });

  it('stops within the close deadline when a close never finishes, abandoning the connection', async () => {
    const r = rig();
    const first = await connectFirst(r);
    first.hang.close = true;
    let stopped = false;
    void r.link.stop().then(() => {
      stopped = true;
    });
    await r.advance(2_999);
    expect(stopped).toBe(false);
    await r.advance(1);
    expect(stopped).toBe(true);
    expect(first.abandoned).toBe(true);
    expect(r.clock.pendingTimers()).toBe(0);
  });

  it('gives up after max_reconnect_attempts with nothing pending, and the reconnect button starts it again', async () => {
    const r = rig({ reconnect: { initialMs: 1_000, maxMs: 8_000, deepThreshold: 50, maxAttempts: 2 } });
    r.link.start();
    await settle();
    for (let i = 0; i < 3; i++) {
      r.last().connecting.reject({ error_name: 'AWS_IO_SOCKET_CONNECTION_REFUSED', error_code: 1047 });
      await settle();
      r.invariant();
      await r.advance(10_000);
    }
    expect(r.link.engineSnapshot()).toMatchObject({ state: 'gave_up', gaveUp: true, timerPending: false });
    expect(r.made).toHaveLength(3);
    r.link.reconnectNow('button');
    await settle();
    expect(r.made).toHaveLength(4);
    r.last().connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connected');
  });

  it('lets go of a credential renewal whose sign-in is still in flight when it stops: no timer outlives stop()', async () => {
    let renewAt = 0;
    let signIns = 0;
    const auth: LinkAuth = {
      ...stubAuth(),
      // The first renewal is due 10 s after start and its sign-in never answers (a cloud that hangs
      // on REST); the next one is an hour later.
      awsRenewalAt: () => (signIns === 0 ? renewAt : renewAt + 3600_000),
      signIn: () => {
        signIns++;
        return new Promise(() => undefined);
      },
    };
    const r = rig({}, auth, {});
    renewAt = r.clock.now() + 10_000;
    await connectFirst(r);
    await r.advance(10_000);
    expect(signIns).toBe(1);
    expect(r.link.engineSnapshot().waitsInFlight).toBe(1);
    await r.link.stop();
    await settle();
    // The renewal's 75 s sign-in deadline went with the link, not 75 s later.
    expect(r.link.engineSnapshot().waitsInFlight).toBe(0);
    expect(r.clock.pendingTimers()).toBe(0);
    // Started again, the old renewal's end must not cancel or replace the new lifetime's renewal.
    r.link.start();
    await settle();
    r.last().connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connected');
    await r.advance(75_000);
    expect(signIns).toBe(1);
    expect(r.log.text()).not.toContain('AWS credential renewal failed');
    await r.link.stop();
    await settle();
    expect(r.clock.pendingTimers()).toBe(0);
  });

  it('keeps the documented default deadlines: sign-in 75 s, connect 30 s, subscribe and publish 31 s, close 5 s', async () => {
    let signIns = 0;
    const auth: LinkAuth = {
      ...stubAuth(),
      ensureValid: () => (++signIns === 1 ? new Promise(() => undefined) : Promise.resolve(undefined)),
    };
    const r = rig({}, auth, {});
    r.link.subscribe('cmd/52/dev/#');
    r.link.start();
    await r.advance(74_999);
    expect(r.made).toHaveLength(0);
    await r.advance(1);
    expect(r.log.text()).toContain('NAVIEN_SIGN_IN_TIMEOUT');
    await r.advance(1_000);
    expect(r.made).toHaveLength(1);
    await r.advance(29_999);
    expect(r.made[0]?.abandoned).toBe(false);
    await r.advance(1);
    expect(r.made[0]?.abandoned).toBe(true);
    await r.advance(2_000);
    const t = r.last();
    t.hang.subscribe = true;
    t.connecting.resolve(false);
    await settle();
    await r.advance(30_999);
    expect(r.link.engineSnapshot().attemptInFlight).toBe(true);
    await r.advance(1);
    expect(r.link.engineSnapshot().attemptInFlight).toBe(false);
    expect(r.log.text()).toContain('NAVIEN_SUBSCRIBE_TIMEOUT');
    await r.advance(4_000);
    const live = r.last();
    live.connecting.resolve(false);
    await settle();
    expect(r.link.state()).toBe('connected');
    live.hang.publish = true;
    live.hang.close = true;
    const outcome = r.link.publish('cmd/52/dev/ctrl', '{}').catch((error: unknown) => (error as Error).name);
    await r.advance(30_999);
    expect(r.link.state()).toBe('connected');
    await r.advance(1);
    expect(await outcome).toBe('NAVIEN_CONNECTION_GONE');
    expect(live.abandoned).toBe(false);
    await r.advance(5_000);
    expect(live.abandoned).toBe(true);
  });
});
