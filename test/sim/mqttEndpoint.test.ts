import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { type CrtClientOptions, CrtTestClient } from './helpers/crtClient.js';
import { requestEnvelope } from './helpers/envelopes.js';
import { connectSilently } from './helpers/rawWs.js';
import { type SignInResult, signIn } from './helpers/rest.js';
import { waitFor } from './helpers/wait.js';

const MAC = '04786332fca0';
const clients: CrtTestClient[] = [];

function client(sim: Simulator, options: Partial<CrtClientOptions> & { creds: SignInResult }): CrtTestClient {
  const made = new CrtTestClient(sim, {
    clientId: `navien-client-${Math.random().toString(16).slice(2, 10)}`,
    transport: 'wss',
    credentials: () => options.creds,
    reconnectMinSec: 1,
    ...options,
  });
  clients.push(made);
  return made;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((made) => made.close()));
});

/** Sends a raw WebSocket upgrade request and resolves with the HTTP status it got. */
async function upgradeStatus(port: number, path: string, protocol = 'mqtt'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'),
        'Sec-WebSocket-Protocol': protocol,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('with the system clock', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ keepAlive: { minSecs: 1, maxSecs: 2 }, devices: [{ macAddress: MAC }] });
  });

  afterAll(async () => {
    await sim.close();
  });

  it('lets an aws-crt client signed with sign-in credentials connect over wss and get a status reply', async () => {
    const creds = await signIn(sim);
    const crt = client(sim, { creds, clientId: 'navien-client-wss00001' });
    expect(await crt.connect()).toBe(false);
    await crt.subscribe(`cmd/52/navilink-${MAC}/#`);
    const { topic, payload } = requestEnvelope(MAC, 'navien-client-wss00001', 'st', { command: 16777219 });
    await crt.publish(topic, payload);
    const reply = await crt.waitForMessage((message) =>
      message.topic.endsWith('/navien-client-wss00001/res'),
    );
    expect(reply.topic).toBe(`cmd/52/navilink-${MAC}/navien-client-wss00001/res`);
    const envelope = JSON.parse(reply.payload.toString('utf8'));
    expect(envelope).toMatchObject({
      clientID: 'navien-client-wss00001',
      requestTopic: topic,
      response: { command: 16777219, deviceType: 52, macAddress: MAC, status: { command: 16777219 } },
    });
    expect(envelope.response.status.dhwTemperatureSetting).toBe(120);
    expect(envelope.response.status).toHaveProperty('heLowerOnTDiffempSetting');
    // The device wildcard also carries the client's own request, as on the real cloud.
    expect(crt.messages.some((message) => message.topic === topic)).toBe(true);
  });

  it('serves the same protocol over plain ws://, and counts a client DISCONNECT as client-closed', async () => {
    const creds = await signIn(sim);
    const crt = client(sim, { creds, transport: 'ws', clientId: 'navien-client-ws000001' });
    await crt.connect();
    await crt.subscribe(`cmd/52/navilink-${MAC}/#`);
    const { topic, payload } = requestEnvelope(MAC, 'navien-client-ws000001', 'st/did', {
      command: 16777217,
    });
    await crt.publish(topic, payload);
    const reply = await crt.waitForMessage((message) => message.topic.endsWith('/res'));
    expect(JSON.parse(reply.payload.toString('utf8')).response.feature.dhwTemperatureMax).toBe(130);
    const closedBefore = sim.counters().disconnects['client-closed'];
    await crt.close();
    expect(await waitFor(() => sim.counters().disconnects['client-closed'] === closedBefore + 1, 3000)).toBe(
      true,
    );
    expect(sim.liveClientIds()).not.toContain('navien-client-ws000001');
  });

  it('refuses a handshake with credentials it never issued (HTTP 403)', async () => {
    const creds = await signIn(sim);
    const before = sim.counters().handshakesRejected['unknown-credentials'];
    const forged = { ...creds, accessKeyId: 'ASIAFORGED0000000000' };
    const crt = client(sim, { creds: forged });
    await expect(crt.connect()).rejects.toMatch(/AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE/);
    const wrongToken = client(sim, { creds: { ...creds, sessionToken: `${creds.sessionToken}x` } });
    await expect(wrongToken.connect()).rejects.toMatch(/AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE/);
    expect(sim.counters().handshakesRejected['unknown-credentials']).toBe(before + 2);
  });

  it('answers 403 without credentials, 404 off /mqtt and 400 without the mqtt subprotocol', async () => {
    const creds = await signIn(sim);
    const query = `X-Amz-Credential=${creds.accessKeyId}%2F20260101%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Security-Token=${encodeURIComponent(creds.sessionToken)}`;
    expect(await upgradeStatus(sim.ports.ws, '/mqtt')).toBe(403);
    expect(await upgradeStatus(sim.ports.ws, `/other?${query}`)).toBe(404);
    expect(await upgradeStatus(sim.ports.ws, `/mqtt?${query}`, 'chat')).toBe(400);
    expect(await upgradeStatus(sim.ports.ws, `/mqtt?${query}`)).toBe(101);
    const counters = sim.counters();
    expect(counters.handshakesRejected['missing-credentials']).toBeGreaterThanOrEqual(1);
    expect(counters.handshakesRejected['bad-path']).toBeGreaterThanOrEqual(1);
    expect(counters.handshakesRejected['bad-subprotocol']).toBeGreaterThanOrEqual(1);
  });

  it('kicks the first connection when a second one uses the same client id', async () => {
    const creds = await signIn(sim);
    const first = client(sim, { creds, clientId: 'navien-ha-36283-dup' });
    const second = client(sim, { creds, clientId: 'navien-ha-36283-dup', reconnectMinSec: 5 });
    await first.connect();
    const before = sim.counters().disconnects['duplicate-client-id'];
    await second.connect();
    const interrupt = await first.waitForEvent('interrupt');
    expect(interrupt?.error).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    await first.close();
    expect(await waitFor(() => sim.counters().disconnects['duplicate-client-id'] === before + 1, 3000)).toBe(
      true,
    );
    expect(sim.liveClientIds().filter((id) => id === 'navien-ha-36283-dup')).toHaveLength(1);
    expect(second.events.filter((event) => event.type === 'interrupt')).toEqual([]);
  });

  it('disconnects a client that publishes more than 128 KB, and only that client', async () => {
    const creds = await signIn(sim);
    const crt = client(sim, { creds });
    const bystander = client(sim, { creds });
    await crt.connect();
    await bystander.connect();
    await crt.publish('cmd/52/test/ok', Buffer.alloc(100 * 1024, 0x61));
    expect(crt.events).toEqual([]);
    crt.publish('cmd/52/test/big', Buffer.alloc(129 * 1024, 0x61)).catch(() => undefined);
    const interrupt = await crt.waitForEvent('interrupt');
    expect(interrupt?.error).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(sim.counters().disconnects['oversized-publish']).toBeGreaterThanOrEqual(1);
    expect(bystander.events).toEqual([]);
  });

  it('cuts a connection cleanly when it reaches the maximum lifetime', async () => {
    const creds = await signIn(sim);
    const crt = client(sim, { creds });
    sim.faults.setMaxConnectionLifetime(1500);
    try {
      await crt.connect();
      const connectedAt = Date.now();
      const interrupt = await crt.waitForEvent('interrupt', 5000);
      expect(interrupt?.error).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
      const lived = Date.now() - connectedAt;
      expect(lived).toBeGreaterThanOrEqual(1300);
      expect(lived).toBeLessThan(3500);
      expect(sim.counters().disconnects['max-lifetime']).toBeGreaterThanOrEqual(1);
    } finally {
      sim.faults.setMaxConnectionLifetime(86_400_000);
    }
  });

  it('drops a silent client after 1.5 × its keep-alive, clamping 0 and too-long requests', async () => {
    const creds = await signIn(sim);
    const before = sim.counters().disconnects['keepalive-timeout'];
    // Limits for this suite are 1–2 s: 1 s stays, 0 and 600 become 2 s.
    const short = await connectSilently(sim.mqttUrl, creds, 'silent-1', 1);
    const zero = await connectSilently(sim.mqttUrl, creds, 'silent-0', 0);
    const long = await connectSilently(sim.mqttUrl, creds, 'silent-600', 600);
    try {
      const [shortMs, zeroMs, longMs] = await Promise.all([
        short.closedAfterMs,
        zero.closedAfterMs,
        long.closedAfterMs,
      ]);
      expect(shortMs).toBeGreaterThanOrEqual(1400);
      expect(shortMs).toBeLessThan(2300);
      for (const ms of [zeroMs, longMs]) {
        expect(ms).toBeGreaterThanOrEqual(2900);
        expect(ms).toBeLessThan(4000);
      }
      const counted = await waitFor(
        () => sim.counters().disconnects['keepalive-timeout'] === before + 3,
        2000,
      );
      expect(counted).toBe(true);
    } finally {
      for (const silent of [short, zero, long]) silent.close();
    }
  });
});

