// GET /healthz: what the Supervisor watchdog polls. 503 exactly when health is unhealthy (a restart
// would help); 200 otherwise, degraded included (a cloud outage shorter than unhealthy_after_secs,
// a rejected password), with the reasons in the body.

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
    const { health } = state;
    const unhealthy = health.status === 'unhealthy';
    const answer: HealthBody = {
      status: health.status,
      reasons: health.reasons,
      version: options.version,
      checked_at: isoUtc(options.clock.now()),
      process: {
        ok: !unhealthy,
        problems: health.reasons.filter((r) => r.severity === 'unhealthy').map((r) => r.message),
      },
      cloud: state.cloud,
      local_broker: state.local_broker,
      auth: state.auth,
      report_file: options.reportStatus(),
    };
    return reply.code(unhealthy ? 503 : 200).send(answer);
  });
};
