// Turns the zod schemas our routes answer with into the JSON Schemas Fastify compiles, so each
// response has one definition that both the serializer and the tests read.

import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/** Draft-07 (what Fastify's Ajv speaks) of what a zod schema outputs, without the `$schema` tag. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'output',
  }) as JsonSchema;
  return rest;
}
