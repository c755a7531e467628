// Health on real parts: the built bridge in its own process, the simulated cloud over aws-crt, a
// real Mosquitto. A link refused or blackholed longer than unhealthy_after_secs makes /healthz
// answer 503 with link_down (what the Supervisor watchdog restarts on), and 200 again after the
// recovery; a rejected password stays 200 and says auth_failed. /healthz, /metrics,
// /api/diagnostics and the bridge's Health entity in HA say the same thing in the same run.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { Observer } from '../ha/observer.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { type BridgeProcess, eventually, startBridgeProcess } from './bridgeProcess.js';

interface Reason {
  code: string;
  severity: string;
  message: string;
  since: string;
}
interface HealthBody {
  status: string;
  reasons: Reason[];
  process: { ok: boolean; problems: string[] };
  cloud: { connected: boolean; state: string };
  local_broker: { connected: boolean };
  auth: { state: string };
}
/** The bridge device's state JSON: the Health entity reads `health`, its attributes `health_attributes`. */
interface BridgeState {
  health?: string;
  health_attributes?: { reasons: Reason[] };
}

const DIAGNOSTICS = 'nwp500/bridge/diagnostics';
const QUICK = {
  NWP500_UNHEALTHY_AFTER_SECS: '2',
  NWP500_INITIAL_RECONNECT_DELAY: '0.2',
  NWP500_MAX_RECONNECT_DELAY: '1',
};

let broker: TestBroker;
let sim: Simulator | undefined;
let bridge: BridgeProcess | undefined;
let observer: Observer | undefined;

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.close();
});
afterEach(async () => {
  await bridge?.close();
  await observer?.close();
  await sim?.close();
  bridge = undefined;
  observer = undefined;
  sim = undefined;
});

const codes = (reasons: readonly Reason[] | undefined) => (reasons ?? []).map((r) => r.code);

/** `nwp500_health_status` (the status at 1) and the reason codes at 1 of `nwp500_health_reason`. */
async function metricsHealth(b: BridgeProcess): Promise<{ status: string | null; reasons: string[] }> {
  const { text } = await b.http('/metrics');
  const status = /^nwp500_health_status\{status="(\w+)"\} 1$/m.exec(text)?.[1] ?? null;
  const reasons = [...text.matchAll(/^nwp500_health_reason\{code="(\w+)"\} 1$/gm)].map((m) => m[1] ?? '');
  return { status, reasons };
}

function entity(o: Observer): BridgeState | undefined {
  const payload = o.last(DIAGNOSTICS);
  return payload ? (JSON.parse(payload) as BridgeState) : undefined;
}

