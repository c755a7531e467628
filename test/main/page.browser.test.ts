// The ingress page of a running bridge process in Debian's headless Chromium: after real drops
// from the simulated cloud, it shows the link, the verdict, a chart with those drops and the heater.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CommandQueue } from '../../src/navien/queue.js';
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
    // A hang-up in the first instants of a session can reach aws-crt as a plain socket close; let
    // the session settle so the drop is the hang-up the chart is checked for.
    await eventually('connected for a second', async () => {
      const { cloud } = (
        await bridge.http<{ cloud: { connected: boolean; connected_since: string | null } }>('/healthz')
      ).body;
      return (
        cloud.connected &&
        cloud.connected_since !== null &&
        Date.now() - Date.parse(cloud.connected_since) > 1000
      );
    });
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
    // The simulated heater's card: what HA was told, available, a recent status, nothing waiting.
    const card = page.locator('#heaters article.heater');
    await card.first().waitFor();
    expect(await card.count()).toBe(1);
    expect(await card.locator('h3').textContent()).toBe('Water Heater');
    expect(await card.locator('[data-field=availability]').textContent()).toBe('Available');
    expect(await card.locator('[data-field=mode]').textContent()).toMatch(
      /^(Energy saver|Heat pump|High demand|Electric|Off)$/,
    );
    expect(await card.locator('[data-field=tank]').textContent()).toMatch(/^\d+(\.\d)? °[CF]$/);
    expect(await card.locator('[data-field=target]').textContent()).toMatch(/^\d+(\.\d)? °[CF]$/);
    expect(await card.locator('[data-field=updated]').textContent()).toMatch(/ ago$|^just now$/);
    // The queue section shows when the command queue lists its commands per heater (pendingFor).
    if ('pendingFor' in CommandQueue.prototype) {
      expect(await card.locator('.heater-queue').textContent()).toBe('No commands waiting.');
    } else {
      expect(await card.locator('.heater-queue').count()).toBe(0);
    }
    await page.screenshot({ path: join(SHOTS, 'running-bridge.png'), fullPage: true });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
