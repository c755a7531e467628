// The ingress page in a real headless Chromium (Debian's, driven by playwright-core): what people
// see, on a desktop and on a 360 px phone, in light and dark, with screenshots under test-output/.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, startHarness } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-output', 'http');

describe('ingress page in Chromium', () => {
  let h: Harness;
  let empty: Harness;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    await mkdir(SHOTS, { recursive: true });
    // Real wall time, so the chart's day labels and "ago" texts look like a live bridge's.
    h = await startHarness({ clock: new ManualClock(Date.now() - 8 * 86_400_000 - 3 * 3_600_000) });
    empty = await startHarness({ plant: () => undefined });
    browser = await chromium.launch({
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
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await empty?.close();
  });

  it('shows the link state, the verdict and a chart with drop marks, and exports on click', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${h.url}/`);
    await page.locator('#verdict h3').waitFor();
    const report = h.report();
    expect(await page.locator('#verdict h3').textContent()).toBe(report.analysis.title);
    expect(await page.locator('#status-pill').textContent()).toBe('Connected');
    expect(await page.locator('#chart svg g.drop').count()).toBeGreaterThanOrEqual(7);
    expect(await page.locator('#chart svg rect.session').count()).toBeGreaterThanOrEqual(7);
    const firstDropTitle = await page.locator('#chart svg g.drop title').first().textContent();
    expect(firstDropTitle).toMatch(/^AWS_/);
    expect(await page.locator('#errors .error-name').first().textContent()).toBe(
      'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    );
    expect(await page.locator('#checklist li').count()).toBe(report.analysis.checklist.length);
    await page.screenshot({ path: join(SHOTS, 'desktop-light.png'), fullPage: true });

    await page.locator('#chart svg g.drop').last().click();
    expect(await page.locator('#chart-detail').textContent()).toMatch(
      /^AWS_ERROR_MQTT_UNEXPECTED_HANGUP at /,
    );

    await page.getByRole('button', { name: 'Export report now' }).click();
    await page.locator('#export-result.text-ok').waitFor();
    expect(await page.locator('#export-result').textContent()).toContain(`${h.dir}/nwp500_diagnostics.json`);
    expect(await page.locator('#export-result').textContent()).toMatch(/KiB/);
    expect(h.writer.status().state).toBe('ok');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a 360 px phone without horizontal scrolling, in dark mode', async () => {
    const page = await browser.newPage({
      viewport: { width: 360, height: 780 },
      colorScheme: 'dark',
      isMobile: true,
    });
    await page.goto(`${h.url}/`);
    await page.locator('#verdict h3').waitFor();
    await page.locator('#chart svg').waitFor();
    const overflow = Number(
      await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SHOTS, 'phone-dark.png'), fullPage: true });
    await page.screenshot({ path: join(SHOTS, 'phone-dark-top.png') });
    await page.locator('#timeline-title').evaluate((node) => node.scrollIntoView());
    await page.screenshot({ path: join(SHOTS, 'phone-dark-chart.png') });
    await page.close();
  });

  it('shows an outage while the link is reconnecting, on a tablet in dark mode', async () => {
    h.collector.recordConnectionDrop({
      error: { name: 'AWS_IO_SOCKET_CLOSED', code: 1051, message: 'socket closed' },
      reconnectAttempt: 0,
      activeSubscriptions: 4,
      queuedCommands: 0,
    });
    h.clock.advance(95_000);
    h.health.cloud = {
      state: 'reconnecting',
      connected: false,
      connected_since: null,
      reconnect_attempt: 3,
      last_error: 'AWS_IO_SOCKET_CLOSED',
    };
    const page = await browser.newPage({ viewport: { width: 800, height: 1000 }, colorScheme: 'dark' });
    await page.goto(`${h.url}/`);
    await page.locator('#outage').waitFor();
    expect(await page.locator('#status-pill').textContent()).toBe('Reconnecting · attempt 3');
    expect(await page.locator('#outage').textContent()).toMatch(/^1 min \d+ s$/);
    expect(await page.locator('#chart svg g.drop title').last().textContent()).toMatch(
      /^AWS_IO_SOCKET_CLOSED at /,
    );
    await page.screenshot({ path: join(SHOTS, 'tablet-dark-reconnecting.png'), fullPage: true });
    await page.close();
  });

  it('says clearly when there is no history yet', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 800 }, colorScheme: 'light' });
    await page.goto(`${empty.url}/`);
    await page.locator('#verdict h3').waitFor();
    expect(await page.locator('#errors').textContent()).toContain('No drops yet');
    expect(await page.locator('#chart-note').textContent()).toContain('No connection history');
    await page.screenshot({ path: join(SHOTS, 'empty-light.png'), fullPage: true });
    await page.close();
  });

  it('keeps the last data and says so when the bridge stops answering', async () => {
    const lonely = await startHarness();
    const page = await browser.newPage({ viewport: { width: 1024, height: 800 } });
    try {
      await page.clock.install();
      await page.goto(`${lonely.url}/`);
      await page.locator('#verdict h3').waitFor();
      await lonely.app.close();
      await page.clock.runFor(11_000);
      await page.locator('#banner:not([hidden])').waitFor();
      expect(await page.locator('#banner').textContent()).toMatch(
        /^Cannot reach the bridge right now: .+ Showing the last data received\.$/,
      );
      expect(await page.locator('#verdict h3').textContent()).toBe(lonely.report().analysis.title);
    } finally {
      await page.close();
      await lonely.close();
    }
  });
});
