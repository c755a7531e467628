// The `number` platform: HA's documented discovery keys as a zod schema (range, step, mode, device
// class with its units) and its builder.

import { z } from 'zod';
import {
  ALL_CATEGORIES,
  buildComponent,
  commandKeys,
  entityBase,
  templateSchema,
  topicSchema,
} from './common.js';
import { NUMBER_DEVICE_CLASSES, unitProblems } from './units.js';

export const numberSchema = z
  .strictObject({
    ...entityBase('number', ALL_CATEGORIES),
    ...commandKeys,
    state_topic: topicSchema.optional(),
    value_template: templateSchema.optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    step: z.number().min(0.001, 'step must be at least 0.001').optional(),
    mode: z.enum(['auto', 'box', 'slider']).optional(),
    device_class: z.enum(NUMBER_DEVICE_CLASSES).optional(),
    unit_of_measurement: z.string().min(1).optional(),
    payload_reset: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    // HA's defaults when a bound is left out.
    const min = config.min ?? 1;
    const max = config.max ?? 100;
    if (min >= max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: `min (${min}) must be below max (${max})` });
    }
    for (const message of unitProblems(config.device_class, config.unit_of_measurement, undefined)) {
      ctx.addIssue({ code: 'custom', path: ['device_class'], message });
    }
  });

export type NumberConfig = z.output<typeof numberSchema>;
export type NumberInput = Omit<z.input<typeof numberSchema>, 'platform'>;

export function buildNumber(input: NumberInput): NumberConfig {
  return buildComponent(numberSchema, 'number', input);
}
