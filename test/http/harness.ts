// A real diagnostics server for the HTTP tests: a real collector fed with a planted history, the
// real report builder and redactor, a real ReportWriter on a temp dir, Fastify listening on a port.

import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DiagnosticsCollector } from '../../src/diagnostics/collector.js';
import { analyzeDrops } from '../../src/diagnostics/patterns.js';
import { type BridgeInfo, buildReport, type DeviceSummary } from '../../src/diagnostics/report.js';
import type { HealthState } from '../../src/http/health.js';
import type { HeaterFacts } from '../../src/http/heaters.js';
import type { BridgeMetrics } from '../../src/http/metrics.js';
import { ReportWriter, type ReportWriterOptions } from '../../src/http/reportWriter.js';
import { buildServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/util/clock.js';
import { Redactor } from '../../src/util/redact.js';
import { type CapturedLog, captureLog } from '../helpers/logCapture.js';

export const MAC = '04786332fa1b';
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Eight days of a link the AWS side cuts every ~24 h, with a few socket closures in between, a
 * failed reconnect, a host event, and the link up at the end.
 */
export function plantHistory(collector: DiagnosticsCollector, clock: ManualClock): void {
  collector.recordConfigEpoch({ keep_alive_secs: 60 });
  collector.recordCredentialRenewal({ planned: true, reason: 'sign-in' });
  collector.recordConnectionSuccess({
    eventType: 'connected',
    sessionPresent: false,
    returnCode: 0,
    attemptNumber: 0,
  });
  for (let day = 0; day < 8; day++) {
    if (day === 2 || day === 5) {
      clock.advance(9 * HOUR_MS);
      collector.recordConnectionDrop({
        error: { name: 'AWS_IO_SOCKET_CLOSED', code: 1051, message: 'socket closed' },
        reconnectAttempt: 0,
        activeSubscriptions: 4,
        queuedCommands: 0,
      });
      clock.advance(1_500);
      collector.recordReconnectAttempt({ attempt: 1, deep: false });
      collector.recordConnectionSuccess({
        eventType: 'resumed',
        sessionPresent: true,
        returnCode: 0,
        attemptNumber: 1,
      });
      clock.advance(15 * HOUR_MS - 1_500);
    } else {
      clock.advance(24 * HOUR_MS);
    }
    if (day === 4) collector.recordSystemEvent({ kind: 'network_change', detail: 'eth0 address changed' });
    for (let i = 0; i < 20; i++) collector.recordMessage('in');
    collector.recordConnectionDrop({
      error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'the server hung up' },
      reconnectAttempt: 0,
      activeSubscriptions: 4,
      queuedCommands: 0,
    });
    collector.recordReconnectAttempt({ attempt: 1, deep: false });
    if (day === 6) {
      collector.recordReconnectFailure({
        attempt: 1,
        deep: false,
        error: { name: 'AWS_ERROR_HTTP_WEBSOCKET_UPGRADE_FAILURE', code: 2065, message: 'HTTP 403' },
      });
      clock.advance(4_000);
      collector.recordReconnectAttempt({ attempt: 2, deep: true });
    }
    clock.advance(2_000);
    collector.recordConnectionSuccess({
      eventType: day === 6 ? 'deep_reconnected' : 'resumed',
      sessionPresent: true,
      returnCode: 0,
      attemptNumber: day === 6 ? 2 : 1,
    });
  }
  clock.advance(3 * HOUR_MS);
}

