// The REST observer: every answer reports the cloud's clock (Date header), every failure says the
// REST side was unreachable — what diagnostics use to tell "clock skew" and "cloud outage" apart.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, type RestObserver } from '../../src/navien/rest.js';
import { freePort } from '../helpers/ports.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(date: string | null): Promise<string> {
  server = createServer((_req, res) => {
    res.sendDate = false;
    if (date !== null) res.setHeader('date', date);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ code: 200, msg: 'SUCCESS', data: {} }));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function recorder() {
  const answers: Parameters<RestObserver['onRestAnswer']>[0][] = [];
  const failures: Parameters<RestObserver['onRestUnreachable']>[0][] = [];
  const observer: RestObserver = {
    onRestAnswer: (info) => answers.push(info),
    onRestUnreachable: (info) => failures.push(info),
  };
  return { observer, answers, failures };
}

describe('REST observer', () => {
  it("reports the cloud's Date header and our clock at the answer", async () => {
    const baseUrl = await serve('Wed, 02 Dec 2026 18:00:00 GMT');
    const { observer, answers, failures } = recorder();
    await postJson({ baseUrl, path: '/device/list', body: {}, observer, now: () => 1_800_000_000_000 });
    expect(failures).toEqual([]);
    expect(answers).toEqual([
      {
        path: '/device/list',
        status: 200,
        serverDateMs: Date.parse('2026-12-02T18:00:00Z'),
        localMs: 1_800_000_000_000,
      },
    ]);
  });

  it('reports a missing or unreadable Date header as null', async () => {
    const baseUrl = await serve('not a date');
    const { observer, answers } = recorder();
    await postJson({ baseUrl, path: '/x', body: {}, observer });
    expect(answers[0]?.serverDateMs).toBeNull();
  });

  it('reports a refused connection as unreachable, and still throws NAVIEN_NETWORK_ERROR', async () => {
    const port = await freePort();
    const { observer, answers, failures } = recorder();
    await expect(
      postJson({ baseUrl: `http://127.0.0.1:${port}`, path: '/user/sign-in', body: {}, observer }),
    ).rejects.toMatchObject({ name: 'NAVIEN_NETWORK_ERROR' });
    expect(answers).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.path).toBe('/user/sign-in');
  });
});
