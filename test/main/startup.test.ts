// startBridge starts the cloud link before it builds and listens the HTTP server (the server's
// build overlaps the sign-in). A server that cannot listen must still fail the start, and must not
// leave the already started cloud link and broker client running behind the rejection.

import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startBridge } from '../../src/main.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { Observer } from '../ha/observer.js';
import { captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { optionsForSimulator } from '../helpers/simOptions.js';

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
    const { options, dirs } = await optionsForSimulator(sim, 'nwp500-startup', {
      http_port: await occupiedPort(),
    });
    cleanups.push(async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    });
    const observer = await Observer.connect(broker.url, ['nwp500/bridge/availability']);
    cleanups.push(() => observer.close());
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
