// startBridge starts the cloud link before it builds and listens the HTTP server (the server's
// build overlaps the sign-in). A server that cannot listen must still fail the start, and must not
// leave the already started cloud link and broker client running behind the rejection.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { optionsSchema } from '../../src/config/options.js';
import { startBridge } from '../../src/main.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { Observer } from '../ha/observer.js';
import { captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

describe('startBridge', () => {
  it('rejects when the HTTP port is taken, and stops the cloud link and the broker client it had started', async () => {
    const broker: TestBroker = await startBroker();
    cleanups.push(() => broker.close());
    const sim: Simulator = await startSimulator();
    cleanups.push(() => sim.close());
    const dataDir = await mkdtemp(join(tmpdir(), 'nwp500-startup-data-'));
    const configDir = await mkdtemp(join(tmpdir(), 'nwp500-startup-config-'));
    cleanups.push(async () => {
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
      await rm(configDir, { recursive: true, force: true, maxRetries: 5 });
    });
    const caFile = join(dataDir, 'sim-ca.pem');
    await writeFile(caFile, sim.caPem);
    const observer = await Observer.connect(broker.url, ['nwp500/bridge/availability']);
    cleanups.push(() => observer.close());
    const options = optionsSchema.parse({
      email: sim.account.email,
      password: sim.account.password,
      navien_api_url: sim.restUrl,
      navien_mqtt_url: sim.mqttsUrl,
      navien_mqtt_ca_file: caFile,
      data_dir: dataDir,
      ha_config_dir: configDir,
      http_port: await occupiedPort(),
      diagnostics_export_interval: 0,
    });
    const log = captureLog('warn');

    await expect(
      startBridge(options, {
        env: {},
        log: log.logger,
        redactor: log.redactor,
        broker: { host: broker.host, port: broker.port, ssl: false, source: 'options' },
      }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });

    // Long enough for a sign-in and a connection that was left running to show up at the cloud.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sim.liveClientIds()).toEqual([]);
    expect(observer.last('nwp500/bridge/availability')).not.toBe('online');
  });
});
