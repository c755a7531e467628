// GET /api/heaters: the page's heater cards (name, mode, temperatures, availability and why, the
// last status, the commands waiting). An addition that only the page depends on; devices appear
// as pseudonyms, never as their MAC.

import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../util/clock.js';
import type { Redactor } from '../../util/redact.js';
import { buildHeaters, type HeaterFacts, heatersSchema } from '../heaters.js';
import { jsonSchemaOf } from '../jsonSchema.js';

export interface HeatersRouteOptions {
  heaters: () => readonly HeaterFacts[];
  redactor: Redactor;
  clock: Clock;
}

export const heatersRoutes: FastifyPluginAsync<HeatersRouteOptions> = async (app, options) => {
  app.get(
    '/api/heaters',
    { schema: { response: { 200: jsonSchemaOf(heatersSchema) } } },
    async (_request, reply) =>
      reply.send(
        buildHeaters({ heaters: options.heaters(), redactor: options.redactor, nowMs: options.clock.now() }),
      ),
  );
};
