// The cloud link against the simulated cloud's faults: each ends with the link back, subscriptions
// restored, status flowing, and the drop's error name recorded.

import { afterEach, describe, expect, it } from 'vitest';
import { type CloudStack, dropNames, MAC, startStack, statusFlows, waitFor } from '../helpers/cloudStack.js';

let stack: CloudStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function connected(options: Parameters<typeof startStack>[0] = {}): Promise<CloudStack> {
  stack = await startStack(options);
  stack.start();
  await waitFor('first connection', () => stack?.link.isConnected() === true);
  await statusFlows(stack);
  return stack;
}

function connectionsAccepted(s: CloudStack): number {
  return s.sim.counters().connectionsAccepted;
}

describe('cloud link faults', () => {
  it('comes back after a hang-up, recorded as AWS_ERROR_MQTT_UNEXPECTED_HANGUP, with one engine reconnecting', async () => {
    const s = await connected();
    const before = connectionsAccepted(s);
    s.sim.faults.hangUpAll();
    await waitFor('the drop', () => s.collector.getMetrics().total_connection_drops === 1);
    await waitFor('reconnected', () => s.link.isConnected());
    await statusFlows(s);
    expect(dropNames(s)).toEqual(['AWS_ERROR_MQTT_UNEXPECTED_HANGUP']);
    expect(s.link.stats().subscriptions).toEqual({ total: 2, active: 2 });
    // aws-crt's own reconnect is parked: exactly one new connection, ours.
    await new Promise((r) => setTimeout(r, 1500));
    expect(connectionsAccepted(s) - before).toBe(1);
    expect(s.sim.liveClientIds()).toEqual([s.auth.clientId()]);
    const last = s.collector.getRecentConnections(1)[0];
    expect(last?.event_type).toBe('resumed');
  });

  it('comes back after an abrupt reset, recorded as AWS_IO_SOCKET_CLOSED', async () => {
    const s = await connected();
    s.sim.faults.resetAll();
    await waitFor('reconnected after the reset', () => s.collector.getMetrics().connection_recovered === 1);
    await statusFlows(s);
    expect(dropNames(s)).toEqual(['AWS_IO_SOCKET_CLOSED']);
  });

  it('notices a blackholed (half-open) link by ping timeout within about 1.5 × keep-alive, then recovers', async () => {
    const s = await connected({ link: { keepAliveSecs: 4, connectTimeoutMs: 2_000 } });
    const started = Date.now();
    s.sim.faults.blackhole(true);
    await waitFor(
      'the half-open link to be noticed',
      () => s.collector.getMetrics().total_connection_drops === 1,
      20_000,
    );
    const noticedAfter = (Date.now() - started) / 1000;
    expect(dropNames(s)).toEqual(['AWS_ERROR_MQTT_TIMEOUT']);
    expect(noticedAfter).toBeLessThanOrEqual(1.5 * 4 + 1.5);
    s.sim.faults.blackhole(false);
    await waitFor('reconnected after the blackhole', () => s.link.isConnected(), 20_000);
    await statusFlows(s);
  });

  it('keeps retrying refused connections, records each failed attempt by name, and recovers', async () => {
    const s = await connected();
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('three refused attempts', () => s.collector.getCounters().reconnect_failures >= 3);
    expect(s.link.state()).toBe('reconnecting');
    s.sim.faults.refuseConnections(false);
    await waitFor('reconnected', () => s.link.isConnected());
    await statusFlows(s);
    const failures = s.collector.exportObject().aws_error_counts;
    expect(failures.AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE).toBeGreaterThanOrEqual(3);
    expect(s.collector.getMetrics().reconnection_attempts_distribution).not.toEqual({});
  });

  it('signs in again when the cloud refuses its credentials, and reconnects with fresh ones', async () => {
    const s = await connected();
    const signIns = s.sim.counters().signIns;
    s.sim.faults.expireCredentials();
    s.sim.faults.hangUpAll();
    await waitFor(
      'reconnected with fresh credentials',
      () => s.collector.getMetrics().connection_recovered === 1,
    );
    await statusFlows(s);
    expect(s.sim.counters().signIns).toBeGreaterThan(signIns);
    expect(s.sim.counters().handshakesRejected['expired-credentials']).toBeGreaterThanOrEqual(1);
    expect(s.collector.getRecentConnections(1)[0]?.event_type).toBe('deep_reconnected');
  });

  it('comes back after a client-id takeover', async () => {
    const s = await connected();
    expect(s.sim.faults.kickClient(s.auth.clientId())).toBe(true);
    await waitFor('reconnected after the kick', () => s.collector.getMetrics().connection_recovered === 1);
    await statusFlows(s);
    expect(dropNames(s)).toEqual(['AWS_ERROR_MQTT_UNEXPECTED_HANGUP']);
    expect(s.sim.liveClientIds()).toEqual([s.auth.clientId()]);
  });

  it('comes back after the connection-lifetime cut (AWS ends WebSockets at 24 h)', async () => {
    const s = await connected();
    s.sim.faults.setMaxConnectionLifetime(1_000);
    await waitFor('the lifetime cut', () => s.collector.getMetrics().total_connection_drops >= 1);
    s.sim.faults.setMaxConnectionLifetime(24 * 3600_000);
    await waitFor('reconnected', () => s.link.isConnected());
    await statusFlows(s);
    expect(dropNames(s)[0]).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
  });

  it('resubscribes every topic when the broker forgot the session (session_present = false)', async () => {
    const s = await connected({ sim: { sessionExpiryMs: 200 } });
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await new Promise((r) => setTimeout(r, 800));
    s.sim.faults.refuseConnections(false);
    await waitFor('reconnected', () => s.collector.getMetrics().connection_recovered === 1);
    expect(s.collector.getRecentConnections(1)[0]?.session_present).toBe(false);
    await statusFlows(s);
    expect(s.link.stats().subscriptions.active).toBe(2);
  });

  it('ends the session clock at the drop and reports the reconnect time', async () => {
    const s = await connected();
    s.sim.faults.refuseConnections(true);
    s.sim.faults.hangUpAll();
    await waitFor('the drop', () => s.collector.getMetrics().total_connection_drops === 1);
    expect(s.collector.getMetrics().current_session_uptime_seconds).toBe(0);
    await new Promise((r) => setTimeout(r, 700));
    s.sim.faults.refuseConnections(false);
    await waitFor('reconnected', () => s.link.isConnected());
    const event = s.collector.getRecentConnections(1)[0];
    expect(event?.time_to_reconnect_seconds).toBeGreaterThanOrEqual(0.6);
    expect(event?.attempt_number).toBeGreaterThanOrEqual(1);
  });

  it('does not record its own shutdown as a drop', async () => {
    const s = await connected();
    await s.cloud.stop();
    expect(s.collector.getMetrics().total_connection_drops).toBe(0);
    expect(s.link.state()).toBe('stopped');
  });

  it('reports a device unavailable once its data is older than five status intervals', async () => {
    const s = await connected({ statusIntervalMs: 300 });
    const changes: boolean[] = [];
    s.cloud.events.on('availability', (_mac, available) => changes.push(available));
    expect(s.cloud.device(MAC)?.available).toBe(true);
    s.sim.faults.setDeviceOnline(MAC, false);
    await waitFor('the device to go stale', () => s.cloud.device(MAC)?.available === false, 5_000);
    expect(s.link.isConnected()).toBe(true);
    s.sim.faults.setDeviceOnline(MAC, true);
    await waitFor('the device back', () => s.cloud.device(MAC)?.available === true, 5_000);
    expect(changes).toEqual([false, true]);
  });

  it(`hears a device (${MAC}) that comes back online`, async () => {
    const s = await connected();
    s.sim.faults.setDeviceOnline(MAC, false);
    const since = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.statuses.filter((x) => x.at > since)).toEqual([]);
    s.sim.faults.setDeviceOnline(MAC, true);
    await statusFlows(s);
  });
});

describe('reconnect on request', () => {
  it('replaces a live connection at once, resubscribes, and records no drop', async () => {
    const s = await connected();
    const before = connectionsAccepted(s);
    s.link.reconnectNow('test');
    expect(s.link.isConnected()).toBe(false);
    await waitFor('reconnected', () => s.link.isConnected());
    await statusFlows(s);
    expect(connectionsAccepted(s) - before).toBe(1);
    expect(s.collector.getMetrics().total_connection_drops).toBe(0);
    expect(s.link.stats().subscriptions).toEqual({ total: 2, active: 2 });
    expect(s.sim.liveClientIds()).toEqual([s.auth.clientId()]);
  });
});
