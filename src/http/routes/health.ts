// GET /healthz: what the Supervisor watchdog polls. 200 while the process is sound, even with the
// cloud down (the body says so); 503 only when the caller says a restart would help.

import type { FastifyPluginAsync } from 'fastify';
import { isoUtc } from '../../diagnostics/types.js';
import type { Clock } from '../../util/clock.js';
import { type HealthBody, type HealthState, healthBodySchema, type ReportFileStatus } from '../health.js';
import { jsonSchemaOf } from '../jsonSchema.js';

export interface HealthRouteOptions {
  health: () => HealthState;
  reportStatus: () => ReportFileStatus;
  version: string;
  clock: Clock;
}

export const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, options) => {
  const body = jsonSchemaOf(healthBodySchema);
  app.get('/healthz', { schema: { response: { 200: body, 503: body } } }, async (_request, reply) => {
    const state = options.health();
    const answer: HealthBody = {
      status: state.process.ok ? 'ok' : 'unhealthy',
      version: options.version,
      checked_at: isoUtc(options.clock.now()),
      process: state.process,
      cloud: state.cloud,
      local_broker: state.local_broker,
      auth: state.auth,
      report_file: options.reportStatus(),
    };
    return reply.code(state.process.ok ? 200 : 503).send(answer);
  });
};
