// One set of numbers: after the same run of the real bridge process (drops from the simulated
// cloud), the page as Chromium renders it, /api/diagnostics (the page's data), the report file,
// `analyze` on that file, the bridge device's state on MQTT and /metrics all show the same counts.

import { existsSync } from 'node:fs';
import mqtt from 'mqtt';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyzeExport } from '../../src/diagnostics/analyzeFile.js';
import type { DiagnosticsNumbers } from '../../src/diagnostics/numbers.js';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { type BridgeProcess, eventually, startBridgeProcess } from './bridgeProcess.js';

const CHROMIUM = '/usr/bin/chromium';
const DROPS = 3;

let broker: TestBroker;
let sim: Simulator;
let bridge: BridgeProcess;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
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
  numbers: DiagnosticsNumbers;
  analysis: { verdict: string; title: string };
}

/** The counts that do not move while the link is up and quiet (messages and ages do). */
const STEADY = [
  'connections',
  'recoveries',
  'drops',
  'outages',
  'reconnect_attempts',
  'reconnect_failures',
  'credential_renewals',
  'sessions_ended',
  'drops_last_24h',
] as const;

function metricValue(text: string, name: string): number {
  let total = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z0-9_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) {
      total += Number(match[3]);
      seen = true;
    }
  }
  if (!seen) throw new Error(`${name} is not in /metrics`);
  return total;
}

it('the page, /api/diagnostics, the report file, analyze, the bridge entities and /metrics agree', async () => {
  for (let i = 1; i <= DROPS; i++) {
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
      async () => (await bridge.http<Report>('/api/diagnostics')).body.numbers.recoveries >= i,
    );
  }

  const exported = await bridge.http<{ path: string }>('/api/diagnostics/export', { method: 'POST' });
  expect(exported.status).toBe(200);
  const { readFile } = await import('node:fs/promises');
  const file = JSON.parse(await readFile(exported.body.path, 'utf8')) as Report;
  const api = (await bridge.http<Report>('/api/diagnostics')).body;
  const metrics = (await bridge.http<string>('/metrics')).text;
  const again = analyzeExport(file);

  // analyze computes the numbers again from the file's totals and histories: all of them equal.
  expect(again.format).toBe('nwp500-bridge');
  expect(again.numbers).toEqual(file.numbers);
  expect(again.analysis.verdict).toBe(file.analysis.verdict);
  expect(again.analysis.title).toBe(file.analysis.title);

  const steady = (n: DiagnosticsNumbers) => Object.fromEntries(STEADY.map((key) => [key, n[key]]));
  expect(file.numbers.drops).toBe(DROPS);
  expect(file.numbers.recoveries).toBe(DROPS);
  expect(file.numbers.connections).toBe(1);
  expect(steady(api.numbers)).toEqual(steady(file.numbers));
  expect(api.numbers.drops_by_error).toEqual(file.numbers.drops_by_error);

  expect({
    connections: metricValue(metrics, 'nwp500_cloud_connections_total'),
    recoveries: metricValue(metrics, 'nwp500_cloud_recoveries_total'),
    drops: metricValue(metrics, 'nwp500_cloud_drops_total'),
    outages: metricValue(metrics, 'nwp500_cloud_disconnects_total'),
    reconnect_attempts: metricValue(metrics, 'nwp500_cloud_reconnect_attempts_total'),
    credential_renewals: metricValue(metrics, 'nwp500_cloud_credential_renewals_total'),
    sessions_ended: metricValue(metrics, 'nwp500_cloud_sessions_ended_total'),
    drops_last_24h: metricValue(metrics, 'nwp500_cloud_drops_last_24h'),
  }).toEqual({
    connections: file.numbers.connections,
    recoveries: file.numbers.recoveries,
    drops: file.numbers.drops,
    outages: file.numbers.outages,
    reconnect_attempts: file.numbers.reconnect_attempts,
    credential_renewals: file.numbers.credential_renewals,
    sessions_ended: file.numbers.sessions_ended,
    drops_last_24h: file.numbers.drops_last_24h,
  });

  // The bridge device's entities (its retained state on the local broker).
  const client = await mqtt.connectAsync(`mqtt://${broker.host}:${broker.port}`);
  try {
    const state = await new Promise<Record<string, unknown>>((resolve) => {
      client.on('message', (topic, payload) => {
        if (topic.endsWith('/bridge/diagnostics'))
          resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
      });
      void client.subscribeAsync('+/bridge/diagnostics');
    });
    expect({
      drops_total: state.drops_total,
      drops_24h: state.drops_24h,
      reconnect_attempts: state.reconnect_attempts,
    }).toEqual({
      drops_total: file.numbers.drops,
      drops_24h: file.numbers.drops_last_24h,
      reconnect_attempts: file.numbers.reconnect_attempts,
    });
  } finally {
    await client.endAsync();
  }

  // The page as people see it.
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
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${bridge.url}/`);
    const shown = async (key: string) => page.locator(`[data-number="${key}"]`).textContent();
    await page.locator('[data-number="drops"]').waitFor();
    expect(await shown('drops')).toBe(`${file.numbers.drops} / ${file.numbers.recoveries}`);
    expect(await shown('drops_last_24h')).toBe(String(file.numbers.drops_last_24h));
    expect(await shown('credential_renewals')).toBe(String(file.numbers.credential_renewals));
    expect(await shown('reconnect_attempts')).toBe(
      `${file.numbers.reconnect_attempts} (${file.numbers.reconnect_failures} failed)`,
    );
    // A few minutes of watching is too little for a rate: none is extrapolated.
    expect(file.numbers.drops_per_day).toBeNull();
    expect(await shown('drops_per_day')).toBe(`shown after ${file.numbers.rate_min_hours} h of watching`);
    expect(await shown('sessions_ended')).toMatch(
      new RegExp(`^${file.numbers.sessions_ended} sessions ended`),
    );
    // The verdict for people: a few plain sentences; the statistics one click further, labelled.
    const sentences = await page.locator('#verdict-summary p').allTextContents();
    expect(sentences.length).toBeGreaterThanOrEqual(1);
    expect(sentences.length).toBeLessThanOrEqual(5);
    expect(sentences[0]).toMatch(/^The bridge watched the link for .* and saw 3 drops/);
    const statistics = page.locator('#verdict-statistics');
    expect(await statistics.getAttribute('open')).toBeNull();
    expect(await statistics.locator('summary').textContent()).toMatch(
      /^Statistics behind the verdict, for experts \(\d+\)$/,
    );
    expect(await statistics.locator('td[title="episodes"]').textContent()).toBe(
      'Drop episodes (drops < 1 min apart are one)',
    );
  } finally {
    await browser.close();
  }
});
