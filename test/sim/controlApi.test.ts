import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { postJson } from './helpers/rest.js';

const MAC = '04786332fca0';
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ autoTick: false, devices: [{ macAddress: MAC }] });
});

afterAll(async () => {
  await sim.close();
});

async function control(
  path: string,
  method = 'POST',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.controlUrl}${path}`, { method });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /_sim/state', () => {
  it('reports counters, clients, faults and each device with its raw status', async () => {
    const { status, body } = await control('/state', 'GET');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      restUrl: sim.restUrl,
      mqttUrl: sim.mqttUrl,
      clients: [],
      faults: { blackhole: false, refuseConnections: false, hangUpgrade: false, restOutage: false },
      counters: { signIns: 0 },
    });
    const devices = body.devices as Array<Record<string, unknown>>;
    expect(devices[0]).toMatchObject({
      macAddress: MAC,
      online: true,
      status: { dhwTemperatureSetting: 120 },
    });
  });

  it('refuses other methods', async () => {
    expect((await control('/state', 'POST')).status).toBe(405);
  });
});

describe('POST /_sim/faults/<name>', () => {
  it('switches the blackhole on and off', async () => {
    expect((await control('/faults/blackhole?on=1')).body).toEqual({ ok: true, on: true });
    expect(sim.faults.state().blackhole).toBe(true);
    expect((await control('/faults/blackhole?on=off')).body).toEqual({ ok: true, on: false });
    expect(sim.faults.state().blackhole).toBe(false);
  });

  it('takes a device offline and back', async () => {
    await control(`/faults/device-online?mac=${MAC}&on=0`);
    expect(sim.device(MAC)?.online).toBe(false);
    await control(`/faults/device-online?mac=${MAC}&on=1`);
    expect(sim.device(MAC)?.online).toBe(true);
    expect((await control('/faults/device-online?mac=ffffffffffff&on=0')).status).toBe(404);
  });

  it('sets the maximum connection lifetime and runs hang-up, reset and credential expiry', async () => {
    expect((await control('/faults/max-lifetime?ms=5000')).body).toEqual({ ok: true, ms: 5000 });
    expect(sim.faults.state().maxConnectionLifetimeMs).toBe(5000);
    expect((await control('/faults/hangup')).body).toEqual({ ok: true, closed: 0 });
    expect((await control('/faults/reset')).body).toEqual({ ok: true, closed: 0 });
    expect((await control('/faults/expire-credentials')).body).toMatchObject({ ok: true });
  });

  it('puts the REST API into an outage while the control API keeps answering', async () => {
    await control('/faults/rest-outage?on=1');
    try {
      const signIn = await postJson(`${sim.restUrl}/user/sign-in`, {
        userId: sim.account.email,
        password: 'x',
      });
      expect(signIn.status).toBe(503);
      expect((await control('/state', 'GET')).status).toBe(200);
    } finally {
      await control('/faults/rest-outage?on=0');
    }
  });

  it('answers a bad query with 400, an unknown fault with 404 and a GET with 405', async () => {
    for (const path of [
      '/faults/blackhole',
      '/faults/blackhole?on=maybe',
      '/faults/device-online?mac=xyz&on=1',
      `/faults/malformed?mac=${MAC}&kind=bogus`,
      '/faults/max-lifetime?ms=-1',
      '/faults/kick',
    ]) {
      const { status, body } = await control(path);
      expect(status, path).toBe(400);
      expect(body.ok).toBe(false);
    }
    expect((await control('/faults/self-destruct')).status).toBe(404);
    expect((await control('/faults/hangup', 'GET')).status).toBe(405);
  });

  it('publishes malformed and oversized payloads for a known device', async () => {
    expect((await control(`/faults/malformed?mac=${MAC}&kind=not-json`)).body).toEqual({
      ok: true,
      kind: 'not-json',
    });
    expect((await control(`/faults/oversized?mac=${MAC}&bytes=140000`)).body).toEqual({
      ok: true,
      bytes: 140000,
    });
  });

  it('publishes junk of each kind on a given topic, and refuses a wildcard topic', async () => {
    for (const kind of ['malformed', 'oversized', 'empty']) {
      expect((await control(`/faults/junk?kind=${kind}&topic=cmd/52/some-client/res/tou/rd`)).body).toEqual({
        ok: true,
        kind,
        topic: 'cmd/52/some-client/res/tou/rd',
      });
    }
    expect((await control('/faults/junk?kind=empty&topic=cmd/52/%23')).status).toBe(400);
    expect((await control('/faults/junk?kind=garbage&topic=a/b')).status).toBe(400);
    expect((await control('/faults/junk?kind=empty')).status).toBe(400);
  });
});

describe('GET /_sim/devices/<mac>/commands', () => {
  it('lists every command the device received, with its session id, and only newer ones after since', async () => {
    // Straight into the device, as a client publish on its ctrl topic arrives.
    const publish = (sessionID: string, param: number) =>
      sim.device(MAC)?.handleRequest(
        'ctrl',
        Buffer.from(
          JSON.stringify({
            clientID: 'c1',
            sessionID,
            request: {
              command: 33554464,
              deviceType: 52,
              macAddress: MAC,
              additionalValue: '5322',
              param: [param],
            },
          }),
        ),
        'c1',
      );
    const before = ((await control(`/devices/${MAC}/commands`, 'GET')).body.commands as unknown[]).length;
    publish('session-a', 110);
    publish('session-b', 112);
    const all = await control(`/devices/${MAC}/commands`, 'GET');
    expect(all.status).toBe(200);
    const commands = all.body.commands as Array<{ seq: number; sessionId: string; param: number[] }>;
    expect(commands.slice(before).map((c) => [c.sessionId, c.param])).toEqual([
      ['session-a', [110]],
      ['session-b', [112]],
    ]);
    const last = commands.at(-1)?.seq ?? 0;
    const newer = await control(`/devices/${MAC}/commands?since=${last - 1}`, 'GET');
    expect((newer.body.commands as Array<{ sessionId: string }>).map((c) => c.sessionId)).toEqual([
      'session-b',
    ]);
    expect((await control('/devices/aabbccddeeff/commands', 'GET')).status).toBe(404);
    expect((await control(`/devices/${MAC}/commands`, 'POST')).status).toBe(405);
    expect((await control(`/devices/${MAC}/commands?since=-1`, 'GET')).status).toBe(400);
  });
});
