// Builds the diagnostics HTTP server (Fastify): the source-address rule, JSON errors, and one
// encapsulated plugin per route group, each handed only the dependencies it uses.

import { createRequire } from 'node:module';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { DiagnosticsReport } from '../diagnostics/report.js';
import type { Clock } from '../util/clock.js';
import { type Logger, moduleLogger } from '../util/logger.js';
import type { Redactor } from '../util/redact.js';
import { installErrorHandling, sendError } from './errors.js';
import type { HealthState, ReportFileStatus } from './health.js';
import type { HeaterFacts } from './heaters.js';
import type { BridgeMetrics, MetricsCollector, MetricsEndpoint, MetricsSources } from './metrics.js';
import type { WriteResult } from './reportWriter.js';
import { diagnosticsRoutes } from './routes/diagnostics.js';
import { healthRoutes } from './routes/health.js';
import { heatersRoutes } from './routes/heaters.js';
import { metricsRoutes } from './routes/metrics.js';
import { pageRoutes } from './routes/page.js';
import { timelineRoutes } from './routes/timeline.js';
import { INGRESS_SOURCES, installSourceGuard } from './sourceGuard.js';
import type { TimelineCollector } from './timeline.js';

export const DEFAULT_BODY_LIMIT = 16 * 1024;

export interface HttpDeps {
  /** The root logger; the server logs as `module: 'http'`. */
  log: Logger;
  redactor: Redactor;
  clock: Clock;
  /** The diagnostics collector (counters for /metrics, retained history for /api/timeline). */
  collector: MetricsCollector & TimelineCollector;
  /** The redacted export, built fresh on each call (`buildReport`). */
  report: () => DiagnosticsReport;
  health: () => HealthState;
  /** What /metrics needs beyond the collector: queue depth, last message age, per-device freshness. */
  bridgeMetrics: () => BridgeMetrics;
  reportWriter: { writeNow(): Promise<WriteResult>; status(): ReportFileStatus };
  /** What the page's heater cards show, per heater; none when not given. */
  heaters?: () => readonly HeaterFacts[];
  /** Running under the HA Supervisor: only ingress (172.30.32.2) and loopback may connect. */
  supervised: boolean;
  /** Who may connect when supervised; defaults to INGRESS_SOURCES. */
  allowedSources?: readonly string[];
  version: string;
  /** Largest request body accepted, bytes (the API takes none worth more than a few bytes). */
  bodyLimit?: number;
}

type SerializerFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']
>;

/** Fastify's own serializer factory (fast-json-stringify), resolved from Fastify's dependencies. */
function fastifySerializerFactory(): SerializerFactory {
  const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));
  return (fromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
}

/**
 * Fastify's serializers, each compiled at its route's first reply instead of when the server gets
 * ready: Fastify compiles every response schema up front (and again for each GET's HEAD twin),
 * ~20–35 ms and ~5 MB at every start (bench/FINDINGS.md), mostly for routes nobody calls while
 * nobody has the page open. Same compiler, same output.
 */
const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  let compile: ReturnType<SerializerFactory> | undefined;
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined;
    return (data) => {
      compile ??= fastifySerializerFactory()(externalSchemas, options);
      serialize ??= compile(route);
      return serialize(data);
    };
  };
};

/**
 * /metrics with prom-client (and the metrics module) imported at the first scrape: ~40 ms of
 * imports at every start otherwise (bench/FINDINGS.md), for an endpoint that may never be scraped.
 * The route reads the content type after rendering, so it is always prom-client's own.
 */
function metricsOnFirstScrape(sources: MetricsSources): MetricsEndpoint {
  let loading: Promise<MetricsEndpoint> | undefined;
  let loaded: MetricsEndpoint | undefined;
  return {
    get contentType(): string {
      return loaded?.contentType ?? PROMETHEUS_TEXT;
    },
    async render(): Promise<string> {
      loading ??= import('./metrics.js').then(({ createMetrics }) => createMetrics(sources));
      loaded = await loading;
      return loaded.render();
    },
  };
}

/** prom-client's text exposition type, for a content type asked before the first scrape. */
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

export async function buildServer(deps: HttpDeps): Promise<FastifyInstance> {
  const log = moduleLogger(deps.log, 'http');
  const startedMono = deps.clock.monotonic();
  const app = Fastify({
    // Typed as Fastify's own logger interface so the instance is a plain FastifyInstance.
    loggerInstance: log as FastifyBaseLogger,
    // Per-request lines would be a watchdog poll every few seconds at info; we log at debug below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: false,
    // Ajv would first compile the whole JSON Schema meta-schema to check our two fixed querystring
    // schemas (~15 ms and ~5 MB at every start, bench/FINDINGS.md); what they accept is unchanged,
    // and the server tests exercise them. fast-json-stringify's own Ajv skips this check too.
    ajv: { customOptions: { validateSchema: false } },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
    return503OnClosing: true,
    // Errors Fastify raises before routing (a malformed URL) get the same JSON shape as the rest.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, 400, 'bad_request', error.message.slice(0, 300));
    },
  });

  installErrorHandling(app, log);
  if (deps.supervised) installSourceGuard(app, deps.allowedSources ?? INGRESS_SOURCES, log);

  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0];
    log.debug(
      { method: request.method, path, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'http',
    );
  });

  await app.register(healthRoutes, {
    health: deps.health,
    reportStatus: () => deps.reportWriter.status(),
    version: deps.version,
    clock: deps.clock,
  });
  await app.register(diagnosticsRoutes, {
    report: deps.report,
    reportWriter: deps.reportWriter,
    redactor: deps.redactor,
    clock: deps.clock,
  });
  await app.register(metricsRoutes, {
    metrics: metricsOnFirstScrape({
      collector: deps.collector,
      health: deps.health,
      bridgeMetrics: deps.bridgeMetrics,
      reportStatus: () => deps.reportWriter.status(),
      uptimeSeconds: () => (deps.clock.monotonic() - startedMono) / 1000,
      redactor: deps.redactor,
      version: deps.version,
    }),
  });
  await app.register(timelineRoutes, {
    collector: deps.collector,
    redactor: deps.redactor,
    clock: deps.clock,
  });
  await app.register(heatersRoutes, {
    heaters: deps.heaters ?? (() => []),
    redactor: deps.redactor,
    clock: deps.clock,
  });
  await app.register(pageRoutes, { version: deps.version });
  await app.ready();
  return app;
}
