// GET /metrics: Prometheus text exposition, collected at scrape time.

import type { FastifyPluginAsync } from 'fastify';
import type { MetricsEndpoint } from '../metrics.js';

export interface MetricsRouteOptions {
  metrics: MetricsEndpoint;
}

export const metricsRoutes: FastifyPluginAsync<MetricsRouteOptions> = async (app, options) => {
  app.get(
    '/metrics',
    { schema: { response: { 200: { type: 'string', description: 'Prometheus text format 0.0.4' } } } },
    async (_request, reply) => {
      const text = await options.metrics.render();
      return reply.type(options.metrics.contentType).send(text);
    },
  );
};
