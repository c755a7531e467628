import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOptions, type Options } from '../../src/config/options.js';
import { resolveBrokerSettings } from '../../src/config/supervisor.js';
import { captureLog } from '../helpers/logCapture.js';

/** A local stand-in for the HA Supervisor API, answering as its docs describe. */
async function fakeSupervisor(
  answer: (req: IncomingMessage, res: ServerResponse, call: number) => void,
): Promise<{ url: string; server: Server; calls: () => number; auth: string[] }> {
  let calls = 0;
  const auth: string[] = [];
  const server = createServer((req, res) => {
    calls++;
    auth.push(String(req.headers.authorization));
    answer(req, res, calls);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server, calls: () => calls, auth };
}

const mosquittoService = {
  result: 'ok',
  data: {
    addon: 'core_mosquitto',
    host: 'core-mosquitto',
    port: 1883,
    ssl: false,
    protocol: '3.1.1',
    username: 'addons',
    password: 'service-password',
  },
};

async function options(extra: Record<string, unknown> = {}): Promise<Options> {
  const result = await loadOptions({ env: {}, readText: async () => JSON.stringify(extra) });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.options;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('local broker settings', () => {
  it('uses the Supervisor MQTT service, with the token as a Bearer header', async () => {
    const sup = await fakeSupervisor((req, res) => {
      expect(req.url).toBe('/services/mqtt');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(mosquittoService));
    });
    servers.push(sup.server);
    const log = captureLog('info');
    const settings = await resolveBrokerSettings(await options(), {
      env: { SUPERVISOR_TOKEN: 'tok-123' },
      log: log.logger,
      supervisorUrl: sup.url,
    });
    expect(settings).toEqual({
      host: 'core-mosquitto',
      port: 1883,
      ssl: false,
      username: 'addons',
      password: 'service-password',
      source: 'supervisor',
    });
    expect(sup.auth).toEqual(['Bearer tok-123']);
    expect(log.text()).toContain('local MQTT broker from the Supervisor MQTT service');
  });

  it('accepts the port as a string, as the Supervisor docs type it', async () => {
    const sup = await fakeSupervisor((_req, res) =>
      res.end(JSON.stringify({ result: 'ok', data: { ...mosquittoService.data, port: '1884', ssl: true } })),
    );
    servers.push(sup.server);
    const settings = await resolveBrokerSettings(await options(), {
      env: { SUPERVISOR_TOKEN: 't' },
      log: captureLog().logger,
      supervisorUrl: sup.url,
    });
    expect(settings).toMatchObject({ port: 1884, ssl: true, source: 'supervisor' });
  });

  it('retries a failing lookup with backoff and ignores a misleading "available" flag', async () => {
    const sup = await fakeSupervisor((_req, res, call) => {
      if (call < 3) {
        res.statusCode = 503;
        res.end(JSON.stringify({ result: 'error', message: 'Service not enabled' }));
        return;
      }
      res.end(JSON.stringify({ result: 'ok', data: { ...mosquittoService.data, available: false } }));
    });
    servers.push(sup.server);
    const sleeps: number[] = [];
    const log = captureLog('info');
    const settings = await resolveBrokerSettings(await options(), {
      env: { SUPERVISOR_TOKEN: 't' },
      log: log.logger,
      supervisorUrl: sup.url,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });
    expect(settings.source).toBe('supervisor');
    expect(sup.calls()).toBe(3);
    expect(sleeps).toEqual([1000, 2000]);
    expect(log.text()).toContain('Supervisor MQTT service lookup failed; retrying');
  });

  it('lets explicit mqtt_* options win over the Supervisor answer', async () => {
    const sup = await fakeSupervisor((_req, res) => res.end(JSON.stringify(mosquittoService)));
    servers.push(sup.server);
    const settings = await resolveBrokerSettings(
      await options({ mqtt_username: 'me', mqtt_password: 'mine' }),
      {
        env: { SUPERVISOR_TOKEN: 't' },
        log: captureLog().logger,
        supervisorUrl: sup.url,
      },
    );
    expect(settings).toMatchObject({
      host: 'core-mosquitto',
      username: 'me',
      password: 'mine',
      source: 'supervisor',
    });
  });

  it('does not ask the Supervisor when mqtt_host is set', async () => {
    const sup = await fakeSupervisor((_req, res) => res.end(JSON.stringify(mosquittoService)));
    servers.push(sup.server);
    const log = captureLog('info');
    const settings = await resolveBrokerSettings(await options({ mqtt_host: '10.0.0.5', mqtt_port: 1884 }), {
      env: { SUPERVISOR_TOKEN: 't' },
      log: log.logger,
      supervisorUrl: sup.url,
    });
    expect(settings).toEqual({ host: '10.0.0.5', port: 1884, ssl: false, source: 'options' });
    expect(sup.calls()).toBe(0);
    expect(log.text()).toContain('local MQTT broker from the add-on options');
  });

  it('falls back to the Mosquitto add-on address after the last failed attempt', async () => {
    const sup = await fakeSupervisor((_req, res) => res.end('not json'));
    servers.push(sup.server);
    const log = captureLog('info');
    const settings = await resolveBrokerSettings(await options(), {
      env: { SUPERVISOR_TOKEN: 't' },
      log: log.logger,
      supervisorUrl: sup.url,
      attempts: 2,
      sleep: async () => undefined,
    });
    expect(settings).toEqual({ host: 'core-mosquitto', port: 1883, ssl: false, source: 'default' });
    expect(sup.calls()).toBe(2);
    expect(log.text()).toContain('the Supervisor did not name an MQTT broker');
  });

  it('never logs the broker password it received', async () => {
    const sup = await fakeSupervisor((_req, res) => res.end(JSON.stringify(mosquittoService)));
    servers.push(sup.server);
    const log = captureLog('trace');
    await resolveBrokerSettings(await options(), {
      env: { SUPERVISOR_TOKEN: 't' },
      log: log.logger,
      supervisorUrl: sup.url,
    });
    expect(log.text()).not.toContain('service-password');
  });
});
