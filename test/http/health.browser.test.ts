// The page's health banner in a real headless Chromium, served by the real Fastify server: shown
// with every reason when /healthz says unhealthy or degraded (a rejected password as loudly as an
// unhealthy bridge), hidden again when health is ok. Screenshots under test-output/.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Health } from '../../src/health/health.js';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, startHarness } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-output', 'http');

describe('the health banner in Chromium', () => {
  let h: Harness;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    await mkdir(SHOTS, { recursive: true });
    h = await startHarness({ clock: new ManualClock(Date.now()) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  async function open(health: Health, width = 1280): Promise<{ page: Page; errors: string[] }> {
    h.health.health = health;
    const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: 'light' });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      // Chromium reports every 503 as a failed resource; /healthz answers 503 here on purpose.
      if (message.type() === 'error' && !message.text().includes('status of 503'))
        errors.push(message.text());
    });
    await page.goto(`${h.url}/`);
    await page.locator('#updated').filter({ hasText: 'Updated' }).waitFor();
    return { page, errors };
  }

  const since = () => new Date(h.clock.now() - 700_000).toISOString();

  it('shows every reason of an unhealthy bridge, in the bad tone, and says what the watchdog does', async () => {
    const health: Health = {
      status: 'unhealthy',
      reasons: [
        {
          code: 'link_reconnecting',
          severity: 'degraded',
          message: 'connecting to the Navien cloud, attempt 7',
          since: since(),
        },
        {
          code: 'event_loop_stalled',
          severity: 'unhealthy',
          message: 'the bridge stopped responding for 12 s (limit 10 s)',
          since: since(),
        },
      ],
    };
    const { page, errors } = await open(health);
    const banner = page.locator('#health-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.getAttribute('data-status')).toBe('unhealthy');
    expect(await banner.getAttribute('class')).toContain('tone-bad');
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('Unhealthy');
    expect(text).toContain('the Supervisor watchdog, when turned on, restarts the add-on');
    expect(
      await banner.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-code'))),
    ).toEqual(['link_reconnecting', 'event_loop_stalled']);
    expect(await banner.locator('li[data-code="event_loop_stalled"]').textContent()).toContain(
      'event_loop_stalled: the bridge stopped responding for 12 s (limit 10 s) · since ',
    );
    // The "cannot reach the bridge" banner stays hidden: the bridge answered (503 is an answer).
    expect(await page.locator('#banner').isHidden()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'health-unhealthy.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a rejected password loudly although it is only degraded', async () => {
    const { page, errors } = await open(
      {
        status: 'degraded',
        reasons: [
          {
            code: 'auth_failed',
            severity: 'degraded',
            message: "NaviLink rejected the e-mail/password: correct them in the add-on's options",
            since: since(),
          },
        ],
      },
      390,
    );
    const banner = page.locator('#health-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.getAttribute('data-status')).toBe('degraded');
    expect(await banner.getAttribute('class')).toContain('tone-bad');
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('Degraded');
    expect(text).toContain('a restart does not help');
    expect(text).toContain('auth_failed: NaviLink rejected the e-mail/password');
    // On a phone the banner fits the screen.
    const box = await banner.boundingBox();
    expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SHOTS, 'health-auth-failed-phone.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a reconnect in the warning tone, and hides the banner once health is ok again', async () => {
    const { page, errors } = await open({
      status: 'degraded',
      reasons: [
        {
          code: 'link_reconnecting',
          severity: 'degraded',
          message: 'connecting to the Navien cloud',
          since: since(),
        },
      ],
    });
    const banner = page.locator('#health-banner');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.getAttribute('class')).toContain('tone-warn');
    h.health.health = { status: 'ok', reasons: [] };
    // The page refreshes when it becomes visible again (and every 10 s).
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await banner.waitFor({ state: 'hidden' });
    expect(await banner.locator('li').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
