// The add-on image's /app, built the way the Dockerfile builds it (scripts/production-tree.js:
// `npm ci --omit=dev` from the lock file, aws-crt pruned to one platform, then dist/ beside it),
// run with the s6 service's own command line against the simulator and a real Mosquitto: it comes
// up, publishes state, answers /healthz, and stops with exit 0 on SIGTERM. Prints the tree's size.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { Observer } from '../ha/observer.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from '../main/bridgeProcess.js';

const MAC = '04786332fca0';
const RUN_SCRIPT = 'rootfs/etc/s6-overlay/s6-rc.d/nwp500-bridge/run';

let root: string;
let app: string;
let treeReport: string;

function output(child: ChildProcess): { text: () => string } {
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { text: () => text };
}

/** The s6 `run` script's command, with the image's /app moved to the temporary tree. */
async function s6Command(): Promise<{ cwd: string; argv: string[] }> {
  const script = await readFile(RUN_SCRIPT, 'utf8');
  const cd = /^cd (\S+)/m.exec(script)?.[1];
  const exec = /^exec (.+)$/m.exec(script)?.[1];
  if (!cd || !exec) throw new Error(`${RUN_SCRIPT}: no "cd" or "exec" line`);
  const [program, ...args] = exec
    .trim()
    .split(/\s+/)
    .map((word) => word.replaceAll('/app', app));
  expect(program).toBe('node');
  return { cwd: cd.replaceAll('/app', app), argv: args };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nwp500-image-'));
  app = join(root, 'app');
  // The lock file's packages come from npm's cache when it has them (CI just ran `npm ci`).
  const built = spawnSync(process.execPath, ['scripts/production-tree.js', app], {
    encoding: 'utf8',
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' },
  });
  if (built.status !== 0) throw new Error(`production-tree.js failed:\n${built.stdout}${built.stderr}`);
  treeReport = built.stdout.trim().split('\n').at(-1) ?? '';
  // The Dockerfile's final stage: dist/ from the build stage and package.json beside node_modules.
  await cp('dist', join(app, 'dist'), { recursive: true });
}, 180_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true, maxRetries: 5 });
});

describe('the production tree (the image /app)', () => {
  it('holds no development package and one aws-crt binary, and reports its size', async () => {
    console.log(treeReport);
    expect(treeReport).toMatch(/^production node_modules: \d+(\.\d+)? MB/);
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const installed = new Set(await readdir(join(app, 'node_modules')));
    // Dev packages may still arrive as a production package's own dependency (ws, through mqtt):
    // what must be absent are those nothing in production needs.
    for (const name of ['aedes', 'selfsigned', 'vitest', 'typescript', 'playwright-core', 'fast-check']) {
      expect(pkg.devDependencies, name).toHaveProperty(name);
      expect(installed.has(name), name).toBe(false);
    }
    const binaries = await readdir(join(app, 'node_modules', 'aws-crt', 'dist', 'bin'));
    expect(binaries).toHaveLength(1);
  });

  it('runs the s6 command line against the simulator and Mosquitto, and stops with exit 0 on SIGTERM', async () => {
    let broker: TestBroker | undefined;
    let sim: Simulator | undefined;
    let observer: Observer | undefined;
    let child: ChildProcess | undefined;
    try {
      broker = await startBroker();
      sim = await startSimulator();
      observer = await Observer.connect(broker.url, ['nwp500/#']);
      const data = join(root, 'data');
      const caFile = join(root, 'simulator-ca.pem');
      await writeFile(caFile, sim.caPem);
      const httpPort = await freePort();
      const { cwd, argv } = await s6Command();
      child = spawn(process.execPath, argv, {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          NWP500_OPTIONS: join(data, 'options.json'),
          NAVIEN_EMAIL: sim.account.email,
          NAVIEN_PASSWORD: sim.account.password,
          NWP500_NAVIEN_API_URL: sim.restUrl,
          NWP500_NAVIEN_MQTT_URL: sim.mqttsUrl,
          NWP500_NAVIEN_MQTT_CA_FILE: caFile,
          NWP500_MQTT_HOST: broker.host,
          NWP500_MQTT_PORT: String(broker.port),
          NWP500_DATA_DIR: data,
          NWP500_HA_CONFIG_DIR: join(root, 'homeassistant'),
          NWP500_HTTP_PORT: String(httpPort),
        },
      });
      const out = output(child);
      const exited = new Promise<number | string>((resolve) =>
        child?.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
      );
      const upOrExited = await Promise.race([
        eventually(
          'the first heater state on the broker',
          async () => observer?.last('nwp500/bridge/availability') && observer?.last(`nwp500/${MAC}/state`),
          30_000,
        ).then(() => 'up' as const),
        exited.then((code) => `exited with ${code}`),
      ]);
      expect(upOrExited, out.text()).toBe('up');
      const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
      expect(health.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited, out.text()).toBe(0);
      expect(out.text()).toContain('nwp500-bridge stopped');
      await observer.waitForPayload('nwp500/bridge/availability', 'offline');
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await observer?.close();
      await sim?.close();
      await broker?.close();
    }
  }, 60_000);

  it.each(['demo', 'sim'])(
    'refuses `%s` with a clear error, as a production install has no simulator',
    async (command) => {
      const child = spawn(process.execPath, [join(app, 'dist', 'cli.js'), command], {
        cwd: app,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = output(child);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      expect(out.text()).toContain(`\`${command}\` needs the development packages`);
      expect(out.text()).toContain('npm ci');
      expect(out.text()).not.toMatch(/\n\s+at /);
    },
  );
});
