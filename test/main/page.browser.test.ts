// The ingress page of a running bridge process in Debian's headless Chromium: after real drops
// from the simulated cloud, it shows the link, the verdict and a chart with those drops.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { type BridgeProcess, eventually, startBridgeProcess } from './bridgeProcess.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-output', 'bridge');

let broker: TestBroker;
let sim: Simulator;
let bridge: BridgeProcess;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  await mkdir(SHOTS, { recursive: true });
  broker = await startBroker();
  sim = await startSimulator();
  bridge = await startBridgeProcess({ sim, broker, env: { NWP500_LOG_LEVEL: 'info' } });
});
afterAll(async () => {
  await bridge?.close();
  await sim?.close();
  await broker?.close();
});

interface Report {
  analysis: { title: string };
  metrics: { connection_recovered: number };
}

it('shows a running bridge: link state, the verdict, and the drops it went through', async () => {
  for (let i = 1; i <= 2; i++) {
    await eventually(
      'connected',
      async () => (await bridge.http<{ cloud: { connected: boolean } }>('/healthz')).body.cloud.connected,
    );
    sim.faults.hangUpAll();
    await eventually(
      `recovery ${i}`,
      async () => (await bridge.http<Report>('/api/diagnostics')).body.metrics.connection_recovered >= i,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${bridge.url}/`);
    await page.locator('#verdict h3').waitFor();
    const report = (await bridge.http<Report>('/api/diagnostics')).body;
    expect(await page.locator('#verdict h3').textContent()).toBe(report.analysis.title);
    await page.locator('#chart svg g.drop').first().waitFor();
    expect(await page.locator('#chart svg g.drop').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#chart svg g.drop title').first().textContent()).toMatch(
      /AWS_ERROR_MQTT_UNEXPECTED_HANGUP/,
    );
    expect(await page.locator('#status-pill').textContent()).toBe('Connected');
    await page.screenshot({ path: join(SHOTS, 'running-bridge.png'), fullPage: true });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
