// The `select` platform: HA's documented discovery keys as a zod schema and its builder.

import { z } from 'zod';
import {
  ALL_CATEGORIES,
  buildComponent,
  commandKeys,
  entityBase,
  templateSchema,
  topicSchema,
} from './common.js';

export const selectSchema = z
  .strictObject({
    ...entityBase('select', ALL_CATEGORIES),
    ...commandKeys,
    options: z.array(z.string().min(1)).min(1, 'select needs at least one option'),
    state_topic: topicSchema.optional(),
    value_template: templateSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (new Set(config.options).size !== config.options.length) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must not repeat' });
    }
  });

export type SelectConfig = z.output<typeof selectSchema>;
export type SelectInput = Omit<z.input<typeof selectSchema>, 'platform'>;

export function buildSelect(input: SelectInput): SelectConfig {
  return buildComponent(selectSchema, 'select', input);
}
