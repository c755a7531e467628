// How the HTTP server answers when something is wrong: one JSON error shape, 404 for unknown paths,
// 405 (with Allow) for a known path asked with the wrong method, and no stack trace ever.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../util/logger.js';

export const errorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  /** The operating-system error code (EROFS, ENOSPC, …) when the disk refused. */
  code: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

const PROBED_METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function sendError(
  reply: FastifyReply,
  status: number,
  error: string,
  message: string,
  code?: string,
): FastifyReply {
  const body: ErrorBody = code === undefined ? { error, message } : { error, message, code };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Short, printable, bounded: the path is echoed back to whoever asked, never as HTML. */
function shown(path: string): string {
  const printable = path.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 120 ? `${printable.slice(0, 117)}...` : printable;
}

const CLIENT_ERROR_NAMES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

export function installErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const allowed = PROBED_METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0) {
      void reply.header('allow', allowed.join(', '));
      return sendError(
        reply,
        405,
        'method_not_allowed',
        `${request.method} is not allowed on ${shown(path)}`,
      );
    }
    return sendError(reply, 404, 'not_found', `No route ${request.method} ${shown(path)}`);
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      log.debug({ code: error.code, status, url: pathOf(request.url) }, 'http request refused');
      const name = CLIENT_ERROR_NAMES[status] ?? 'bad_request';
      // Fastify's own 4xx messages (validation, body too large, bad JSON) are safe and useful to show.
      return sendError(reply, status, name, error.message.slice(0, 300));
    }
    log.error({ err: error, url: pathOf(request.url) }, 'http handler failed');
    return sendError(
      reply,
      500,
      'internal_error',
      'The bridge could not answer this request; see the add-on log.',
    );
  });
}
