// The command line itself: `analyze` on good and bad files, usage errors, and `sim`.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = join(process.cwd(), 'dist', 'cli.js');

function run(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  await rm(dir, { recursive: true, force: true });
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
  it('starts an embedded broker when none answers, serves the page, and stops cleanly', async () => {
    const { freePort } = await import('../helpers/ports.js');
    const mqttPort = await freePort();
    const child = spawn(process.execPath, [CLI, 'demo', '--calm'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NWP500_DEMO_MQTT_PORT: String(mqttPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Ctrl-C stops the demo') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(`No MQTT broker answered on localhost:${mqttPort}: started an embedded one`);
      const page = out.match(/Diagnostics page\s+(http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
      expect(page).toBeDefined();
      let health: { cloud?: { connected?: boolean }; local_broker?: { connected?: boolean } } = {};
      while (Date.now() < deadline + 10_000) {
        health = (await fetch(`${page}healthz`).then((r) => r.json())) as typeof health;
        if (health.cloud?.connected && health.local_broker?.connected) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(health.cloud?.connected).toBe(true);
      expect(health.local_broker?.connected).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
