// GET /api/diagnostics (the redacted report, or the same as a file download with ?download=1) and
// POST /api/diagnostics/export (write the report file now and say where).

import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { type DiagnosticsReport, diagnosticsReportSchema } from '../../diagnostics/report.js';
import type { Clock } from '../../util/clock.js';
import type { Redactor } from '../../util/redact.js';
import { errorBodySchema, sendError } from '../errors.js';
import { jsonSchemaOf } from '../jsonSchema.js';
import { DISK_FULL_CODES, ReportWriteError, type WriteResult } from '../reportWriter.js';

export interface DiagnosticsRouteOptions {
  report: () => DiagnosticsReport;
  reportWriter: { writeNow(): Promise<WriteResult> };
  redactor: Redactor;
  clock: Clock;
}

export const exportResultSchema = z.object({ path: z.string(), bytes: z.number(), written_at: z.string() });

const downloadQuery = {
  type: 'object',
  properties: { download: { type: 'string', enum: ['0', '1', 'true', 'false'] } },
  additionalProperties: false,
} as const;

/**
 * The export takes no parameters: no body at all (what the page sends), or an empty JSON object.
 * Checked with zod in the handler, because a Fastify body schema would refuse the missing body.
 */
export const exportRequestSchema = z.union([z.undefined(), z.object({}).strict()]);

/** `nwp500-diagnostics-20260101-120000Z.json`: sortable, and no characters a file system dislikes. */
export function downloadFileName(wallMs: number): string {
  const stamp = new Date(wallMs).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `nwp500-diagnostics-${stamp}Z.json`;
}

export const diagnosticsRoutes: FastifyPluginAsync<DiagnosticsRouteOptions> = async (app, options) => {
  const error = jsonSchemaOf(errorBodySchema);

  app.get<{ Querystring: { download?: '0' | '1' | 'true' | 'false' } }>(
    '/api/diagnostics',
    { schema: { querystring: downloadQuery, response: { 200: jsonSchemaOf(diagnosticsReportSchema) } } },
    async (request, reply) => {
      const report = options.redactor.redact(options.report());
      const download = request.query.download === '1' || request.query.download === 'true';
      if (download) {
        void reply.header(
          'content-disposition',
          `attachment; filename="${downloadFileName(options.clock.now())}"`,
        );
      }
      return reply.send(report);
    },
  );

  app.post(
    '/api/diagnostics/export',
    {
      schema: {
        response: { 200: jsonSchemaOf(exportResultSchema), 400: error, 500: error, 507: error },
      },
    },
    async (request, reply) => {
      const body = exportRequestSchema.safeParse(request.body);
      if (!body.success) {
        return sendError(reply, 400, 'bad_request', 'This endpoint takes no parameters: send no body or {}.');
      }
      try {
        return reply.send(await options.reportWriter.writeNow());
      } catch (failure) {
        if (failure instanceof ReportWriteError) {
          const status = DISK_FULL_CODES.has(failure.code) ? 507 : 500;
          return sendError(
            reply,
            status,
            'report_write_failed',
            `The report file could not be written: ${failure.message}.`,
            failure.code,
          );
        }
        throw failure;
      }
    },
  );
};
