// Device pseudonyms of a running bridge: made with the install's key from data_dir before the first
// log line, the same after a restart on that data_dir, different for another install, and never
// the bare hash of 0.1.0 that gives the MAC back in milliseconds.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { PSEUDONYM_KEY_FILE } from '../../src/util/pseudonymKey.js';
import { pseudonym, usePseudonymKey } from '../../src/util/redact.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { eventually, startBridgeProcess } from './bridgeProcess.js';

const MAC = '04786332fca0';
let broker: TestBroker;
let sim: Simulator;
const dirs: string[] = [];

beforeAll(async () => {
  broker = await startBroker();
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
  await broker?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nwp500-pseudo-'));
  dirs.push(dir);
  return dir;
}

/** Runs the bridge on `dataDir` until it reports the heater; its pseudonym and everything it logged. */
async function run(dataDir: string): Promise<{ id: string; logs: string }> {
  const bridge = await startBridgeProcess({ sim, broker, dataDir, configDir: await tempDir() });
  try {
    const id = await eventually('the heater in the report', async () => {
      const { body } = await bridge.http<{ devices?: Array<{ id: string }> }>('/api/diagnostics');
      return body.devices?.[0]?.id;
    });
    // Online: the link is up and the heater answered, so its id has been through the logs.
    await eventually('the heater online in /metrics', async () =>
      (await bridge.http('/metrics')).text.includes(`nwp500_device_available{device="${id}"} 1`),
    );
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toBe(0);
    return { id, logs: bridge.stdout() + bridge.stderr() };
  } finally {
    await bridge.close();
  }
}

describe('device pseudonyms of the running bridge', () => {
  it('are keyed per install, stable across restarts, and used from the first log line', async () => {
    const install = await tempDir();
    const first = await run(install);
    const keyFile = join(install, PSEUDONYM_KEY_FILE);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    // Every pseudonym in the logs was made with the install's key: the MAC, the serial, the client id.
    const { key } = JSON.parse(await readFile(keyFile, 'utf8')) as { key: string };
    const session = JSON.parse(await readFile(join(install, 'navien_session.json'), 'utf8')) as {
      installId: string;
    };
    usePseudonymKey(Buffer.from(key, 'hex'));
    expect(first.id).toBe(pseudonym(MAC));
    const known = new Set([
      pseudonym(MAC),
      pseudonym(String(sim.device(MAC)?.controllerSerialNumber)),
      pseudonym(`navien-ha-${sim.account.userSeq}-${session.installId}`),
    ]);
    const logged = new Set(first.logs.match(/dev-[0-9a-f]{8}/g) ?? []);
    expect(logged.size).toBeGreaterThan(0);
    for (const value of logged) expect(known.has(value), `${value} in the logs`).toBe(true);

    const unsalted = `dev-${createHash('sha256').update(MAC).digest('hex').slice(0, 8)}`;
    expect(first.logs).not.toContain(unsalted);
    expect(first.id).not.toBe(unsalted);

    expect((await run(install)).id).toBe(first.id);
    expect((await run(await tempDir())).id).not.toBe(first.id);
  }, 90_000);
});
