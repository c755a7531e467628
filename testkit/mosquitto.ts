// A real Mosquitto per suite on a free loopback port, with stop/restart/kill for broker-outage tests.
// Where no mosquitto binary exists, an in-process aedes broker stands in and says so; CI sets
// NWP500_REQUIRE_MOSQUITTO=1 to turn that fallback into a failure.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { freePort } from './ports.js';

export interface TestBroker {
  readonly kind: 'mosquitto' | 'aedes';
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /** Graceful stop (SIGTERM); the port stays reserved for `start()`. */
  stop(): Promise<void>;
  /** Starts again on the same port (after `stop()` or `kill()`). */
  start(): Promise<void>;
  /** Abrupt stop (SIGKILL). */
  kill(): Promise<void>;
  /** Stops for good and removes temporary files. */
  close(): Promise<void>;
}

function findMosquitto(): string | undefined {
  for (const candidate of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto']) {
    const probe = spawnSync(candidate, ['-h'], { stdio: 'ignore' });
    if (!probe.error) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() || undefined : undefined;
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { connect } = await import('node:net');
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`broker did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

export interface StartBrokerOptions {
  /** Keep sessions and retained messages across restarts, like the HA Mosquitto add-on. */
  persistence?: boolean;
}

export async function startBroker(options: StartBrokerOptions = {}): Promise<TestBroker> {
  const binary = findMosquitto();
  if (binary) return startMosquitto(binary, options);
  if (process.env.NWP500_REQUIRE_MOSQUITTO === '1') {
    throw new Error(
      'mosquitto is not installed, and NWP500_REQUIRE_MOSQUITTO=1 forbids the in-process fallback',
    );
  }
  console.warn('[test broker] mosquitto not found: using an in-process aedes broker instead');
  return startAedes();
}

async function startMosquitto(binary: string, options: StartBrokerOptions): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'nwp500-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'log_dest none',
      // Started as root, Mosquitto switches to the `mosquitto` user, which cannot write its
      // persistence file into our temporary directory: stay the user who started it.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await waitForPort(port);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}: ${stderr}`);
    }
  };
  const signal = async (sig: NodeJS.Signals) => {
    const current = child;
    child = undefined;
    if (!current) return;
    current.kill(sig);
    await waitForExit(current);
  };
  await start();
  return {
    kind: 'mosquitto',
    host: '127.0.0.1',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => signal('SIGTERM'),
    start,
    kill: () => signal('SIGKILL'),
    close: async () => {
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

async function startAedes(): Promise<TestBroker> {
  const port = await freePort();
  let broker: Aedes | undefined;
  let server: Server | undefined;
  const start = async () => {
    broker = await Aedes.createBroker();
    const current = broker;
    server = createServer((socket) => current.handle(socket));
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
  };
  const stop = async () => {
    const s = server;
    const b = broker;
    server = undefined;
    broker = undefined;
    if (b) await new Promise<void>((resolve) => b.close(() => resolve()));
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await start();
  return {
    kind: 'aedes',
    host: '127.0.0.1',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    stop,
    start,
    kill: stop,
    close: stop,
  };
}
