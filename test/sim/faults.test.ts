import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { type CrtClientOptions, CrtTestClient } from './helpers/crtClient.js';
import { requestEnvelope } from './helpers/envelopes.js';
import { type SignInResult, signIn } from './helpers/rest.js';
import { waitFor } from './helpers/wait.js';

const MAC = '04786332fca0';
const clients: CrtTestClient[] = [];
let sim: Simulator;
let creds: SignInResult;

beforeAll(async () => {
  sim = await startSimulator({ devices: [{ macAddress: MAC }] });
  creds = await signIn(sim);
});

afterAll(async () => {
  await sim.close();
});

afterEach(async () => {
  sim.faults.blackhole(false);
  sim.faults.hangUpgrade(false);
  sim.faults.refuseConnections(false);
  sim.faults.setDeviceOnline(MAC, true);
  await Promise.all(clients.splice(0).map((made) => made.close()));
});

let serial = 0;
function client(options: Partial<CrtClientOptions> = {}): CrtTestClient {
  serial += 1;
  const made = new CrtTestClient(sim, {
    clientId: `navien-client-fault${String(serial).padStart(3, '0')}`,
    transport: 'wss',
    credentials: () => creds,
    reconnectMinSec: 1,
    ...options,
  });
  clients.push(made);
  return made;
}

/** Publishes a status request and resolves with whether a reply arrived within `timeoutMs`. */
async function statusRoundTrip(crt: CrtTestClient, clientId: string, timeoutMs = 3000): Promise<boolean> {
  const count = crt.messages.length;
  const { topic, payload } = requestEnvelope(MAC, clientId, 'st', { command: 16777219 });
  await crt.publish(topic, payload);
  const reply = await waitFor(
    () =>
      crt.messages.slice(count).find((message) => message.topic === `cmd/52/navilink-${MAC}/${clientId}/res`),
    timeoutMs,
  );
  return reply !== undefined;
}

