// The `sensor` platform: HA's documented discovery keys as a zod schema, with the device-class, unit
// and state-class rules HA (and its Energy dashboard) applies, and the builder that enforces them.

import { z } from 'zod';
import { buildComponent, entityBase, READ_ONLY_CATEGORIES, templateSchema, topicSchema } from './common.js';
import { SENSOR_DEVICE_CLASSES, STATE_CLASSES, unitProblems } from './units.js';

export const sensorSchema = z
  .strictObject({
    ...entityBase('sensor', READ_ONLY_CATEGORIES),
    /** Optional here only because a device message may share one `state_topic` at its root. */
    state_topic: topicSchema.optional(),
    value_template: templateSchema.optional(),
    device_class: z.enum(SENSOR_DEVICE_CLASSES).optional(),
    state_class: z.enum(STATE_CLASSES).optional(),
    unit_of_measurement: z.string().min(1).optional(),
    suggested_display_precision: z.number().int().min(0).max(10).optional(),
    expire_after: z.number().int().min(0).optional(),
    force_update: z.boolean().optional(),
    last_reset_value_template: templateSchema.optional(),
    options: z.array(z.string().min(1)).min(1).optional(),
  })
  .superRefine((config, ctx) => {
    for (const message of unitProblems(config.device_class, config.unit_of_measurement, config.state_class)) {
      ctx.addIssue({ code: 'custom', path: ['device_class'], message });
    }
    if (config.device_class === 'enum' && config.options === undefined) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'device_class enum needs options' });
    }
    if (config.options !== undefined && config.device_class !== 'enum') {
      ctx.addIssue({
        code: 'custom',
        path: ['options'],
        message: 'options is only allowed with device_class enum',
      });
    }
    if (config.options !== undefined && new Set(config.options).size !== config.options.length) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'options must not repeat' });
    }
    if (config.last_reset_value_template !== undefined && config.state_class !== 'total') {
      ctx.addIssue({
        code: 'custom',
        path: ['last_reset_value_template'],
        message: 'last_reset_value_template needs state_class total',
      });
    }
  });

export type SensorConfig = z.output<typeof sensorSchema>;
export type SensorInput = Omit<z.input<typeof sensorSchema>, 'platform'>;

export function buildSensor(input: SensorInput): SensorConfig {
  return buildComponent(sensorSchema, 'sensor', input);
}
