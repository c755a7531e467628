// The reconnect engine's promises, on real parts (aws-crt over a real socket to the simulator,
// a fault-injecting TCP proxy): every network wait ends by its deadline and fails its attempt,
// every failure goes through one retry path with backoff, and a publish on a connection that is
// gone rejects at once so its command goes to the next connection.

import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { type CloudStack, dropNames, MAC, startStack, statusFlows, waitFor } from '../helpers/cloudStack.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcpProxy.js';

let stack: CloudStack | undefined;
let proxy: TcpProxy | undefined;
let sharedSim: Simulator | undefined;
afterEach(async () => {
  await stack?.close();
  await proxy?.close();
  await sharedSim?.close();
  stack = undefined;
  proxy = undefined;
  sharedSim = undefined;
});

const DHW_TEMPERATURE = 33554464;
const NOT_A_CERTIFICATE =
  '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';

function temperatures(s: CloudStack): number[] {
  return (s.sim.device(MAC)?.receivedCommands() ?? [])
    .filter((c) => c.command === DHW_TEMPERATURE)
    .map((c) => c.param?.[0] ?? -1);
}

function failureWarnings(s: CloudStack): Array<Record<string, unknown>> {
  return s.log
    .records()
    .filter((r) => r.level === 40 && String(r.msg).startsWith('connecting to the Navien cloud failed'));
}

function scheduledDelays(s: CloudStack): number[] {
  return s.log
    .records()
    .filter((r) => r.msg === 'next connection attempt scheduled')
    .map((r) => Number(r.delayMs));
}

