/// <reference lib="dom" />
// The page's heater cards and timeline range in Debian's headless Chromium: every card at 1280 px
// and 390 px, light and dark (it fits, its text is readable, it says what the data says), the
// timeline opening on the shortest range that holds the history, and the link facts' wording.

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import type { HeaterFacts } from '../../src/http/heaters.js';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, startHarness } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), 'test-output', 'http');
const MINUTE_MS = 60_000;

/** Ten minutes of history: connected, a drop five minutes in, back two seconds later. */
function freshHistory(collector: DiagnosticsCollector, clock: ManualClock): void {
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  clock.advance(5 * MINUTE_MS);
  collector.recordConnectionDrop({
    error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'hung up' },
    reconnectAttempt: 0,
    activeSubscriptions: 3,
    queuedCommands: 1,
  });
  clock.advance(2_000);
  collector.recordConnectionSuccess({
    eventType: 'resumed',
    sessionPresent: true,
    returnCode: 0,
    attemptNumber: 1,
  });
  clock.advance(5 * MINUTE_MS - 2_000);
}

interface Expected {
  name: string;
  mode: string;
  tank: string;
  target: string;
  available: boolean;
  reason: RegExp;
  updated: RegExp;
  /** null: no queue section (the queue cannot list per heater). */
  queued: RegExp[] | null;
}

function heaters(clock: ManualClock): { facts: () => HeaterFacts[]; expected: Expected[] } {
  const now = () => clock.now();
  const facts = (): HeaterFacts[] => [
    {
      deviceId: '04786332fca0',
      name: 'Garage Water Heater',
      model: 'NWP500',
      available: true,
      linkConnected: true,
      lastStatusAt: now() - 12_000,
      lastStatusAgeSeconds: 12,
      staleAfterSeconds: 150,
      state: { mode: 'eco', dhw_temperature: 124.7, target_temperature: 125, vacation: 'OFF' },
      unit: 'F',
      pending: [
        { description: 'dhw_temperature 130 F', createdAt: now() - 95_000, state: 'queued' },
        { description: 'mode high_demand', createdAt: now() - 3_000, state: 'awaiting_confirmation' },
      ],
    },
    {
      deviceId: '04786332fca1',
      name: 'Basement water heater next to the furnace and the laundry sink',
      model: 'NWP500',
      available: false,
      linkConnected: true,
      lastStatusAt: null,
      lastStatusAgeSeconds: null,
      staleAfterSeconds: 150,
      state: null,
      unit: null,
      pending: [],
    },
    {
      deviceId: '04786332fca2',
      name: 'Cabin',
      model: 'NWP500',
      available: false,
      linkConnected: true,
      lastStatusAt: now() - 400_000,
      lastStatusAgeSeconds: 400,
      staleAfterSeconds: 150,
      state: { mode: 'heat_pump', dhw_temperature: 48.5, target_temperature: 50, vacation: 'ON' },
      unit: 'C',
      pending: null,
    },
  ];
  const expected: Expected[] = [
    {
      name: 'Garage Water Heater',
      mode: 'Energy saver',
      tank: '124.7 °F',
      target: '125 °F',
      available: true,
      reason: /^status arriving on time$/,
      updated: /^(\d+ s|1 min \d+ s) ago$/,
      queued: [
        /^waiting its turn · for [12] min \d+ s$/,
        /^sent, waiting for the heater · for (\d+ s|1 min \d+ s)$/,
      ],
    },
    {
      name: 'Basement water heater next to the furnace and the laundry sink',
      mode: '—',
      tank: '—',
      target: '—',
      available: false,
      reason: /^no status from the heater yet since the bridge started$/,
      updated: /^no status yet$/,
      queued: [],
    },
    {
      name: 'Cabin',
      mode: 'Vacation (then heat pump)',
      tank: '48.5 °C',
      target: '50 °C',
      available: false,
      reason: /^no status for 7 minutes \(more than 150 seconds\)/,
      updated: /^[67] min \d+ s ago$/,
      queued: null,
    },
  ];
  return { facts, expected };
}

/** WCAG relative luminance of a computed `rgb(...)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

/** Seconds in a page duration ("12 s", "1 min 4 s", "2 h 3 min", "3 d 1 h"). */
function seconds(text: string): number {
  const unit: Record<string, number> = { s: 1, min: 60, h: 3600, d: 86_400 };
  return [...text.matchAll(/(\d+) (s|min|h|d)\b/g)].reduce(
    (sum, m) => sum + Number(m[1]) * (unit[m[2] as string] ?? 0),
    0,
  );
}

