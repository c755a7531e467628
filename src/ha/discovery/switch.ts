// The `switch` platform: HA's documented discovery keys as a zod schema and its builder.

import { z } from 'zod';
import {
  ALL_CATEGORIES,
  buildComponent,
  commandKeys,
  entityBase,
  templateSchema,
  topicSchema,
} from './common.js';

export const switchSchema = z
  .strictObject({
    ...entityBase('switch', ALL_CATEGORIES),
    ...commandKeys,
    state_topic: topicSchema.optional(),
    value_template: templateSchema.optional(),
    payload_on: z.string().min(1).optional(),
    payload_off: z.string().min(1).optional(),
    state_on: z.string().min(1).optional(),
    state_off: z.string().min(1).optional(),
    device_class: z.enum(['outlet', 'switch']).optional(),
  })
  .superRefine((config, ctx) => {
    const on = config.state_on ?? config.payload_on ?? 'ON';
    const off = config.state_off ?? config.payload_off ?? 'OFF';
    if (on === off) {
      ctx.addIssue({ code: 'custom', path: ['state_on'], message: 'the on and off states must differ' });
    }
  });

export type SwitchConfig = z.output<typeof switchSchema>;
export type SwitchInput = Omit<z.input<typeof switchSchema>, 'platform'>;

export function buildSwitch(input: SwitchInput): SwitchConfig {
  return buildComponent(switchSchema, 'switch', input);
}