export function bridgeInfo(clock: ManualClock, collector: DiagnosticsCollector): BridgeInfo {
  const since = collector.currentSessionStartedAt();
  return {
    version: '0.1.0-test',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    uptime_seconds: 8 * 86_400,
    started_at: new Date(clock.now() - 8 * DAY_MS).toISOString(),
    cloud: {
      state: collector.isConnected() ? 'connected' : 'reconnecting',
      endpoint_host: 'a1t30mldyslmuq-ats.iot.us-east-1.amazonaws.com',
      client_id: 'navien-client-test',
      connected_since: since === null ? null : new Date(since).toISOString(),
      reconnect_attempt: 0,
      last_error: { name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP', code: 5134, message: 'the server hung up' },
      last_message_age_seconds: 3,
      subscriptions: 4,
      queued_commands: 0,
    },
    local_broker: { connected: true, host: 'core-mosquitto', source: 'supervisor', reconnects: 0 },
    config: { keep_alive_secs: 60, status_interval: 30 },
  };
}

export interface Harness {
  url: string;
  app: FastifyInstance;
  clock: ManualClock;
  collector: DiagnosticsCollector;
  redactor: Redactor;
  log: CapturedLog;
  writer: ReportWriter;
  dir: string;
  /** Mutable: what health() answers. */
  health: HealthState;
  /** Mutable: what bridgeMetrics() answers. */
  bridge: BridgeMetrics;
  devices: DeviceSummary[];
  /** The report() the server was given (the real buildReport over the collector). */
  report: () => ReturnType<typeof buildReport>;
  /** Replace to make report() do something else (e.g. throw). */
  reportOverride: { fn: (() => ReturnType<typeof buildReport>) | null };
  close(): Promise<void>;
}

export interface HarnessOptions {
  supervised?: boolean;
  allowedSources?: readonly string[];
  /** Default: a planted eight-day history. */
  plant?: (collector: DiagnosticsCollector, clock: ManualClock) => void;
  clock?: ManualClock;
  redactor?: Redactor;
  dir?: string;
  intervalSeconds?: number;
  beforeRename?: ReportWriterOptions['beforeRename'];
  host?: string;
  /** Give the collector the captured logger too (its drop and reconnect lines). */
  logCollector?: boolean;
  /** What the heater cards show (none by default). */
  heaters?: () => readonly HeaterFacts[];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 5));
  const redactor = options.redactor ?? new Redactor();
  const log = captureLog('debug', redactor);
  const collector = new DiagnosticsCollector({
    maxEventsRetained: 1000,
    clock,
    ...(options.logCollector ? { log: log.logger } : {}),
  });
  (options.plant ?? plantHistory)(collector, clock);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nwp500-http-')));
  const devices: DeviceSummary[] = [
    {
      id: MAC,
      model: 'NWP500',
      online: true,
      last_update: new Date(clock.now()).toISOString(),
      firmware: '1.0',
    },
  ];
  const reportOverride: Harness['reportOverride'] = { fn: null };
  const report = () =>
    reportOverride.fn
      ? reportOverride.fn()
      : buildReport({
          collector,
          analysis: analyzeDrops(collector.analysisInput({ keepAliveSecs: 60 })),
          bridge: bridgeInfo(clock, collector),
          devices,
          redactor,
        });
  const writer = new ReportWriter({
    dir,
    fileName: 'nwp500_diagnostics.json',
    intervalSeconds: options.intervalSeconds ?? 0,
    report,
    redactor,
    clock,
    log: log.logger,
    beforeRename: options.beforeRename,
  });
  const since = collector.currentSessionStartedAt();
  const health: HealthState = {
    health: { status: 'ok', reasons: [] },
    cloud: {
      state: collector.isConnected() ? 'connected' : 'reconnecting',
      connected: collector.isConnected(),
      connected_since: since === null ? null : new Date(since).toISOString(),
      reconnect_attempt: 0,
      last_error: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP',
    },
    local_broker: { connected: true },
    auth: { state: 'signed_in' },
  };
  const bridge: BridgeMetrics = {
    command_queue_depth: 2,
    last_message_age_seconds: 3,
    devices: [{ id: MAC, available: true, last_update_age_seconds: 12 }],
  };
  const app = await buildServer({
    log: log.logger,
    redactor,
    clock,
    collector,
    report,
    health: () => health,
    bridgeMetrics: () => bridge,
    reportWriter: writer,
    ...(options.heaters ? { heaters: options.heaters } : {}),
    supervised: options.supervised ?? false,
    ...(options.allowedSources ? { allowedSources: options.allowedSources } : {}),
    version: '0.1.0-test',
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    app,
    clock,
    collector,
    redactor,
    log,
    writer,
    dir,
    health,
    bridge,
    devices,
    report,
    reportOverride,
    async close() {
      await app.close();
      await writer.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with full control (source address, raw body, any method), as fetch does not allow. */
export function rawRequest(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    localAddress?: string;
  } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? 'GET', headers: init.headers, localAddress: init.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Polls until `check` holds (real I/O finishing), failing after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
