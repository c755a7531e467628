import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonym } from '../../src/util/redact.js';
import { type Harness, MAC, startHarness } from './harness.js';

/** `name{labels} value` lines, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

async function scrape(
  h: Harness,
): Promise<{ text: string; values: Map<string, number>; type: string | null }> {
  const response = await fetch(`${h.url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, values: samples(text), type: response.headers.get('content-type') };
}

describe('GET /metrics', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers Prometheus text with only nwp500_ metrics', async () => {
    const { text, type } = await scrape(h);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const names = text
      .split('\n')
      .filter((line) => line.startsWith('# TYPE '))
      .map((line) => line.split(' ')[2]);
    expect(names.length).toBeGreaterThan(20);
    expect(names.every((name) => name?.startsWith('nwp500_'))).toBe(true);
    // Nothing from prom-client's global registry (process_*, nodejs_*).
    expect(text).not.toMatch(/^(process|nodejs)_/m);
  });

  it('says what /healthz says: nwp500_health_status (1 for the current one) and nwp500_health_reason per code', async () => {
    const ok = (await scrape(h)).values;
    expect(ok.get('nwp500_health_status{status="ok"}')).toBe(1);
    expect(ok.get('nwp500_health_status{status="unhealthy"}')).toBe(0);
    expect(ok.get('nwp500_health_reason{code="link_down"}')).toBe(0);
    const since = new Date(h.clock.now()).toISOString();
    h.health.health = {
      status: 'unhealthy',
      reasons: [
        { code: 'link_down', severity: 'unhealthy', message: 'down', since },
        { code: 'commands_stuck', severity: 'unhealthy', message: 'stuck', since },
      ],
    };
    try {
      const { values } = await scrape(h);
      const statuses = ['ok', 'degraded', 'unhealthy'].map((s) =>
        values.get(`nwp500_health_status{status="${s}"}`),
      );
      expect(statuses).toEqual([0, 0, 1]);
      const codes = [
        'link_down',
        'engine_gave_up',
        'commands_stuck',
        'event_loop_stalled',
        'auth_failed',
        'link_reconnecting',
      ];
      expect(codes.map((code) => values.get(`nwp500_health_reason{code="${code}"}`))).toEqual([
        1, 0, 1, 0, 0, 0,
      ]);
      expect((await fetch(`${h.url}/healthz`)).status).toBe(503);
    } finally {
      h.health.health = { status: 'ok', reasons: [] };
    }
  });

  it('reports link state, drops by error, attempts, sessions and message counts from the collector', async () => {
    const { values } = await scrape(h);
    const m = h.collector.getMetrics();
    const c = h.collector.getCounters();
    expect(values.get('nwp500_cloud_connected')).toBe(1);
    expect(values.get('nwp500_cloud_link_state{state="connected"}')).toBe(1);
    expect(values.get('nwp500_cloud_link_state{state="reconnecting"}')).toBe(0);
    expect(values.get('nwp500_cloud_drops_total{error="AWS_ERROR_MQTT_UNEXPECTED_HANGUP"}')).toBe(8);
    expect(values.get('nwp500_cloud_drops_total{error="AWS_IO_SOCKET_CLOSED"}')).toBe(2);
    expect(values.get('nwp500_cloud_reconnect_attempts_total')).toBe(m.total_reconnect_attempts);
    expect(values.get('nwp500_cloud_deep_reconnect_attempts_total')).toBe(1);
    expect(
      values.get('nwp500_cloud_reconnect_failures_total{error="AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE"}'),
    ).toBe(1);
    expect(values.get('nwp500_cloud_session_uptime_seconds')).toBe(3 * 3600);
    expect(values.get('nwp500_cloud_session_longest_seconds')).toBe(m.longest_session_seconds);
    expect(values.get('nwp500_cloud_session_average_seconds')).toBe(m.average_session_seconds);
    expect(values.get('nwp500_messages_received_total')).toBe(c.messages_in);
    expect(values.get('nwp500_messages_published_total')).toBe(m.messages_published);
    expect(values.get('nwp500_command_queue_depth')).toBe(2);
    expect(values.get('nwp500_local_broker_connected')).toBe(1);
    expect(values.get('nwp500_bridge_info{version="0.1.0-test"}')).toBe(1);
  });

  it('counts commands by outcome and shows the oldest queued command age', async () => {
    h.bridge.commands = {
      accepted: 12,
      delivered: 6,
      superseded: 2,
      expired: 1,
      overflow: 0,
      unconfirmed: 1,
      refused: 3,
      ignored_retained: 1,
      in_queue: 2,
      oldest_queued_age_ms: 4_500,
    };
    try {
      const { values, text } = await scrape(h);
      expect(values.get('nwp500_commands_total{outcome="accepted"}')).toBe(12);
      expect(values.get('nwp500_commands_total{outcome="delivered"}')).toBe(6);
      expect(values.get('nwp500_commands_total{outcome="superseded"}')).toBe(2);
      expect(values.get('nwp500_commands_total{outcome="expired"}')).toBe(1);
      expect(values.get('nwp500_commands_total{outcome="overflow"}')).toBe(0);
      expect(values.get('nwp500_commands_total{outcome="unconfirmed"}')).toBe(1);
      expect(values.get('nwp500_commands_total{outcome="refused"}')).toBe(3);
      expect(values.get('nwp500_commands_total{outcome="ignored_retained"}')).toBe(1);
      expect(values.get('nwp500_command_queue_oldest_age_seconds')).toBe(4.5);
      expect(text).toContain('# TYPE nwp500_commands_total counter');
      h.bridge.commands = { ...h.bridge.commands, in_queue: 0, oldest_queued_age_ms: null };
      expect((await scrape(h)).values.get('nwp500_command_queue_oldest_age_seconds')).toBe(0);
    } finally {
      delete h.bridge.commands;
    }
  });

  it('labels devices by pseudonym, never by MAC', async () => {
    const { text, values } = await scrape(h);
    const device = pseudonym(MAC);
    expect(values.get(`nwp500_device_available{device="${device}"}`)).toBe(1);
    expect(values.get(`nwp500_device_last_update_age_seconds{device="${device}"}`)).toBe(12);
    expect(text.toLowerCase()).not.toContain(MAC);
  });

  it('reads the sources at scrape time', async () => {
    h.collector.recordConnectionDrop({
      error: { name: 'AWS_IO_SOCKET_CLOSED', code: 1051, message: 'gone' },
      reconnectAttempt: 0,
      activeSubscriptions: 4,
      queuedCommands: 1,
    });
    h.collector.recordCommandRefused('temperature_above_maximum');
    h.collector.recordQueueDrop('expired');
    h.health.cloud = { ...h.health.cloud, state: 'reconnecting', connected: false };
    h.bridge.devices = [{ id: MAC, available: false, last_update_age_seconds: null }];
    h.clock.advance(30_000);
    try {
      const { values } = await scrape(h);
      expect(values.get('nwp500_cloud_connected')).toBe(0);
      expect(values.get('nwp500_cloud_link_state{state="reconnecting"}')).toBe(1);
      expect(values.get('nwp500_cloud_drops_total{error="AWS_IO_SOCKET_CLOSED"}')).toBe(3);
      expect(values.get('nwp500_cloud_outage_seconds')).toBe(30);
      expect(values.get('nwp500_cloud_session_uptime_seconds')).toBe(0);
      expect(values.get('nwp500_commands_refused_total{reason="temperature_above_maximum"}')).toBe(1);
      expect(values.get('nwp500_commands_dropped_total{reason="expired"}')).toBe(1);
      expect(values.get(`nwp500_device_available{device="${pseudonym(MAC)}"}`)).toBe(0);
      expect(values.has(`nwp500_device_last_update_age_seconds{device="${pseudonym(MAC)}"}`)).toBe(false);
    } finally {
      h.health.cloud = { ...h.health.cloud, state: 'connected', connected: true };
    }
  });

  it('shows a link state it does not know without dropping the known ones', async () => {
    h.health.cloud = { ...h.health.cloud, state: 'warming_up' };
    try {
      const { values } = await scrape(h);
      expect(values.get('nwp500_cloud_link_state{state="warming_up"}')).toBe(1);
      expect(values.get('nwp500_cloud_link_state{state="connected"}')).toBe(0);
    } finally {
      h.health.cloud = { ...h.health.cloud, state: 'connected' };
    }
  });

  it('gives concurrent scrapes complete, identical answers', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => scrape(h)));
    const first = answers[0]?.text ?? '';
    expect(first).toContain('nwp500_cloud_drops_total');
    for (const answer of answers) expect(answer.text).toBe(first);
  });
});