/** Waits until /healthz, /metrics and the HA entity all show `status` with exactly `reasons`. */
async function allSay(b: BridgeProcess, o: Observer, status: string, reasons: string[], httpStatus: number) {
  let last = '';
  const body = await eventually(
    `/healthz ${httpStatus} ${status} [${reasons.join(',')}]`,
    async () => {
      const answer = await b.http<HealthBody>('/healthz');
      last = `HTTP ${answer.status} status=${answer.body.status} reasons=[${codes(answer.body.reasons)}] cloud.state=${answer.body.cloud?.state}`;
      return answer.status === httpStatus &&
        answer.body.status === status &&
        codes(answer.body.reasons).join() === reasons.join()
        ? answer.body
        : undefined;
    },
    25_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; the last answer was ${last}`);
  });
  await eventually(`/metrics ${status} [${reasons.join(',')}]`, async () => {
    const m = await metricsHealth(b);
    return m.status === status && m.reasons.join() === reasons.join();
  });
  await eventually(`/api/diagnostics bridge.health ${status} [${reasons.join(',')}]`, async () => {
    const { body: report } = await b.http<{ bridge: { health?: { status: string; reasons: Reason[] } } }>(
      '/api/diagnostics',
    );
    return (
      report.bridge.health?.status === status && codes(report.bridge.health.reasons).join() === reasons.join()
    );
  });
  await eventually(`the HA Health entity ${status} [${reasons.join(',')}]`, async () => {
    const state = entity(o);
    return state?.health === status && codes(state.health_attributes?.reasons).join() === reasons.join();
  });
  return body;
}

async function connected(b: BridgeProcess): Promise<void> {
  await eventually('connected to the cloud and the broker', async () => {
    const { body } = await b.http<HealthBody>('/healthz');
    return body.cloud?.connected && body.local_broker?.connected;
  });
}

describe('health on real parts', () => {
  it('a refused link longer than unhealthy_after_secs is 503 link_down everywhere, and 200 ok after the recovery', async () => {
    sim = await startSimulator();
    observer = await Observer.connect(broker.url, [DIAGNOSTICS]);
    bridge = await startBridgeProcess({ sim, broker, env: QUICK });
    const b = bridge;
    await connected(b);
    expect((await b.http('/healthz')).status).toBe(200);

    sim.faults.refuseConnections(true);
    sim.faults.hangUpAll();
    const down = await allSay(b, observer, 'unhealthy', ['link_down'], 503);
    expect(down.reasons[0]).toMatchObject({ severity: 'unhealthy' });
    expect(down.reasons[0]?.message).toContain('longer than unhealthy_after_secs (2 s)');
    // The body keeps its shape for older readers: process.ok false, the problem named.
    expect(down.process).toEqual({ ok: false, problems: [down.reasons[0]?.message] });
    expect(down.cloud.connected).toBe(false);
    // The HA entity shows the same reason since the same time (the attempt in the message moves on).
    const shown = entity(observer)?.health_attributes?.reasons ?? [];
    expect(shown.map(({ code, severity, since }) => ({ code, severity, since }))).toEqual(
      down.reasons.map(({ code, severity, since }) => ({ code, severity, since })),
    );
    expect(shown[0]?.message).toContain('longer than unhealthy_after_secs (2 s)');
    // The one-second tick logs the change (it may come a moment after /healthz computed it).
    await eventually('the log line', async () => /health: unhealthy \(link_down: /.test(b.stdout()));

    sim.faults.refuseConnections(false);
    const up = await allSay(b, observer, 'ok', [], 200);
    expect(up.process).toEqual({ ok: true, problems: [] });
  }, 90_000);

  it('a blackholed link is link_down too, and recovers when the blackhole lifts', async () => {
    sim = await startSimulator();
    observer = await Observer.connect(broker.url, [DIAGNOSTICS]);
    bridge = await startBridgeProcess({ sim, broker, env: QUICK });
    const b = bridge;
    await connected(b);
    sim.faults.blackhole(true);
    sim.faults.hangUpAll();
    await allSay(b, observer, 'unhealthy', ['link_down'], 503);
    sim.faults.blackhole(false);
    await allSay(b, observer, 'ok', [], 200);
  }, 90_000);

  it('a rejected password stays 200 however long it lasts, and shows auth_failed on /healthz, /metrics, the entity and the log', async () => {
    sim = await startSimulator();
    observer = await Observer.connect(broker.url, [DIAGNOSTICS]);
    bridge = await startBridgeProcess({
      sim,
      broker,
      env: { ...QUICK, NAVIEN_PASSWORD: 'not-the-password' },
    });
    const b = bridge;
    const first = await allSay(b, observer, 'degraded', ['auth_failed'], 200);
    // Well past unhealthy_after_secs (2 s): still 200, still only auth_failed (no restart loop).
    await new Promise((r) => setTimeout(r, 4_000));
    const later = await allSay(b, observer, 'degraded', ['auth_failed'], 200);
    expect(later.reasons).toEqual(first.reasons);
    expect(later.reasons[0]).toMatchObject({ severity: 'degraded' });
    expect(later.reasons[0]?.message).toContain('NaviLink rejected the e-mail/password');
    expect(later.process).toEqual({ ok: true, problems: [] });
    const line = await eventually('the log says auth_failed', async () =>
      b
        .stdout()
        .split('\n')
        .find((l) => l.includes('health: degraded (auth_failed')),
    );
    expect(JSON.parse(line ?? '{}').level).toBe(50);
    expect(b.stdout()).not.toContain('not-the-password');
  }, 90_000);

  it('an engine that gave up (max_reconnect_attempts) is 503 engine_gave_up, the reason a restart cures', async () => {
    sim = await startSimulator();
    observer = await Observer.connect(broker.url, [DIAGNOSTICS]);
    bridge = await startBridgeProcess({
      sim,
      broker,
      env: { ...QUICK, NWP500_UNHEALTHY_AFTER_SECS: '600', NWP500_MAX_RECONNECT_ATTEMPTS: '2' },
    });
    const b = bridge;
    await connected(b);
    sim.faults.refuseConnections(true);
    sim.faults.hangUpAll();
    const body = await allSay(b, observer, 'unhealthy', ['engine_gave_up'], 503);
    expect(body.cloud.state).toBe('gave_up');
    expect(body.reasons[0]?.message).toContain('after 2 attempts (max_reconnect_attempts)');
  }, 90_000);

  it('a process stopped for 12 s (SIGSTOP) comes back with 503 event_loop_stalled', async () => {
    sim = await startSimulator();
    observer = await Observer.connect(broker.url, [DIAGNOSTICS]);
    bridge = await startBridgeProcess({ sim, broker, env: QUICK });
    const b = bridge;
    await connected(b);
    b.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 12_000));
    b.child.kill('SIGCONT');
    const answer = await eventually('503 with event_loop_stalled', async () => {
      const { status, body } = await b.http<HealthBody>('/healthz');
      return status === 503 && codes(body.reasons).includes('event_loop_stalled') ? body : undefined;
    });
    const stall = answer.reasons.find((r) => r.code === 'event_loop_stalled');
    expect(stall?.message).toMatch(/^the bridge stopped responding for 1\d s \(limit 10 s\)$/);
    await eventually('the log line', async () => /the event loop was blocked/.test(b.stdout()));
  }, 90_000);
});
