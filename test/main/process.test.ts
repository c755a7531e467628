// The bridge as the add-on runs it: its own process, the simulated cloud, a real Mosquitto. Covers
// start-up, SIGTERM, kill -9 (the broker's LWT), bad options, a wrong password, and the promise
// that no secret leaves the process.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsReportSchema } from '../../src/diagnostics/report.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { Observer } from '../ha/observer.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { type BridgeProcess, eventually, startBridgeProcess } from './bridgeProcess.js';

interface Health {
  status: string;
  cloud: { connected: boolean; state: string };
  local_broker: { connected: boolean };
  auth: { state: string };
}

const MAC = '04786332fca0';
let broker: TestBroker;
let sim: Simulator;
let bridge: BridgeProcess | undefined;
let observer: Observer | undefined;

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.close();
});
afterEach(async () => {
  await bridge?.close();
  await observer?.close();
  await sim?.close();
  bridge = undefined;
  observer = undefined;
});

async function healthy(b: BridgeProcess): Promise<Health> {
  return eventually('the bridge connected to the cloud and the broker', async () => {
    const { body } = await b.http<Health>('/healthz');
    return body.cloud?.connected && body.local_broker?.connected ? body : undefined;
  });
}

describe('the bridge process', () => {
  it('runs against the cloud and a real Mosquitto, and on SIGTERM leaves "offline" and exits 0', async () => {
    sim = await startSimulator();
    observer = await Observer.connect(broker.url, ['nwp500/#']);
    bridge = await startBridgeProcess({ sim, broker });
    await healthy(bridge);
    await observer.waitForPayload('nwp500/bridge/availability', 'online');
    await eventually('the device state', async () => observer?.last(`nwp500/${MAC}/state`));
    await observer.waitForPayload(`nwp500/${MAC}/availability`, 'online');
    const started = Date.now();
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toBe(0);
    // aws-crt's native threads must not hold the process (or abort it) on the way out.
    expect(Date.now() - started).toBeLessThan(10_000);
    await observer.waitForPayload('nwp500/bridge/availability', 'offline');
    expect(bridge.stdout()).toContain('nwp500-bridge stopped');
  });

  it('after kill -9, the broker tells HA it is offline (LWT), and a restart brings everything back', async () => {
    sim = await startSimulator();
    bridge = await startBridgeProcess({ sim, broker });
    await healthy(bridge);
    observer = await Observer.connect(broker.url, ['nwp500/bridge/availability']);
    await observer.waitForPayload('nwp500/bridge/availability', 'online');
    bridge.child.kill('SIGKILL');
    await bridge.exited;
    await observer.waitForPayload('nwp500/bridge/availability', 'offline', 10_000);
    const restarted = await startBridgeProcess({
      sim,
      broker,
      dataDir: bridge.dataDir,
      configDir: bridge.configDir,
    });
    try {
      await healthy(restarted);
      await eventually(
        'online again after the restart',
        async () => observer?.last('nwp500/bridge/availability') === 'online',
      );
      // The restart reused the saved session: no second sign-in.
      expect(sim.counters().signIns).toBe(1);
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
      await restarted.close();
    }
  });

  it('exits with status 2 and one clear line per bad option, never printing the password', async () => {
    sim = await startSimulator();
    bridge = await startBridgeProcess({
      sim,
      broker,
      env: {
        NWP500_KEEP_ALIVE_SECS: '5',
        NWP500_LOG_LEVEL: 'loud',
        NAVIEN_PASSWORD: 'pw-that-must-not-leak',
      },
    });
    expect(await bridge.exited).toBe(2);
    expect(bridge.stderr().trim().split('\n')).toEqual([
      'option keep_alive_secs: must be a whole number between 30 and 1200 (got 5)',
      'option log_level: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ]);
    expect(bridge.stdout() + bridge.stderr()).not.toContain('pw-that-must-not-leak');
  });

  it('exits with status 2 when the NaviLink account is missing', async () => {
    sim = await startSimulator();
    bridge = await startBridgeProcess({ sim, broker, env: { NAVIEN_EMAIL: '', NAVIEN_PASSWORD: '' } });
    expect(await bridge.exited).toBe(2);
    expect(bridge.stderr()).toContain('option email: is required');
  });

  it('with a wrong password keeps serving HTTP, says auth_failed, and does not storm the cloud', async () => {
    sim = await startSimulator();
    bridge = await startBridgeProcess({ sim, broker, env: { NAVIEN_PASSWORD: 'not-the-password' } });
    const b = bridge;
    await eventually('auth_failed on /healthz', async () => {
      const { status, body } = await b.http<Health>('/healthz');
      return status === 200 && body.auth.state === 'auth_failed' && body.local_broker.connected;
    });
    await new Promise((r) => setTimeout(r, 5_000));
    const { status, body } = await b.http<Health>('/healthz');
    expect(status).toBe(200);
    expect(body.cloud.state).toBe('auth_failed');
    // At most one sign-in per backoff step (the first step is a minute).
    expect(sim.counters().signInFailures).toBe(1);
    expect(b.stdout()).toContain('NaviLink rejected the e-mail/password');
    expect(b.stdout()).not.toContain('not-the-password');
  });

  it('never shows a secret in /api/diagnostics, the report file, /metrics, the page or its logs', async () => {
    sim = await startSimulator();
    bridge = await startBridgeProcess({ sim, broker });
    const b = bridge;
    await healthy(b);
    await eventually('the feature (serial number) read', async () => {
      const { text } = await b.http('/metrics');
      return text.includes('nwp500_device_available') && text.includes(' 1\n');
    });
    // A drop, so error messages and reconnect records exist too.
    sim.faults.hangUpAll();
    await eventually('reconnected', async () => {
      const { body } = await b.http<{ metrics: { connection_recovered: number } }>('/api/diagnostics');
      return body.metrics.connection_recovered >= 1;
    });
    const exported = await b.http<{ path: string }>('/api/diagnostics/export', { method: 'POST' });
    expect(exported.status).toBe(200);
    // The export of a real run validates against its schema and names the drop.
    const report = diagnosticsReportSchema.parse(JSON.parse(await readFile(exported.body.path, 'utf8')));
    expect(report.recent_drops.map((d) => d.error_name)).toContain('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(report.aws_error_counts.AWS_ERROR_MQTT_UNEXPECTED_HANGUP).toBe(1);

    const session = JSON.parse(await readFile(join(b.dataDir, 'navien_session.json'), 'utf8')) as {
      session: { idToken: string; accessToken: string; refreshToken: string; aws: Record<string, string> };
    };
    const device = sim.device(MAC);
    const secrets: Record<string, string> = {
      password: sim.account.password,
      email: sim.account.email,
      idToken: session.session.idToken,
      accessToken: session.session.accessToken,
      refreshToken: session.session.refreshToken,
      accessKeyId: String(session.session.aws.accessKeyId),
      secretKey: String(session.session.aws.secretKey),
      sessionToken: String(session.session.aws.sessionToken),
      mac: MAC,
      macUpper: MAC.toUpperCase(),
      serial: String(device?.controllerSerialNumber),
      city: String(device?.location.city),
      latitude: String(device?.location.latitude),
    };
    const places: Record<string, string> = {
      '/api/diagnostics': (await b.http('/api/diagnostics')).text,
      'the report file': await readFile(exported.body.path, 'utf8'),
      '/metrics': (await b.http('/metrics')).text,
      'the page': (await b.http('/')).text,
      '/healthz': (await b.http('/healthz')).text,
      '/api/timeline': (await b.http('/api/timeline')).text,
      'the logs': b.stdout() + b.stderr(),
    };
    expect(places['the logs']).toContain('"level"');
    for (const [where, text] of Object.entries(places)) {
      for (const [what, value] of Object.entries(secrets)) {
        expect(text.includes(value), `${what} found in ${where}`).toBe(false);
      }
    }
  });
});