describe('heater cards and the timeline range in Chromium', () => {
  let h: Harness;
  let browser: Browser;
  let expected: Expected[];

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    await mkdir(SHOTS, { recursive: true });
    const clock = new ManualClock(Date.now() - 10 * MINUTE_MS);
    const planted = heaters(clock);
    expected = planted.expected;
    h = await startHarness({ clock, plant: freshHistory, heaters: planted.facts });
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

  async function open(width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await browser.newPage({
      viewport: { width, height: 900 },
      colorScheme,
      isMobile: width < 500,
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${h.url}/`);
    await page.locator('#heaters article.heater').nth(2).waitFor();
    await page.locator('#verdict h3').waitFor();
    // One tick of the page's clock so the ages are filled in.
    await page.waitForTimeout(1100);
    expect(errors).toEqual([]);
    return page;
  }

  for (const width of [1280, 390]) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`shows every heater's card at ${width} px in ${scheme}: it fits, reads well and says what the data says`, async () => {
        const page = await open(width, scheme);
        try {
          const cards = page.locator('#heaters article.heater');
          expect(await cards.count()).toBe(expected.length);
          for (const [index, want] of expected.entries()) {
            const card = cards.nth(index);
            const box = await card.boundingBox();
            expect(box, want.name).not.toBeNull();
            expect(box?.x ?? -1, want.name).toBeGreaterThanOrEqual(0);
            expect((box?.x ?? 0) + (box?.width ?? 0), want.name).toBeLessThanOrEqual(width);
            expect(
              await card.evaluate((node) => node.scrollWidth - node.clientWidth),
              want.name,
            ).toBeLessThanOrEqual(0);

            expect(await card.locator('h3').textContent()).toBe(want.name);
            expect(await card.locator('[data-field=mode]').textContent()).toBe(want.mode);
            expect(await card.locator('[data-field=tank]').textContent()).toBe(want.tank);
            expect(await card.locator('[data-field=target]').textContent()).toBe(want.target);
            const badge = card.locator('[data-field=availability]');
            expect(await badge.textContent()).toBe(want.available ? 'Available' : 'Unavailable');
            expect(await badge.getAttribute('class')).toContain(want.available ? 'tone-ok' : 'tone-bad');
            expect(await card.locator('.heater-reason').textContent()).toMatch(want.reason);
            expect(await card.locator('[data-field=updated]').textContent()).toMatch(want.updated);
            const queued = card.locator('ul.queue li .queue-meta');
            if (want.queued === null) {
              expect(await card.locator('.heater-queue').count(), want.name).toBe(0);
            } else if (want.queued.length > 0) {
              expect(await queued.count()).toBe(want.queued.length);
              for (const [i, pattern] of want.queued.entries()) {
                expect(await queued.nth(i).textContent()).toMatch(pattern);
              }
              expect(await card.locator('.heater-queue h4').textContent()).toBe(
                `${want.queued.length} commands waiting`,
              );
            } else {
              expect(await card.locator('.heater-queue').textContent()).toBe('No commands waiting.');
            }

            // Readable in both themes: the name against the card, at least WCAG AA (4.5:1).
            const colours = await card.evaluate((node) => {
              const name = node.querySelector('h3') as HTMLElement;
              return {
                text: getComputedStyle(name).color,
                background: getComputedStyle(node).backgroundColor,
              };
            });
            expect(contrast(colours.text, colours.background), want.name).toBeGreaterThanOrEqual(4.5);
            if (scheme === 'dark') expect(luminance(colours.background)).toBeLessThan(0.1);
            else expect(luminance(colours.background)).toBeGreaterThan(0.9);
          }
          const overflow = Number(
            await page.evaluate(
              'document.documentElement.scrollWidth - document.documentElement.clientWidth',
            ),
          );
          expect(overflow).toBeLessThanOrEqual(0);
          await page.locator('#heaters').screenshot({ path: join(SHOTS, `heaters-${width}-${scheme}.png`) });
        } finally {
          await page.close();
        }
      });
    }
  }

  it('opens the timeline on the last hour for a young history, says so in words, and switches on a click', async () => {
    const page = await open(1280, 'light');
    try {
      expect(await page.getByRole('button', { name: 'Last hour' }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('false');
      expect(await page.locator('#chart-note').textContent()).toMatch(/^1 drop in the last hour\. Latest: /);
      expect(await page.locator('#chart svg g.drop').count()).toBe(1);
      // Minute ticks, not days, on an hour.
      const labels = await page.locator('#chart svg .axis text').allTextContents();
      expect(labels.length).toBeGreaterThanOrEqual(4);
      for (const label of labels) expect(label).toMatch(/\d{1,2}:\d{2}/);

      const week = page.waitForResponse((response) => response.url().includes('api/timeline?hours=168'));
      await page.getByRole('button', { name: '7 days' }).click();
      await week;
      await page.waitForFunction(() =>
        document.querySelector('#chart-note')?.textContent?.includes('7 days'),
      );
      expect(await page.getByRole('button', { name: '7 days' }).getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByRole('button', { name: 'Last hour' }).getAttribute('aria-pressed')).toBe(
        'false',
      );
      expect(await page.locator('#chart-note').textContent()).toMatch(/^1 drop in the last 7 days\. /);
    } finally {
      await page.close();
    }
  });

  it('never shows the link observed for less time than the current session has lasted', async () => {
    // A bridge that has just started: the session began when the watching did.
    const young = await startHarness({
      clock: new ManualClock(Date.now()),
      plant: (collector) =>
        collector.recordConnectionSuccess({
          eventType: 'connected',
          sessionPresent: false,
          returnCode: 0,
          attemptNumber: 0,
        }),
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${young.url}/`);
      await page.locator('#observed').waitFor();
      // Two ticks of the page's one-second clock, so the session has visibly lasted.
      await page.waitForTimeout(2100);
      for (let i = 0; i < 3; i++) {
        const uptime = seconds((await page.locator('#uptime').textContent()) ?? '');
        const observed = seconds((await page.locator('#observed').textContent()) ?? '');
        expect(uptime).toBeGreaterThan(0);
        expect(observed).toBeGreaterThanOrEqual(uptime);
        await page.waitForTimeout(1000);
      }
      const labels = await page.locator('#link-facts dt').allTextContents();
      expect(labels).toContain('Observed for');
      expect(labels).toContain('Session uptime');
    } finally {
      await page.close();
      await young.close();
    }
  });
});
