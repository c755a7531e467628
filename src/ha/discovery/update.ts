// The `update` platform: HA's documented discovery keys as a zod schema and its builder. Without a
// command topic HA offers no install action: the entity only shows what is installed and what waits.

import { z } from 'zod';
import { ALL_CATEGORIES, buildComponent, entityBase, templateSchema, topicSchema } from './common.js';

export const updateSchema = z
  .strictObject({
    ...entityBase('update', ALL_CATEGORIES),
    /** Optional here only because a device message may share one `state_topic` at its root. */
    state_topic: topicSchema.optional(),
    /** Renders the installed version, or a JSON object with `installed_version`, `latest_version`, … */
    value_template: templateSchema.optional(),
    latest_version_topic: topicSchema.optional(),
    latest_version_template: templateSchema.optional(),
    command_topic: topicSchema.optional(),
    payload_install: z.string().min(1).optional(),
    device_class: z.enum(['firmware']).optional(),
    display_precision: z.number().int().min(0).max(10).optional(),
    entity_picture: z.url().optional(),
    release_summary: z.string().min(1).max(255).optional(),
    release_url: z.url().optional(),
    title: z.string().min(1).optional(),
    retain: z.boolean().optional(),
  })
  .superRefine((config, ctx) => {
    if (config.payload_install !== undefined && config.command_topic === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['payload_install'],
        message: 'payload_install needs command_topic',
      });
    }
    if (config.latest_version_template !== undefined && config.latest_version_topic === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['latest_version_template'],
        message: 'latest_version_template needs latest_version_topic',
      });
    }
  });

export type UpdateConfig = z.output<typeof updateSchema>;
export type UpdateInput = Omit<z.input<typeof updateSchema>, 'platform'>;

export function buildUpdate(input: UpdateInput): UpdateConfig {
  return buildComponent(updateSchema, 'update', input);
}
