import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsReportSchema } from '../../src/diagnostics/report.js';
import { errorBodySchema } from '../../src/http/errors.js';
import { healthBodySchema } from '../../src/http/health.js';
import { exportResultSchema } from '../../src/http/routes/diagnostics.js';
import { timelineSchema } from '../../src/http/timeline.js';
import { type Harness, rawRequest, startHarness } from './harness.js';

async function json(response: Response): Promise<unknown> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as unknown;
}

function expectErrorBody(body: string, error: string): void {
  const parsed = errorBodySchema.parse(JSON.parse(body));
  expect(parsed.error).toBe(error);
  expect(body).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames
}

describe('diagnostics HTTP server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  describe('GET /healthz', () => {
    it('answers 200 with the cloud, broker, sign-in and report-file states', async () => {
      const response = await fetch(`${h.url}/healthz`);
      expect(response.status).toBe(200);
      const body = healthBodySchema.parse(await json(response));
      expect(body.status).toBe('ok');
      expect(body.cloud).toMatchObject({ state: 'connected', connected: true });
      expect(body.local_broker.connected).toBe(true);
      expect(body.auth.state).toBe('signed_in');
      expect(body.report_file).toMatchObject({ state: 'pending', path: `${h.dir}/nwp500_diagnostics.json` });
    });

    it('stays 200 while the cloud is down, and says so in the body', async () => {
      h.health.cloud = { ...h.health.cloud, state: 'reconnecting', connected: false, reconnect_attempt: 3 };
      h.health.auth = { state: 'auth_failed' };
      try {
        const response = await fetch(`${h.url}/healthz`);
        expect(response.status).toBe(200);
        const body = healthBodySchema.parse(await response.json());
        expect(body.cloud).toMatchObject({ state: 'reconnecting', connected: false, reconnect_attempt: 3 });
        expect(body.auth.state).toBe('auth_failed');
      } finally {
        h.health.cloud = { ...h.health.cloud, state: 'connected', connected: true, reconnect_attempt: 0 };
        h.health.auth = { state: 'signed_in' };
      }
    });

    it('answers 503 exactly when health is unhealthy, with the reasons; degraded stays 200', async () => {
      const since = new Date(h.clock.now()).toISOString();
      const linkDown = {
        code: 'link_down',
        severity: 'unhealthy',
        message: 'the Navien cloud link has been down for 11 min',
        since,
      } as const;
      const authFailed = { code: 'auth_failed', severity: 'degraded', message: 'rejected', since } as const;
      try {
        h.health.health = { status: 'unhealthy', reasons: [linkDown] };
        const down = await fetch(`${h.url}/healthz`);
        expect(down.status).toBe(503);
        expect(healthBodySchema.parse(await down.json())).toMatchObject({
          status: 'unhealthy',
          reasons: [linkDown],
          process: { ok: false, problems: [linkDown.message] },
        });
        h.health.health = { status: 'degraded', reasons: [authFailed] };
        const degraded = await fetch(`${h.url}/healthz`);
        expect(degraded.status).toBe(200);
        expect(healthBodySchema.parse(await degraded.json())).toMatchObject({
          status: 'degraded',
          reasons: [authFailed],
          process: { ok: true, problems: [] },
        });
      } finally {
        h.health.health = { status: 'ok', reasons: [] };
      }
    });
  });

  describe('GET /api/diagnostics', () => {
    it('answers the full report, valid against the report schema', async () => {
      const response = await fetch(`${h.url}/api/diagnostics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toBeNull();
      const body = diagnosticsReportSchema.parse(await json(response));
      expect(body.metrics.total_connection_drops).toBe(10);
      expect(body.analysis.title.length).toBeGreaterThan(0);
      expect(body.devices[0]?.id).toMatch(/^dev-[0-9a-f]{8}$/);
      // The serializer keeps every key of the report, nested ones included (the clock stands still).
      expect(body).toEqual(JSON.parse(JSON.stringify(h.report())));
    });

    it('offers the same report as a file download with ?download=1', async () => {
      const response = await fetch(`${h.url}/api/diagnostics?download=1`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toMatch(
        /^attachment; filename="nwp500-diagnostics-\d{8}-\d{6}Z\.json"$/,
      );
      diagnosticsReportSchema.parse(await response.json());
    });

    it('refuses an unknown value of download with a 400 JSON error', async () => {
      const response = await rawRequest(`${h.url}/api/diagnostics?download=maybe`);
      expect(response.status).toBe(400);
      expectErrorBody(response.body, 'bad_request');
    });

    it('answers 500 JSON without a stack when building the report fails', async () => {
      h.reportOverride.fn = () => {
        throw new Error('boom in the report builder');
      };
      try {
        const response = await rawRequest(`${h.url}/api/diagnostics`);
        expect(response.status).toBe(500);
        expectErrorBody(response.body, 'internal_error');
        expect(response.body).not.toContain('boom');
        expect(h.log.text()).toContain('http handler failed');
        // The server keeps serving.
        h.reportOverride.fn = null;
        expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      } finally {
        h.reportOverride.fn = null;
      }
    });
  });

  describe('POST /api/diagnostics/export', () => {
    it('writes the report file now and answers its path, size and time', async () => {
      const response = await fetch(`${h.url}/api/diagnostics/export`, { method: 'POST' });
      expect(response.status).toBe(200);
      const body = exportResultSchema.parse(await json(response));
      expect(body.path).toBe(`${h.dir}/nwp500_diagnostics.json`);
      const text = await readFile(body.path, 'utf8');
      expect(Buffer.byteLength(text)).toBe(body.bytes);
      diagnosticsReportSchema.parse(JSON.parse(text));
      expect(body.written_at).toBe(new Date(h.clock.now()).toISOString().replace('Z', '+00:00'));
    });

    it('accepts an empty JSON object as the body', async () => {
      const response = await fetch(`${h.url}/api/diagnostics/export`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(200);
    });

    it('answers 400 to a malformed JSON body', async () => {
      const response = await rawRequest(`${h.url}/api/diagnostics/export`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"unterminated',
      });
      expect(response.status).toBe(400);
      expectErrorBody(response.body, 'bad_request');
    });

    it('answers 400 to a body that is not an empty object', async () => {
      for (const [type, body] of [
        ['application/json', '[1,2,3]'],
        ['application/json', '{"path":"/etc/passwd"}'],
        ['application/json', 'null'],
        ['text/plain', 'export please'],
      ]) {
        const response = await rawRequest(`${h.url}/api/diagnostics/export`, {
          method: 'POST',
          headers: { 'content-type': type as string },
          body,
        });
        expect(response.status, body).toBe(400);
        expectErrorBody(response.body, 'bad_request');
      }
    });

    it('answers 413 to a body over 16 KiB', async () => {
      const response = await rawRequest(`${h.url}/api/diagnostics/export`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ padding: 'x'.repeat(20 * 1024) }),
      });
      expect(response.status).toBe(413);
      expectErrorBody(response.body, 'payload_too_large');
    });

    it('answers 415 to a body type it does not read', async () => {
      const response = await rawRequest(`${h.url}/api/diagnostics/export`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect(response.status).toBe(415);
      expectErrorBody(response.body, 'unsupported_media_type');
    });
  });

  describe('GET /api/timeline', () => {
    it('answers by default the shortest range that holds the history (8 days of it: 30 days)', async () => {
      const response = await fetch(`${h.url}/api/timeline`);
      expect(response.status).toBe(200);
      const body = timelineSchema.parse(await json(response));
      expect(body.auto).toBe(true);
      expect(body.hours).toBe(720);
      expect(body.days).toBe(30);
      expect(body.oldest_ms).toBeLessThan(body.now_ms - 8 * 86_400_000);
      expect(body.now_ms).toBe(h.clock.now());
      expect(body.drops.length).toBeGreaterThanOrEqual(7);
      expect(body.drops.every((d) => d.at_ms >= body.from_ms)).toBe(true);
      expect(body.sessions.at(-1)?.end_ms).toBeNull();
    });

    it('takes days between 1 and 30 or hours between 1 and 720, and refuses anything else with 400', async () => {
      const one = timelineSchema.parse(await (await fetch(`${h.url}/api/timeline?days=1`)).json());
      expect(one.days).toBe(1);
      expect(one.auto).toBe(false);
      const hour = timelineSchema.parse(await (await fetch(`${h.url}/api/timeline?hours=1`)).json());
      expect(hour.hours).toBe(1);
      expect(hour.from_ms).toBe(hour.now_ms - 3_600_000);
      for (const bad of ['days=0', 'days=31', 'days=abc', 'days=2.5', 'hours=0', 'hours=721', 'hours=1.5']) {
        const response = await rawRequest(`${h.url}/api/timeline?${bad}`);
        expect(response.status, bad).toBe(400);
        expectErrorBody(response.body, 'bad_request');
      }
    });
  });

  describe('unknown paths and wrong methods', () => {
    it('answers 404 JSON to an unknown path', async () => {
      const response = await rawRequest(`${h.url}/nope/../etc/passwd?x=<script>`);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expectErrorBody(response.body, 'not_found');
    });

    it('answers 400 JSON to a malformed URL', async () => {
      const response = await rawRequest(`${h.url}/%zz`);
      expect(response.status).toBe(400);
      expectErrorBody(response.body, 'bad_request');
    });

    it('answers 405 with Allow to a known path asked with the wrong method', async () => {
      const cases: Array<[string, string, string]> = [
        ['DELETE', '/healthz', 'GET, HEAD'],
        ['PUT', '/', 'GET, HEAD'],
        ['GET', '/api/diagnostics/export', 'POST'],
        ['POST', '/metrics', 'GET, HEAD'],
        ['POST', '/api/diagnostics', 'GET, HEAD'],
        ['OPTIONS', '/', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const response = await rawRequest(`${h.url}${path}`, { method });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.allow).toBe(allow);
        expectErrorBody(response.body, 'method_not_allowed');
      }
    });

    it('sets nosniff, no-referrer and no-store on every answer', async () => {
      for (const path of ['/healthz', '/nope', '/metrics', '/']) {
        const response = await fetch(`${h.url}${path}`);
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(response.headers.get('referrer-policy')).toBe('no-referrer');
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });
  });
});

describe('under the Supervisor', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ supervised: true, host: '0.0.0.0' });
  });
  afterAll(async () => {
    await h.close();
  });
  const port = () => new URL(h.url).port;

  it('serves loopback (the container itself)', async () => {
    const response = await rawRequest(`http://127.0.0.1:${port()}/healthz`, { localAddress: '127.0.0.1' });
    expect(response.status).toBe(200);
  });

  it('refuses any other source address with 403 JSON, on every path', async () => {
    for (const path of ['/healthz', '/', '/metrics', '/api/diagnostics', '/nope']) {
      const response = await rawRequest(`http://127.0.0.1:${port()}${path}`, { localAddress: '127.0.0.2' });
      expect(response.status, path).toBe(403);
      expectErrorBody(response.body, 'forbidden');
    }
    const refused = await rawRequest(`http://127.0.0.1:${port()}/api/diagnostics/export`, {
      method: 'POST',
      localAddress: '127.0.0.2',
    });
    expect(refused.status).toBe(403);
  });

  it('ignores X-Forwarded-For and X-Real-IP claiming to be the ingress proxy', async () => {
    const response = await rawRequest(`http://127.0.0.1:${port()}/api/diagnostics`, {
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-for': '172.30.32.2', 'x-real-ip': '172.30.32.2', forwarded: 'for=172.30.32.2' },
    });
    expect(response.status).toBe(403);
  });

  it('logs the first refusal at warn and later ones at debug only', async () => {
    const warnings = h.log
      .records()
      .filter((r) => r.level === 40 && String(r.msg).includes('refused an HTTP request'));
    expect(warnings).toHaveLength(1);
    expect(
      h.log.records().filter((r) => r.level === 20 && String(r.msg).includes('refused an HTTP request'))
        .length,
    ).toBeGreaterThan(0);
  });
});

describe('with an injected allow-list', () => {
  it('accepts exactly the listed peers', async () => {
    const h = await startHarness({ supervised: true, allowedSources: ['127.0.0.2'], host: '0.0.0.0' });
    try {
      const port = new URL(h.url).port;
      expect(
        (await rawRequest(`http://127.0.0.1:${port}/healthz`, { localAddress: '127.0.0.2' })).status,
      ).toBe(200);
      expect(
        (await rawRequest(`http://127.0.0.1:${port}/healthz`, { localAddress: '127.0.0.1' })).status,
      ).toBe(403);
    } finally {
      await h.close();
    }
  });

  it('serves everyone when not supervised (a plain docker run or the demo)', async () => {
    const h = await startHarness({ supervised: false, host: '0.0.0.0' });
    try {
      const port = new URL(h.url).port;
      expect(
        (await rawRequest(`http://127.0.0.1:${port}/healthz`, { localAddress: '127.0.0.2' })).status,
      ).toBe(200);
    } finally {
      await h.close();
    }
  });
});
