// The `binary_sensor` platform: HA's documented discovery keys as a zod schema and its builder.

import { z } from 'zod';
import { buildComponent, entityBase, READ_ONLY_CATEGORIES, templateSchema, topicSchema } from './common.js';

export const BINARY_SENSOR_DEVICE_CLASSES = [
  'battery',
  'battery_charging',
  'carbon_monoxide',
  'cold',
  'connectivity',
  'door',
  'garage_door',
  'gas',
  'heat',
  'light',
  'lock',
  'moisture',
  'motion',
  'moving',
  'occupancy',
  'opening',
  'plug',
  'power',
  'presence',
  'problem',
  'running',
  'safety',
  'smoke',
  'sound',
  'tamper',
  'update',
  'vibration',
  'window',
] as const;

export const binarySensorSchema = z
  .strictObject({
    ...entityBase('binary_sensor', READ_ONLY_CATEGORIES),
    /** Optional here only because a device message may share one `state_topic` at its root. */
    state_topic: topicSchema.optional(),
    value_template: templateSchema.optional(),
    payload_on: z.string().min(1).optional(),
    payload_off: z.string().min(1).optional(),
    device_class: z.enum(BINARY_SENSOR_DEVICE_CLASSES).optional(),
    off_delay: z.number().int().min(0).optional(),
    expire_after: z.number().int().min(0).optional(),
    force_update: z.boolean().optional(),
  })
  .superRefine((config, ctx) => {
    if ((config.payload_on ?? 'ON') === (config.payload_off ?? 'OFF')) {
      ctx.addIssue({
        code: 'custom',
        path: ['payload_on'],
        message: 'payload_on and payload_off must differ',
      });
    }
  });

export type BinarySensorConfig = z.output<typeof binarySensorSchema>;
export type BinarySensorInput = Omit<z.input<typeof binarySensorSchema>, 'platform'>;

export function buildBinarySensor(input: BinarySensorInput): BinarySensorConfig {
  return buildComponent(binarySensorSchema, 'binary_sensor', input);
}
