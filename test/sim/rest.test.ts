import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { postJson } from './helpers/rest.js';

const MAC = '04786332fca0';
const clock = new ManualClock(Date.UTC(2026, 2, 1));
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({
    clock,
    autoTick: false,
    authenticationExpiresIn: 600,
    authorizationExpiresIn: 900,
    refreshTokenExpiresIn: 7200,
    devices: [{ macAddress: MAC, deviceName: 'Garage', additionalValue: '5322' }],
  });
});

afterAll(async () => {
  await sim.close();
});

const url = (path: string) => `${sim.restUrl}${path}`;
const credentials = () => ({ userId: sim.account.email, password: sim.account.password });

async function signInData(): Promise<{ token: Record<string, unknown>; userInfo: Record<string, unknown> }> {
  const { json } = await postJson(url('/user/sign-in'), credentials());
  return json.data as { token: Record<string, unknown>; userInfo: Record<string, unknown> };
}

async function accessToken(): Promise<string> {
  return String((await signInData()).token.accessToken);
}

describe('POST /user/sign-in', () => {
  it('returns user info, JWTs and a temporary AWS credential set with the configured lifetimes', async () => {
    const { status, json } = await postJson(url('/user/sign-in'), credentials());
    expect(status).toBe(200);
    expect(json).toMatchObject({ code: 200, msg: 'SUCCESS' });
    const data = json.data as Record<string, Record<string, unknown>>;
    expect(data.userInfo).toEqual({
      userType: 'O',
      userFirstName: sim.account.firstName,
      userLastName: sim.account.lastName,
      userStatus: 'NORMAL',
      userSeq: sim.account.userSeq,
    });
    expect(data.legal).toEqual([]);
    const token = data.token ?? {};
    expect(Object.keys(token).sort()).toEqual(
      [
        'accessKeyId',
        'accessToken',
        'authenticationExpiresIn',
        'authorizationExpiresIn',
        'idToken',
        'refreshToken',
        'secretKey',
        'sessionToken',
      ].sort(),
    );
    expect(token.idToken).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(token.accessToken).toMatch(/^eyJ/);
    expect(token.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(String(token.secretKey)).toHaveLength(40);
    expect(String(token.sessionToken).length).toBeGreaterThan(100);
    expect(token.authenticationExpiresIn).toBe(600);
    expect(token.authorizationExpiresIn).toBe(900);
  });

  it('issues a new AWS credential set on every sign-in and counts them', async () => {
    const before = sim.counters().signIns;
    const first = await signInData();
    const second = await signInData();
    expect(second.token.accessKeyId).not.toBe(first.token.accessKeyId);
    expect(second.token.sessionToken).not.toBe(first.token.sessionToken);
    expect(sim.counters().signIns).toBe(before + 2);
  });

  it('answers a wrong password or e-mail with code 401 Invalid credentials', async () => {
    const failuresBefore = sim.counters().signInFailures;
    for (const body of [
      { userId: sim.account.email, password: 'wrong' },
      { userId: 'someone@example.com', password: sim.account.password },
    ]) {
      const { status, json } = await postJson(url('/user/sign-in'), body);
      expect(status).toBe(200);
      expect(json).toEqual({ code: 401, msg: 'Invalid credentials', data: null });
    }
    expect(sim.counters().signInFailures).toBe(failuresBefore + 2);
  });

  it('answers malformed JSON, missing fields and wrong types with a 400 envelope', async () => {
    for (const body of [
      '{"userId": "demo@example.com", ',
      '',
      { userId: sim.account.email },
      { userId: 5, password: 'x' },
    ]) {
      const { status, json } = await postJson(url('/user/sign-in'), body);
      expect(status).toBe(400);
      expect(json).toEqual({ code: 400, msg: 'BAD_REQUEST', data: null });
    }
  });

  it('refuses an oversized body with 413', async () => {
    const { status, json } = await postJson(url('/user/sign-in'), {
      userId: 'x'.repeat(70_000),
      password: 'y',
    });
    expect(status).toBe(413);
    expect(json.code).toBe(413);
  });
});

describe('POST /auth/refresh', () => {
  it('returns new JWTs directly in data, without AWS credentials', async () => {
    const { token } = await signInData();
    const { json } = await postJson(url('/auth/refresh'), { refreshToken: token.refreshToken });
    expect(json.code).toBe(200);
    const data = json.data as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual([
      'accessToken',
      'authenticationExpiresIn',
      'idToken',
      'refreshToken',
    ]);
    expect(data.accessToken).not.toBe(token.accessToken);
    const list = await postJson(
      url('/device/list'),
      { offset: 0, count: 20, userId: sim.account.email },
      { authorization: String(data.accessToken) },
    );
    expect(list.json.code).toBe(200);
  });

  it('answers an unknown refresh token with code 401', async () => {
    const before = sim.counters().refreshFailures;
    const { json } = await postJson(url('/auth/refresh'), { refreshToken: 'eyJnope.nope.nope' });
    expect(json.code).toBe(401);
    expect(json.data).toBeNull();
    expect(sim.counters().refreshFailures).toBe(before + 1);
  });

  it('answers a missing refresh token with 400', async () => {
    const { status, json } = await postJson(url('/auth/refresh'), {});
    expect(status).toBe(400);
    expect(json.code).toBe(400);
  });
});

describe('device routes', () => {
  it('lists devices with deviceInfo and a location to redact', async () => {
    const token = await accessToken();
    const { json } = await postJson(
      url('/device/list'),
      { offset: 0, count: 20, userId: sim.account.email },
      { authorization: token },
    );
    expect(json.code).toBe(200);
    const [entry] = json.data as Array<{
      deviceInfo: Record<string, unknown>;
      location: Record<string, unknown>;
    }>;
    expect(entry?.deviceInfo).toEqual({
      homeSeq: expect.any(Number),
      macAddress: MAC,
      additionalValue: '5322',
      deviceType: 52,
      deviceName: 'Garage',
      connected: 2,
      installType: 'R',
    });
    expect(entry?.location).toMatchObject({
      state: expect.any(String),
      city: expect.any(String),
      address: expect.any(String),
      latitude: expect.any(Number),
      longitude: expect.any(Number),
    });
  });

  it('requires the bare access token in a lowercase authorization header', async () => {
    const token = await accessToken();
    const body = { offset: 0, count: 20, userId: sim.account.email };
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: `Bearer ${token}` },
      { authorization: 'garbage' },
    ];
    for (const headers of attempts) {
      const { json } = await postJson(url('/device/list'), body, headers);
      expect(json).toEqual({ code: 401, msg: 'Unauthorized', data: null });
    }
    const ok = await postJson(url('/device/list'), body, { Authorization: token });
    expect(ok.json.code).toBe(200);
  });

  it('returns device info for a known MAC and NOT_FOUND for an unknown one', async () => {
    const token = await accessToken();
    const known = await postJson(
      url('/device/info'),
      { macAddress: MAC, additionalValue: '5322', userId: sim.account.email },
      { authorization: token },
    );
    expect(known.json.code).toBe(200);
    expect(known.json.data).toMatchObject({ deviceInfo: { macAddress: MAC, deviceType: 52 }, location: {} });
    const unknown = await postJson(
      url('/device/info'),
      { macAddress: '0000000000ff', additionalValue: '5322', userId: sim.account.email },
      { authorization: token },
    );
    expect(unknown.json).toEqual({ code: 404, msg: 'NOT_FOUND', data: null });
  });

  it('returns firmware entries for the controller, panel and Wi-Fi module', async () => {
    const token = await accessToken();
    const { json } = await postJson(
      url('/device/firmware/info'),
      { macAddress: MAC, additionalValue: '5322', userId: sim.account.email },
      { authorization: token },
    );
    expect(json.code).toBe(200);
    const { firmwares } = json.data as { firmwares: Array<Record<string, unknown>> };
    expect(firmwares.map((firmware) => firmware.curSwCode)).toEqual([1, 2, 4]);
    for (const firmware of firmwares) {
      expect(firmware).toMatchObject({ macAddress: MAC, deviceType: 52, curVersion: expect.any(Number) });
    }
  });

  it('lists firmware the unit has downloaded but not installed', async () => {
    const token = await accessToken();
    const device = sim.device(MAC);
    device?.setDownloadedFirmware(4, 34078720);
    try {
      const { json } = await postJson(
        url('/device/firmware/info'),
        { macAddress: MAC, additionalValue: '5322', userId: sim.account.email },
        { authorization: token },
      );
      const { firmwares } = json.data as { firmwares: Array<Record<string, unknown>> };
      expect(firmwares.map((firmware) => firmware.downloadedVersion)).toEqual([null, null, 34078720]);
    } finally {
      device?.setDownloadedFirmware(4, null);
    }
  });

  it('answers GET /device/tou with the registered plan for the controller serial, and refuses others', async () => {
    const token = await accessToken();
    const serial = sim.device(MAC)?.controllerSerialNumber ?? '';
    const query = (controllerId: string) =>
      new URLSearchParams({
        additionalValue: '5322',
        controllerId,
        macAddress: MAC,
        userId: sim.account.email,
        userType: 'O',
      }).toString();
    const answer = await fetch(url(`/device/tou?${query(serial)}`), { headers: { authorization: token } });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { code: number; data: Record<string, unknown> };
    expect(body.code).toBe(200);
    expect(body.data).toMatchObject({
      registerPath: 'wifi',
      sourceType: 'openei',
      touInfo: {
        controllerId: serial,
        utility: expect.any(String),
        name: expect.any(String),
        schedule: [{ season: 4095, interval: expect.any(Array) }],
      },
    });
    const other = await fetch(url(`/device/tou?${query('SOMEONE-ELSE')}`), {
      headers: { authorization: token },
    });
    expect(((await other.json()) as { code: number }).code).toBe(404);
    const unauthorised = await fetch(url(`/device/tou?${query(serial)}`));
    expect(((await unauthorised.json()) as { code: number }).code).toBe(401);
    const post = await postJson(url('/device/tou'), {}, { authorization: token });
    expect(post.status).toBe(405);
  });

  it('rejects a device route body with wrong types with 400', async () => {
    const token = await accessToken();
    const { status, json } = await postJson(
      url('/device/info'),
      { macAddress: 42, userId: sim.account.email },
      { authorization: token },
    );
    expect(status).toBe(400);
    expect(json.code).toBe(400);
  });

  it('shows an offline device as connected 1', async () => {
    const token = await accessToken();
    sim.faults.setDeviceOnline(MAC, false);
    try {
      const { json } = await postJson(
        url('/device/list'),
        { offset: 0, count: 20, userId: sim.account.email },
        { authorization: token },
      );
      const [entry] = json.data as Array<{ deviceInfo: { connected: number } }>;
      expect(entry?.deviceInfo.connected).toBe(1);
    } finally {
      sim.faults.setDeviceOnline(MAC, true);
    }
  });
});

