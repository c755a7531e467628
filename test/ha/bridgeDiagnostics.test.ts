// The bridge device's state and link attributes on a real Mosquitto, timers on a manual clock:
// published soon after link events and once a minute otherwise, never per cloud message, and the
// attributes only when what they say changed.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { BridgeDiagnostics } from '../../src/ha/bridgeDiagnostics.js';
import { LocalBroker } from '../../src/ha/broker.js';
import { defaultLimits } from '../../src/health/health.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import { ManualClock } from '../../src/util/clock.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';
import { startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { LinkDouble } from './doubles.js';
import { Observer, waitFor } from './observer.js';

const DIAGNOSTICS = 'nwp500/bridge/diagnostics';
const ATTRIBUTES = 'nwp500/bridge/diagnostics/attributes';

let mqtt: TestBroker;
let clock: ManualClock;
let log: CapturedLog;
let broker: LocalBroker;
let observer: Observer;
let link: LinkDouble;
let collector: DiagnosticsCollector;
let diagnostics: BridgeDiagnostics;

beforeEach(async () => {
  mqtt = await startBroker();
  clock = new ManualClock();
  log = captureLog('debug');
  broker = new LocalBroker({
    settings: { host: mqtt.host, port: mqtt.port, ssl: false, source: 'options' },
    baseTopic: 'nwp500',
    installId: 'a1b2c3d4',
    discoveryPrefix: 'homeassistant',
    clientId: 'bridge-diagnostics-test',
    log: log.logger,
    stopTimeoutMs: 1000,
  });
  broker.start();
  await waitFor(() => broker.isConnected(), 'the local broker');
  observer = await Observer.connect(mqtt.url, ['nwp500/bridge/#']);
  link = new LinkDouble(clock);
  collector = new DiagnosticsCollector({ maxEventsRetained: 100, clock });
  collector.recordConfigEpoch({ keep_alive_secs: 60 });
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  diagnostics = new BridgeDiagnostics({
    broker,
    link,
    collector,
    clock,
    log: log.logger,
    intervalMs: 60_000,
    installId: 'a1b2c3d4',
  });
});

afterEach(async () => {
  diagnostics.stop();
  await observer.close();
  await broker.stop();
  await mqtt.close();
});

function count(topic: string): number {
  return observer.on(topic).length;
}

function last(topic: string): Record<string, unknown> {
  return JSON.parse(observer.last(topic) ?? '{}') as Record<string, unknown>;
}

/** Lets the broker deliver whatever was published, by publishing a marker after it. */
async function settled(): Promise<void> {
  const marker = `nwp500/bridge/marker-${Math.random()}`;
  broker.publish(marker, 'x');
  await waitFor(() => observer.on(marker).length > 0, 'the marker');
}

describe('BridgeDiagnostics', () => {
  it('publishes at start, then once a minute, not for every cloud message', async () => {
    diagnostics.start();
    await waitFor(() => count(DIAGNOSTICS) === 1, 'the first publish');
    for (let i = 0; i < 500; i++) collector.recordMessage('in');
    clock.advance(59_000);
    await settled();
    expect(count(DIAGNOSTICS)).toBe(1);
    clock.advance(1_000);
    await waitFor(() => count(DIAGNOSTICS) === 2, 'the minute publish');
    expect(last(DIAGNOSTICS)).toMatchObject({
      cloud_connected: 'ON',
      session_uptime: 60,
      link_state: 'connected',
    });
  });

  it('publishes the link going down at once, and the rest of a burst of events once, shortly after', async () => {
    diagnostics.start();
    await waitFor(() => count(DIAGNOSTICS) === 1, 'the first publish');
    link.setState('reconnecting');
    // No time passes: the connectivity entity shows the drop at once, however short it will be.
    await waitFor(() => count(DIAGNOSTICS) === 2, 'the drop published at once');
    expect(last(DIAGNOSTICS)).toMatchObject({ cloud_connected: 'OFF', link_state: 'reconnecting' });
    collector.recordConnectionDrop({
      error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', message: 'hang-up', code: 5134 },
      reconnectAttempt: 0,
      activeSubscriptions: 2,
      queuedCommands: 0,
    });
    link.setState('connecting');
    clock.advance(250);
    await waitFor(() => count(DIAGNOSTICS) === 3, 'the publish after the burst');
    await settled();
    expect(count(DIAGNOSTICS)).toBe(3);
    expect(last(DIAGNOSTICS)).toMatchObject({
      cloud_connected: 'OFF',
      drops_total: 1,
      drops_24h: 1,
      last_drop_error: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
      session_uptime: 0,
    });
  });

  it('publishes a link coming back promptly, even while the drop analysis waits out its minimum interval', async () => {
    diagnostics.start();
    await waitFor(() => count(DIAGNOSTICS) === 1, 'the first publish');
    link.setState('reconnecting');
    collector.recordConnectionDrop({
      error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', message: 'hang-up', code: 5134 },
      reconnectAttempt: 0,
      activeSubscriptions: 2,
      queuedCommands: 0,
    });
    clock.advance(250);
    await waitFor(() => last(DIAGNOSTICS).cloud_connected === 'OFF', 'the drop');
    clock.advance(750);
    link.connectedAtMono = clock.monotonic();
    link.setState('connected');
    collector.recordConnectionSuccess({
      eventType: 'resumed',
      sessionPresent: true,
      returnCode: 0,
      attemptNumber: 1,
    });
    clock.advance(250);
    await waitFor(
      () => last(DIAGNOSTICS).cloud_connected === 'ON',
      'the link back up, 1.25 s after the drop',
    );
  });

  it('publishes the Health entity when health changes, also when only time changed it (an outage passing unhealthy_after_secs)', async () => {
    const health = new HealthMonitor({
      link,
      auth: { state: () => 'signed_in' },
      maxReconnectAttempts: -1,
      limits: defaultLimits(30),
      clock,
      log: log.logger,
    });
    const withHealth = new BridgeDiagnostics({
      broker,
      link,
      collector,
      clock,
      log: log.logger,
      intervalMs: 60_000,
      installId: 'a1b2c3d4',
      health,
    });
    health.start();
    withHealth.start();
    try {
      await waitFor(() => last(DIAGNOSTICS).health === 'ok', 'health ok at start');
      expect(last(DIAGNOSTICS).health_attributes).toEqual({ reasons: [] });
      link.setState('reconnecting');
      await waitFor(() => last(DIAGNOSTICS).health === 'degraded', 'degraded at once on the drop');
      const before = count(DIAGNOSTICS);
      // 31 s later, well before the minute's publish: the one-second tick found link_down.
      clock.advance(31_000);
      clock.advance(250);
      await waitFor(() => last(DIAGNOSTICS).health === 'unhealthy', 'unhealthy within the settle time');
      expect(count(DIAGNOSTICS)).toBe(before + 1);
      const attributes = last(DIAGNOSTICS).health_attributes as { reasons: Array<Record<string, unknown>> };
      expect(attributes.reasons).toEqual([
        expect.objectContaining({
          code: 'link_down',
          severity: 'unhealthy',
          since: new Date(clock.now() - 31_250).toISOString(),
        }),
      ]);
      // What the entity says is what health says.
      expect(attributes.reasons).toEqual(JSON.parse(JSON.stringify(health.current().reasons)));
    } finally {
      withHealth.stop();
      health.stop();
    }
  });

  it('counts only the drops of the last 24 hours as recent', async () => {
    collector.recordConnectionDrop({
      error: { name: 'AWS_IO_SOCKET_CLOSED', message: 'closed', code: 1051 },
      reconnectAttempt: 0,
      activeSubscriptions: 2,
      queuedCommands: 0,
    });
    clock.advance(25 * 3_600_000);
    const snapshot = diagnostics.snapshot();
    expect(snapshot.metrics.total_connection_drops).toBe(1);
    expect(snapshot.numbers.drops_last_24h).toBe(0);
    expect(snapshot.numbers.drops).toBe(1);
  });

  it('republishes the link attributes only when what they say changes', async () => {
    diagnostics.start();
    await waitFor(() => count(ATTRIBUTES) === 1, 'the first attributes');
    expect(last(ATTRIBUTES)).toMatchObject({
      link_state: 'connected',
      drops_total: 0,
      config: { keep_alive_secs: 60 },
    });
    clock.advance(180_000);
    await settled();
    expect(count(DIAGNOSTICS)).toBe(4);
    expect(count(ATTRIBUTES)).toBe(1);
    collector.recordConnectionDrop({
      error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', message: 'hang-up', code: 5134 },
      reconnectAttempt: 0,
      activeSubscriptions: 2,
      queuedCommands: 0,
    });
    link.setState('reconnecting');
    await waitFor(() => count(ATTRIBUTES) === 2, 'the attributes after the drop');
    clock.advance(250);
    await settled();
    // The settle-time publish found nothing new to say in the attributes.
    expect(count(ATTRIBUTES)).toBe(2);
    const attributes = last(ATTRIBUTES);
    expect(attributes).toMatchObject({
      link_state: 'reconnecting',
      drops_by_error: { AWS_ERROR_MQTT_UNEXPECTED_HANGUP: 1 },
      recent_drops: [{ error: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', session_seconds: 180 }],
    });
    expect(JSON.stringify(attributes).length).toBeLessThan(2_000);
  });

  it('stops publishing and leaves no timer behind when stopped', async () => {
    diagnostics.start();
    link.setState('reconnecting');
    collector.recordMessage('in');
    link.setState('connecting');
    diagnostics.stop();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(600_000);
    await settled();
    // The start and the drop, published at once; nothing after the stop.
    expect(count(DIAGNOSTICS)).toBe(2);
  });
});
