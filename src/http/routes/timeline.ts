// GET /api/timeline: the sessions and drops of the last hour, day or days for the ingress page's
// chart (`?hours=1..720` or `?days=1..30`; neither: the shortest range that holds the history). Not
// one of the original contracted routes: an addition that only the page depends on.

import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../util/clock.js';
import type { Redactor } from '../../util/redact.js';
import { jsonSchemaOf } from '../jsonSchema.js';
import {
  buildTimeline,
  MAX_TIMELINE_DAYS,
  MAX_TIMELINE_HOURS,
  type TimelineCollector,
  timelineSchema,
} from '../timeline.js';

export interface TimelineRouteOptions {
  collector: TimelineCollector;
  redactor: Redactor;
  clock: Clock;
}

const query = {
  type: 'object',
  properties: {
    days: { type: 'integer', minimum: 1, maximum: MAX_TIMELINE_DAYS },
    hours: { type: 'integer', minimum: 1, maximum: MAX_TIMELINE_HOURS },
  },
  additionalProperties: false,
} as const;

export const timelineRoutes: FastifyPluginAsync<TimelineRouteOptions> = async (app, options) => {
  app.get<{ Querystring: { days?: number; hours?: number } }>(
    '/api/timeline',
    { schema: { querystring: query, response: { 200: jsonSchemaOf(timelineSchema) } } },
    async (request, reply) =>
      reply.send(
        buildTimeline({
          collector: options.collector,
          redactor: options.redactor,
          nowMs: options.clock.now(),
          ...(request.query.hours !== undefined ? { hours: request.query.hours } : {}),
          ...(request.query.days !== undefined ? { days: request.query.days } : {}),
        }),
      ),
  );
};