describe('token lifetimes', () => {
  it('expires access tokens after authenticationExpiresIn, while the refresh token still works', async () => {
    const { token } = await signInData();
    const body = { offset: 0, count: 20, userId: sim.account.email };
    clock.advance(601_000);
    const expired = await postJson(url('/device/list'), body, { authorization: String(token.accessToken) });
    expect(expired.json.code).toBe(401);
    const refreshed = await postJson(url('/auth/refresh'), { refreshToken: token.refreshToken });
    expect(refreshed.json.code).toBe(200);
    clock.advance(7200_000);
    const late = await postJson(url('/auth/refresh'), { refreshToken: token.refreshToken });
    expect(late.json.code).toBe(401);
  });

  it('expires every access token at once on the fault control', async () => {
    const token = await accessToken();
    const body = { offset: 0, count: 20, userId: sim.account.email };
    expect(sim.faults.expireAccessTokens()).toBeGreaterThan(0);
    const { json } = await postJson(url('/device/list'), body, { authorization: token });
    expect(json.code).toBe(401);
  });
});

describe('routing and outages', () => {
  it('answers an unknown route with HTTP 404 NOT_FOUND', async () => {
    for (const path of [
      `${sim.restUrl}/nope`,
      `${sim.restUrl.replace('/api/v2.1', '')}/api/v1/user/sign-in`,
    ]) {
      const { status, json } = await postJson(path, {});
      expect(status).toBe(404);
      expect(json).toEqual({ code: 404, msg: 'NOT_FOUND', data: null });
    }
  });

  it('answers a GET on a POST route with 405', async () => {
    const response = await fetch(url('/user/sign-in'));
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ code: 405 });
  });

  it('answers 503 on every API route during a REST outage', async () => {
    sim.faults.restOutage(true);
    try {
      const { status, json } = await postJson(url('/user/sign-in'), credentials());
      expect(status).toBe(503);
      expect(json.code).toBe(503);
    } finally {
      sim.faults.restOutage(false);
    }
    expect((await postJson(url('/user/sign-in'), credentials())).json.code).toBe(200);
  });
});

describe('http-status error style', () => {
  it('also sets the HTTP status to the envelope code', async () => {
    const strict = await startSimulator({ restErrorStyle: 'http-status', autoTick: false });
    try {
      const { status, json } = await postJson(`${strict.restUrl}/user/sign-in`, {
        userId: strict.account.email,
        password: 'wrong',
      });
      expect(status).toBe(401);
      expect(json.code).toBe(401);
    } finally {
      await strict.close();
    }
  });
});
