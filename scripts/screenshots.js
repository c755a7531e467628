// `npm run screenshots`: re-takes the page screenshots in docs/ from the demo with Debian's headless
// Chromium, so DOCS.md always shows the page as it is. Starts the demo (calm, embedded broker, free
// ports) in a temporary folder, lets it live through two cloud faults so the timeline and the
// verdict have something to show, and shoots the page at 1280 px (light and dark) and 390 px.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = [
  { file: 'docs/page-light.png', width: 1280, height: 900, colorScheme: 'light' },
  { file: 'docs/page-dark.png', width: 1280, height: 900, colorScheme: 'dark' },
  { file: 'docs/page-phone.png', width: 390, height: 844, colorScheme: 'light' },
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolvePort, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function until(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (Debian: apt-get install chromium)`);
  const cwd = await mkdtemp(join(tmpdir(), 'nwp500-screenshots-'));
  const demo = spawn(process.execPath, [join(REPO, 'dist', 'cli.js'), 'demo', '--calm'], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NWP500_DEMO_MQTT_PORT: String(await freePort()),
      NWP500_HTTP_PORT: String(await freePort()),
      NWP500_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  demo.stdout.on('data', (chunk) => {
    out += chunk.toString();
  });
  const exited = new Promise((r) => demo.once('exit', (code) => r(code)));
  try {
    await until('the demo', () => out.includes('Ctrl-C stops the demo'));
    const page = /Diagnostics page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
    const control = /curl -X POST (http:\S+)\/faults\/hangup/.exec(out)?.[1];
    if (!page || !control) throw new Error(`could not read the demo's addresses:\n${out}`);
    const healthy = async () => {
      const health = await fetch(`${page}/healthz`).then((r) => r.json());
      return health.cloud?.connected && health.local_broker?.connected;
    };
    const drops = async () =>
      (await fetch(`${page}/api/diagnostics`).then((r) => r.json())).metrics.total_connection_drops;
    await until('the link', healthy);
    // Two faults a few seconds apart: a hang-up (AWS's 24 h limit) and a reset (a router).
    for (const [index, fault] of ['hangup', 'reset'].entries()) {
      await sleep(3000);
      await fetch(`${control}/faults/${fault}`, { method: 'POST' });
      await until(`drop ${index + 1}`, async () => (await drops()) > index);
      await until('the link again', healthy);
    }
    // The report card shows the file as written, as it is a few minutes into a real run.
    await fetch(`${page}/api/diagnostics/export`, { method: 'POST' });
    await sleep(4000);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      for (const shot of SHOTS) {
        const context = await browser.newContext({
          viewport: { width: shot.width, height: shot.height },
          colorScheme: shot.colorScheme,
          deviceScaleFactor: 1,
        });
        const tab = await context.newPage();
        await tab.goto(`${page}/`);
        await tab.locator('#verdict h3').waitFor();
        await tab.locator('#chart svg').waitFor();
        await sleep(1500);
        await tab.screenshot({ path: join(REPO, shot.file), fullPage: true });
        console.log(`wrote ${shot.file} (${shot.width} px, ${shot.colorScheme})`);
        await context.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    demo.kill('SIGINT');
    await Promise.race([exited, sleep(15_000)]);
    await rm(cwd, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`screenshots: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