describe('connection faults seen by a real aws-crt client', () => {
  it('hang-up: a clean close is AWS_ERROR_MQTT_UNEXPECTED_HANGUP over wss', async () => {
    const crt = client();
    await crt.connect();
    expect(sim.faults.hangUpAll()).toBeGreaterThanOrEqual(1);
    expect((await crt.waitForEvent('interrupt'))?.error).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(sim.counters().disconnects.hangup).toBeGreaterThanOrEqual(1);
  });

  it('hang-up over plain ws is AWS_IO_SOCKET_CLOSED (no TLS goodbye to tell it apart)', async () => {
    const crt = client({ transport: 'ws' });
    await crt.connect();
    sim.faults.hangUpAll();
    expect((await crt.waitForEvent('interrupt'))?.error).toBe('AWS_IO_SOCKET_CLOSED');
  });

  it('reset: an abrupt close is AWS_IO_SOCKET_CLOSED, and the client resumes', async () => {
    const crt = client();
    await crt.connect();
    sim.faults.resetAll();
    expect((await crt.waitForEvent('interrupt'))?.error).toBe('AWS_IO_SOCKET_CLOSED');
    expect(await crt.waitForEvent('resume', 5000)).toBeDefined();
  });

  it('blackhole: the client times out its ping (AWS_ERROR_MQTT_TIMEOUT) and recovers after it lifts', async () => {
    const crt = client({ keepAliveSecs: 2, pingTimeoutMs: 1000 });
    await crt.connect();
    sim.faults.blackhole(true);
    const started = Date.now();
    const interrupt = await crt.waitForEvent('interrupt', 8000);
    expect(interrupt?.error).toBe('AWS_ERROR_MQTT_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // Reconnect attempts meanwhile reach TCP but their upgrade is never answered.
    expect(await crt.waitForEvent('resume', 1500)).toBeUndefined();
    sim.faults.blackhole(false);
    expect(await crt.waitForEvent('resume', 6000)).toBeDefined();
  });

  it('refuse: new handshakes get HTTP 503, live connections are untouched', async () => {
    const live = client();
    await live.connect();
    sim.faults.refuseConnections(true);
    const before = sim.counters().handshakesRejected.refused;
    await expect(client().connect()).rejects.toMatch(/AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE/);
    expect(sim.counters().handshakesRejected.refused).toBe(before + 1);
    expect(live.events).toEqual([]);
  });

  it('hung upgrade: connect never completes until the server lets the socket go', async () => {
    sim.faults.hangUpgrade(true);
    const crt = client();
    let settled = false;
    const attempt = crt.connect().then(
      () => 'connected',
      (error: unknown) => String(error),
    );
    void attempt.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(settled).toBe(false);
    sim.faults.hangUpgrade(false);
    expect(await attempt).toMatch(/AWS_IO_SOCKET_CLOSED/);
  });

  it('expired credentials: the live connection stays up, the next handshake is refused until a new sign-in', async () => {
    const own = await signIn(sim);
    const clientId = 'navien-client-expiry01';
    const live = client({ clientId, credentials: () => own });
    await live.connect();
    await live.subscribe(`cmd/52/navilink-${MAC}/#`);
    expect(sim.faults.expireCredentials()).toBeGreaterThanOrEqual(1);

    await expect(client({ credentials: () => own }).connect()).rejects.toMatch(/WEBSOCKET_UPGRADE_FAILURE/);
    expect(sim.counters().handshakesRejected['expired-credentials']).toBeGreaterThanOrEqual(1);
    expect(await statusRoundTrip(live, clientId)).toBe(true);
    expect(live.events).toEqual([]);

    creds = await signIn(sim);
    expect(await client().connect()).toBe(false);
  });

  it('kick: the client is closed as a duplicate-client-id takeover would close it', async () => {
    const crt = client({ clientId: 'navien-ha-36283-kick' });
    await crt.connect();
    expect(sim.faults.kickClient('navien-ha-36283-kick')).toBe(true);
    expect((await crt.waitForEvent('interrupt'))?.error).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(sim.counters().disconnects.kicked).toBeGreaterThanOrEqual(1);
    expect(sim.faults.kickClient('nobody')).toBe(false);
  });
});

describe('device faults seen by a real aws-crt client', () => {
  it('offline device: requests get no reply until it is back online', async () => {
    const clientId = 'navien-client-offline1';
    const crt = client({ clientId });
    await crt.connect();
    await crt.subscribe(`cmd/52/navilink-${MAC}/#`);
    sim.faults.setDeviceOnline(MAC, false);
    expect(await statusRoundTrip(crt, clientId, 1000)).toBe(false);
    expect(sim.device(MAC)?.receivedCommands().at(-1)?.outcome).toBe('offline');
    sim.faults.setDeviceOnline(MAC, true);
    expect(await statusRoundTrip(crt, clientId)).toBe(true);
  });

  it('malformed payloads reach a subscriber of the device topic', async () => {
    const crt = client();
    await crt.connect();
    await crt.subscribe(`cmd/52/navilink-${MAC}/#`);
    const topic = sim.faults.sendMalformed(MAC, 'truncated-json');
    expect(topic).toMatch(new RegExp(`^cmd/52/navilink-${MAC}/`));
    const received = await crt.waitForMessage((message) => message.topic === topic);
    expect(() => JSON.parse(received.payload.toString('utf8'))).toThrow();
    sim.faults.sendMalformed(MAC, 'wrong-types');
    const typed = await crt.waitForMessage((message) => message.payload.includes('"dhwTemperature":"hot"'));
    expect(JSON.parse(typed.payload.toString('utf8')).response.status.dhwOperationSetting).toBe('eco');
    expect(sim.faults.sendMalformed('ffffffffffff')).toBeUndefined();
  });

  it('oversized payloads (> 128 KB) reach a subscriber of the device topic', async () => {
    const crt = client();
    await crt.connect();
    await crt.subscribe(`cmd/52/navilink-${MAC}/#`);
    const topic = sim.faults.sendOversized(MAC);
    const received = await crt.waitForMessage((message) => message.topic === topic);
    expect(received.payload.length).toBeGreaterThan(128 * 1024);
    expect(JSON.parse(received.payload.toString('utf8')).response.status.command).toBe(16777219);
  });
});
