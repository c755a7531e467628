// The command line itself: `analyze` on good and bad files, usage errors, `sim`, and `demo` (its page
// port when the default is taken, NWP500_* options, a bad option).

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HTTP_PORT } from '../../src/demo/options.js';
import { freePort } from '../helpers/ports.js';
import { demoHealthy, startDemo } from './demoProcess.js';

const CLI = join(process.cwd(), 'dist', 'cli.js');

function run(args: string[], timeoutMs = 15_000) {
  return runIn(process.cwd(), args, undefined, timeoutMs);
}

function runIn(
  cwd: string,
  args: string[],
  env?: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(env ? { env: { PATH: process.env.PATH ?? '', ...env } } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nwp500-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('nwp500-bridge command line', () => {
  it('analyzes an nwp500-python export and prints a verdict', async () => {
    const drops = Array.from({ length: 6 }, (_, i) => ({
      timestamp: new Date(Date.UTC(2026, 7, 1 + i, 3)).toISOString(),
      error_name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
      error_message: 'The connection was closed unexpectedly.',
      error_code: 5134,
      reconnect_attempt: 0,
      duration_connected_seconds: 86_400,
      active_subscriptions: 3,
      queued_commands: 0,
    }));
    const file = join(dir, 'python-export.json');
    await writeFile(
      file,
      JSON.stringify({
        timestamp: '2026-08-07T12:00:00+00:00',
        metrics: { total_connection_drops: 6, shortest_session_seconds: null },
        recent_drops: drops,
        recent_connections: [],
        aws_error_counts: { AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 6 },
        session_history_summary: { total_sessions: 6, sample_durations: [86_400] },
      }),
    );
    const { code, stdout } = await run(['analyze', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(stdout.toLowerCase()).toContain('24 h');
  });

  it.each([
    ['a missing file', ['analyze', '/nonexistent/file.json']],
    ['a file that is not JSON', ['analyze', 'NOT_JSON']],
    ['no file at all', ['analyze']],
    ['an unknown command', ['frobnicate']],
  ])('exits with status 2, without a stack trace, for %s', async (_what, args) => {
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{"timestamp": ');
    const { code, stderr, stdout } = await run(args.map((a) => (a === 'NOT_JSON' ? notJson : a)));
    expect(code).toBe(2);
    expect(`${stdout}${stderr}`).not.toMatch(/\n\s+at /);
  });

  it('starts the simulated cloud with `sim` and stops it on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'sim', '--rest-port', '0', '--ws-port', '0', '--wss-port', '0'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (!out.includes('Point the bridge at it') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('Simulated Navien cloud is running.');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('nwp500-bridge demo', () => {
  it('with its default page port taken, picks a free one, says so, serves the page and stops cleanly', async () => {
    // Hold the demo's default port; if something else already holds it, it is just as taken.
    const holder = createServer();
    await new Promise<void>((resolve) => {
      holder.once('error', () => resolve());
      holder.listen({ port: DEMO_HTTP_PORT, host: '127.0.0.1', exclusive: true }, () => resolve());
    });
    const demo = await startDemo(dir, ['--calm'], { NWP500_DEMO_MQTT_PORT: String(await freePort()) });
    try {
      expect(demo.output()).toMatch(/No MQTT broker answered on localhost:\d+: started an embedded one/);
      expect(demo.output()).toContain(
        `Port ${DEMO_HTTP_PORT} is taken, so the page is on a free port instead`,
      );
      expect(demo.page).not.toBe(`http://127.0.0.1:${DEMO_HTTP_PORT}`);
      await demoHealthy(demo);
      expect((await fetch(`${demo.page}/`)).status).toBe(200);
    } finally {
      expect(await demo.stop('SIGTERM')).toBe(0);
      holder.close();
    }
  }, 60_000);

  it('takes NWP500_* options: the page port, the base topic, the log level', async () => {
    const httpPort = await freePort();
    const demo = await startDemo(dir, ['--calm'], {
      NWP500_DEMO_MQTT_PORT: String(await freePort()),
      NWP500_HTTP_PORT: String(httpPort),
      NWP500_BASE_TOPIC: 'demo_elsewhere',
      NWP500_LOG_LEVEL: 'warn',
      NAVIEN_EMAIL: 'someone@example.com',
    });
    try {
      expect(demo.page).toBe(`http://127.0.0.1:${httpPort}`);
      expect(demo.output()).toContain("-t 'demo_elsewhere/#'");
      expect(demo.output()).toContain('NAVIEN_EMAIL ignored: the demo runs against its own simulated cloud.');
      await demoHealthy(demo);
      // warn: none of the bridge's info lines ("nwp500-bridge running") were printed.
      expect(demo.output()).not.toContain('nwp500-bridge running');
    } finally {
      expect(await demo.stop()).toBe(0);
    }
  }, 60_000);

  it('refuses a bad NWP500_* option with exit status 2 and the option named', async () => {
    const { code, stderr, stdout } = await runIn(dir, ['demo', '--calm'], {
      NWP500_DEMO_MQTT_PORT: String(await freePort()),
      NWP500_KEEP_ALIVE_SECS: '5',
    });
    expect(code).toBe(2);
    expect(`${stdout}${stderr}`).toContain(
      'option keep_alive_secs: must be a whole number between 30 and 1200',
    );
    expect(`${stdout}${stderr}`).not.toMatch(/\n\s+at /);
  });
});
