// GET /: the ingress page (HA sidebar), also usable in a plain browser and on a phone.

import type { FastifyPluginAsync } from 'fastify';
import { ingressBase, pageContentSecurityPolicy, renderPage } from '../page/html.js';

export interface PageRouteOptions {
  version: string;
}

export const pageRoutes: FastifyPluginAsync<PageRouteOptions> = async (app, options) => {
  const policy = pageContentSecurityPolicy();
  app.get(
    '/',
    { schema: { response: { 200: { type: 'string', description: 'the ingress page (text/html)' } } } },
    async (request, reply) => {
      const html = renderPage({
        version: options.version,
        ingressPath: ingressBase(request.headers['x-ingress-path']),
      });
      return reply.header('content-security-policy', policy).type('text/html; charset=utf-8').send(html);
    },
  );
};
