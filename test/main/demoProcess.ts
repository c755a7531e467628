// Runs `node dist/cli.js demo` as its own process in a folder of the test's choosing, waits for its
// banner and reads the addresses it printed.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(process.cwd(), 'dist', 'cli.js');

export interface DemoProcess {
  child: ChildProcess;
  output(): string;
  /** The page's base URL as printed (`http://127.0.0.1:<port>`). */
  page: string;
  /** The simulator's control API as printed (`http://127.0.0.1:<port>/_sim`). */
  control: string;
  exited: Promise<number | string>;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function startDemo(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<DemoProcess> {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('Ctrl-C stops the demo') && !done && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const page = /Diagnostics page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
  const control = /curl -X POST (http:\S+)\/faults\/hangup/.exec(out)?.[1];
  if (!page || !control) {
    child.kill('SIGKILL');
    throw new Error(`the demo did not start:\n${out}`);
  }
  return {
    child,
    output: () => out,
    page,
    control,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      if (!done) child.kill(signal);
      return await exited;
    },
  };
}

/** Polls the demo's /healthz until the cloud link and the local broker are both up. */
export async function demoHealthy(demo: DemoProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const health = (await fetch(`${demo.page}/healthz`).then((r) => r.json())) as {
        cloud?: { connected?: boolean };
        local_broker?: { connected?: boolean };
      };
      if (health.cloud?.connected && health.local_broker?.connected) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`the demo did not become healthy:\n${demo.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The number of cloud-link drops in the demo's diagnostics report. */
export async function demoDrops(demo: DemoProcess): Promise<number> {
  const report = (await fetch(`${demo.page}/api/diagnostics`).then((r) => r.json())) as {
    metrics: { total_connection_drops: number };
  };
  return report.metrics.total_connection_drops;
}
