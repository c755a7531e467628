// The `button` platform: HA's documented discovery keys as a zod schema and its builder.

import { z } from 'zod';
import { ALL_CATEGORIES, buildComponent, entityBase, templateSchema, topicSchema } from './common.js';

export const buttonSchema = z
  .strictObject({
    ...entityBase('button', ALL_CATEGORIES),
    command_topic: topicSchema,
    command_template: templateSchema.optional(),
    /** May be empty: HA then publishes an empty payload. */
    payload_press: z.string().optional(),
    device_class: z.enum(['identify', 'restart', 'update']).optional(),
    retain: z.boolean().optional(),
  })
  .superRefine((config, ctx) => {
    if (config.device_class === 'identify' && config.entity_category !== 'diagnostic') {
      ctx.addIssue({
        code: 'custom',
        path: ['entity_category'],
        message: 'a button with device_class identify must have entity_category diagnostic',
      });
    }
  });

export type ButtonConfig = z.output<typeof buttonSchema>;
export type ButtonInput = Omit<z.input<typeof buttonSchema>, 'platform'>;

export function buildButton(input: ButtonInput): ButtonConfig {
  return buildComponent(buttonSchema, 'button', input);
}