describe('with a manual clock', () => {
  const clock = new ManualClock(Date.UTC(2026, 3, 1));
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({
      clock,
      autoTick: false,
      authorizationExpiresIn: 60,
      sessionExpiryMs: 600_000,
      devices: [{ macAddress: MAC }],
    });
  });

  afterAll(async () => {
    await sim.close();
  });

  it('refuses new handshakes once the AWS credentials expire but keeps the live connection', async () => {
    const creds = await signIn(sim);
    const live = client(sim, { creds, clientId: 'navien-client-live0001' });
    await live.connect();
    await live.subscribe(`cmd/52/navilink-${MAC}/#`);
    clock.advance(61_000);

    const late = client(sim, { creds });
    await expect(late.connect()).rejects.toMatch(/AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE/);
    expect(sim.counters().handshakesRejected['expired-credentials']).toBe(1);

    const { topic, payload } = requestEnvelope(MAC, 'navien-client-live0001', 'st', { command: 16777219 });
    await live.publish(topic, payload);
    await live.waitForMessage((message) => message.topic.endsWith('/res'));
    expect(live.events).toEqual([]);

    const fresh = client(sim, { creds: await signIn(sim) });
    expect(await fresh.connect()).toBe(false);
  });

  it('keeps a clean_session=false session across reconnects until it expires', async () => {
    const creds = await signIn(sim);
    const clientId = 'navien-ha-36283-persist';
    const first = client(sim, { creds, clientId, cleanSession: false });
    expect(await first.connect()).toBe(false);
    await first.subscribe(`cmd/52/navilink-${MAC}/#`);
    await first.close();

    const second = client(sim, { creds, clientId, cleanSession: false });
    expect(await second.connect()).toBe(true);
    await second.close();
    expect(await waitFor(() => !sim.liveClientIds().includes(clientId), 3000)).toBe(true);

    clock.advance(600_001);
    const third = client(sim, { creds: await signIn(sim), clientId, cleanSession: false });
    expect(await third.connect()).toBe(false);
  });
});