describe('cloud link deadlines and the one failure path', () => {
  it('retries with backoff when the connection cannot even be built (bad CA), warns with the error, and recovers once the CA is good', async () => {
    const sim = await startSimulator({ keepAlive: { minSecs: 1 } });
    sharedSim = sim;
    let reads = 0;
    stack = await startStack({
      simulator: sim,
      // Read for every attempt: the first four get a CA aws-crt cannot load.
      link: { caPem: () => (++reads <= 4 ? NOT_A_CERTIFICATE : sim.caPem), random: () => 0.5 },
    });
    const s = stack;
    s.start();
    await waitFor('three failed attempts', () => s.collector.getCounters().reconnect_failures >= 3, 10_000);
    const snapshot = s.link.engineSnapshot();
    expect(snapshot.state).toBe('connecting');
    expect(snapshot.timerPending).toBe(true);
    expect(snapshot.downSinceMs).not.toBeNull();
    const warnings = failureWarnings(s);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(String(warnings[0]?.error)).toMatch(/^AWS_(IO_TLS_CTX_ERROR|ERROR_INVALID_ARGUMENT)$/);
    await waitFor('connected once the CA is good', () => s.link.isConnected(), 15_000);
    await statusFlows(s);
    // Backoff doubles (jitter pinned to its middle): 200, 400, 800, 1600 ms.
    expect(scheduledDelays(s).slice(0, 4)).toEqual([200, 400, 800, 1600]);
    expect(s.link.engineSnapshot()).toMatchObject({ state: 'connected', downSinceMs: null, attempts: 0 });
  }, 30_000);

  it('never stops retrying a CA that stays bad: a retry timer is always pending, and the state is never stuck in an attempt', async () => {
    stack = await startStack({
      link: {
        caPem: NOT_A_CERTIFICATE,
        reconnect: { initialMs: 50, maxMs: 200, deepThreshold: 5, maxAttempts: -1 },
      },
    });
    const s = stack;
    s.start();
    await waitFor('ten failed attempts', () => s.collector.getCounters().reconnect_failures >= 10, 10_000);
    const snapshot = s.link.engineSnapshot();
    expect(snapshot.timerPending || snapshot.attemptInFlight).toBe(true);
    expect(snapshot.gaveUp).toBe(false);
    expect(s.link.isConnected()).toBe(false);
  });

  it('gives up after max_reconnect_attempts and says so in the snapshot', async () => {
    stack = await startStack({
      link: {
        caPem: NOT_A_CERTIFICATE,
        reconnect: { initialMs: 50, maxMs: 100, deepThreshold: 50, maxAttempts: 3 },
      },
    });
    const s = stack;
    s.start();
    await waitFor('gave up', () => s.link.state() === 'gave_up', 10_000);
    expect(s.link.engineSnapshot()).toMatchObject({ gaveUp: true, timerPending: false });
    expect(s.log.text()).toContain('gave up reconnecting to the Navien cloud');
  });

  it('fails an attempt whose sign-in hangs at its deadline, and retries', async () => {
    const sim = await startSimulator({ keepAlive: { minSecs: 1 } });
    sharedSim = sim;
    const restPort = Number(new URL(sim.restUrl).port);
    proxy = await startTcpProxy('127.0.0.1', restPort);
    const p = proxy;
    p.mode = 'hold';
    stack = await startStack({
      simulator: sim,
      restUrl: () => sim.restUrl.replace(`:${restPort}`, `:${p.port}`),
      link: { signInTimeoutMs: 1_000 },
    });
    const s = stack;
    const started = Date.now();
    s.start();
    await waitFor(
      'a sign-in deadline failure',
      () => failureWarnings(s).some((r) => r.error === 'NAVIEN_SIGN_IN_TIMEOUT'),
      4_000,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(s.link.engineSnapshot().timerPending).toBe(true);
    p.mode = 'pass';
    p.release();
    await waitFor('connected after the sign-in answers', () => s.link.isConnected(), 15_000);
    await statusFlows(s);
  }, 30_000);

  it('drops and rebuilds a live connection whose subscribe gets no SUBACK, within the operation deadline', async () => {
    // Keep-alive 60 s: the ping would notice the dead path only after ~90 s.
    stack = await startStack({
      link: { keepAliveSecs: 60, operationTimeoutMs: 1_500, connectTimeoutMs: 2_000 },
    });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    s.sim.faults.blackhole(true);
    const started = Date.now();
    s.link.subscribe('cmd/52/navilink-extra/#');
    await waitFor('the hung subscribe to drop the connection', () => dropNames(s).length === 1, 6_000);
    expect(Date.now() - started).toBeLessThan(1_500 + 1_000 + 1_500);
    expect(dropNames(s)[0]).toMatch(/^(AWS_ERROR_MQTT_TIMEOUT|NAVIEN_SUBSCRIBE_TIMEOUT)$/);
    expect(s.link.state()).toBe('reconnecting');
    await waitFor(
      'a failed reconnect attempt while still blackholed',
      () => s.collector.getCounters().reconnect_failures >= 1,
      6_000,
    );
    expect(s.link.engineSnapshot().timerPending).toBe(true);
    s.sim.faults.blackhole(false);
    await waitFor('reconnected', () => s.link.isConnected(), 15_000);
    expect(s.link.stats().subscriptions).toEqual({ total: 3, active: 3 });
    await statusFlows(s);
  }, 40_000);

  it('drops and rebuilds a live connection whose publish gets no PUBACK, within the operation deadline', async () => {
    stack = await startStack({
      link: { keepAliveSecs: 60, operationTimeoutMs: 1_500, connectTimeoutMs: 2_000 },
    });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    s.sim.faults.blackhole(true);
    const started = Date.now();
    const outcome = s.link.publish(`cmd/52/${MAC}/ctrl`, '{}').then(
      () => 'resolved',
      (error: unknown) => (error as Error).name,
    );
    await waitFor('the hung publish to drop the connection', () => dropNames(s).length === 1, 6_000);
    expect(Date.now() - started).toBeLessThan(1_500 + 1_000 + 1_500);
    expect(dropNames(s)[0]).toMatch(/^(AWS_ERROR_MQTT_TIMEOUT|NAVIEN_PUBLISH_TIMEOUT)$/);
    expect(await outcome).toBe('NAVIEN_CONNECTION_GONE');
    s.sim.faults.blackhole(false);
    await waitFor('reconnected', () => s.link.isConnected(), 15_000);
    await statusFlows(s);
  }, 40_000);

  it('rejects a publish on a connection that dropped at once, and delivers the queued command on the next one (blackhole, command, reset, lift)', async () => {
    stack = await startStack({ link: { keepAliveSecs: 60, connectTimeoutMs: 2_000 } });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    s.sim.faults.blackhole(true);
    // A direct publish and a queued command, both waiting for a PUBACK that will never come.
    const direct = s.link.publish(`cmd/52/${MAC}/ctrl`, '{}').then(
      () => 'resolved',
      (error: unknown) => ({ name: (error as Error).name, at: Date.now() }),
    );
    expect(s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 50, unit: 'C' })).toEqual({
      ok: true,
      delivery: 'sent',
    });
    await new Promise((r) => setTimeout(r, 300));
    const resetAt = Date.now();
    s.sim.faults.resetAll();
    const outcome = await Promise.race([
      direct,
      new Promise((r) => setTimeout(() => r('still waiting'), 3_000)),
    ]);
    expect(outcome).toMatchObject({ name: 'NAVIEN_CONNECTION_GONE' });
    expect((outcome as { at: number }).at - resetAt).toBeLessThan(1_000);
    await waitFor('the drop', () => dropNames(s).length === 1, 5_000);
    s.sim.faults.blackhole(false);
    await waitFor('reconnected', () => s.link.isConnected(), 15_000);
    await waitFor('the command from before the reset delivered', () => temperatures(s).includes(100), 10_000);
    // And the queue is not wedged: later commands go through too (one at a time, so that none
    // supersedes another).
    s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 55, unit: 'C' });
    await waitFor('a later command delivered', () => temperatures(s).includes(110), 10_000);
    s.cloud.sendCommand(MAC, { kind: 'dhw_temperature', value: 60, unit: 'C' });
    await waitFor('and the next one', () => temperatures(s).includes(120), 10_000);
    expect(temperatures(s).filter((t) => t === 110 || t === 120)).toEqual([110, 120]);
    await waitFor('the queue emptied', () => s.queue.size === 0, 5_000);
  }, 60_000);
});
