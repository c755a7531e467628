// What aws-crt does that would bite, each pinned against the simulator:
// hung upgrades, connections that come back to life, credentials frozen at build time, silent
// failed reconnects, a deaf link; plus credential renewal before expiry.

import { afterEach, describe, expect, it } from 'vitest';
import { toCloudError } from '../../src/navien/errors.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { type CloudStack, dropNames, startStack, statusFlows, waitFor } from '../helpers/cloudStack.js';
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

describe('aws-crt behaviour the link works around', () => {
  it('names errors from lifecycle events, plain-string rejections and our own failures', () => {
    expect(
      toCloudError({ error_name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', error_code: 5134, message: 'x' }),
    ).toEqual({
      name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
      code: 5134,
      message: 'x',
    });
    expect(
      toCloudError('libaws-c-mqtt: AWS_ERROR_MQTT_CONNECTION_DESTROYED, Connection has been closed'),
    ).toMatchObject({
      name: 'AWS_ERROR_MQTT_CONNECTION_DESTROYED',
    });
    expect(toCloudError(new TypeError('boom'))).toMatchObject({ name: 'ERROR_TYPEERROR', message: 'boom' });
    expect(toCloudError(42)).toMatchObject({ name: 'UNKNOWN_ERROR' });
  });

  it('abandons a WebSocket upgrade that never gets an answer, and fences it when it answers late', async () => {
    // The proxy needs the simulator's port, so build the stack around one simulator.
    const sim = await startSimulator({ keepAlive: { minSecs: 1 } });
    sharedSim = sim;
    proxy = await startTcpProxy('127.0.0.1', sim.ports.wss);
    const p = proxy;
    stack = await startStack({
      simulator: sim,
      url: () => `wss://localhost:${p.port}/mqtt`,
      link: { connectTimeoutMs: 1_500 },
    });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    p.mode = 'hold';
    p.resetAll();
    await waitFor('an attempt to be abandoned', () => s.link.stats().abandonedConnections >= 1, 10_000);
    expect(s.collector.exportObject().aws_error_counts.NAVIEN_CONNECT_TIMEOUT).toBeGreaterThanOrEqual(1);
    p.mode = 'pass';
    p.release();
    await waitFor('reconnected', () => s.link.isConnected(), 15_000);
    await statusFlows(s);
    // The late handshakes completed and were closed at once: one live client, and it stays ours.
    await waitFor('a single live client', () => sim.liveClientIds().length === 1, 10_000);
    const drops = s.collector.getMetrics().total_connection_drops;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(s.collector.getMetrics().total_connection_drops).toBe(drops);
    expect(s.link.isConnected()).toBe(true);
  });

  it('renews the AWS credentials by sign-in before they expire, without a drop, and reconnects with them', async () => {
    stack = await startStack({ sim: { authorizationExpiresIn: 6 } });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    const firstSignIns = s.sim.counters().signIns;
    const planned = () => {
      const c = s.collector.getCounters();
      return c.credential_renewals - c.unplanned_credential_renewals;
    };
    // 80 % of a 6 s life: renewal at ~4.8 s, recorded as a planned renewal and not as a drop.
    await waitFor('the planned renewal', () => planned() >= 1, 10_000);
    expect(s.sim.counters().signIns).toBe(firstSignIns + 1);
    expect(s.collector.getMetrics().total_connection_drops).toBe(0);
    // The first credentials are now expired at the cloud; a reconnect must use the renewed ones.
    await new Promise((r) => setTimeout(r, 2_000));
    s.sim.faults.hangUpAll();
    await waitFor('reconnected', () => s.collector.getMetrics().connection_recovered === 1);
    expect(s.sim.counters().handshakesRejected['expired-credentials']).toBe(0);
    expect(s.collector.getRecentConnections(1)[0]?.attempt_number).toBe(1);
  });

  it('reports every failed reconnect attempt even though aws-crt emits nothing for them', async () => {
    stack = await startStack();
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('two failed attempts', () => s.collector.getCounters().reconnect_failures >= 2);
    expect(s.collector.getMetrics().total_reconnect_attempts).toBeGreaterThanOrEqual(2);
    expect(
      s.collector.getCounters().reconnect_failures_by_error.AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE,
    ).toBeGreaterThanOrEqual(2);
    s.sim.faults.refuseConnections(false);
    await waitFor('reconnected', () => s.link.isConnected());
  });

  it('resubscribes, then rebuilds, a link that still looks connected but hears nothing', async () => {
    const sim = await startSimulator({ keepAlive: { minSecs: 1 } });
    sharedSim = sim;
    proxy = await startTcpProxy('127.0.0.1', sim.ports.wss);
    const p = proxy;
    stack = await startStack({
      simulator: sim,
      url: () => `wss://localhost:${p.port}/mqtt`,
      link: { keepAliveSecs: 60, deafAfterMs: 2_000, connectTimeoutMs: 2_000 },
      statusIntervalMs: 500,
    });
    const s = stack;
    s.start();
    await waitFor('first connection', () => s.link.isConnected());
    await statusFlows(s);
    p.mode = 'deafen';
    await waitFor('the deaf link to be rebuilt', () => dropNames(s).includes('NAVIEN_LINK_DEAF'), 15_000);
    expect(s.log.text()).toContain('the cloud link hears nothing; resubscribing');
    p.mode = 'pass';
    await waitFor('reconnected', () => s.link.isConnected(), 15_000);
    await statusFlows(s);
  });
});
