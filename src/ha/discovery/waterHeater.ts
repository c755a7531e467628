// The `water_heater` platform: HA's documented discovery keys as a zod schema (modes, precision,
// temperature unit and range, topic/template pairs) and its builder.

import { z } from 'zod';
import {
  ALL_CATEGORIES,
  buildComponent,
  entityBase,
  requireTopicsForTemplates,
  templateSchema,
  topicSchema,
} from './common.js';

/** The only operation modes HA's MQTT water heater accepts (also its default list). */
export const WATER_HEATER_MODES = [
  'off',
  'eco',
  'electric',
  'gas',
  'heat_pump',
  'high_demand',
  'performance',
] as const;
export type WaterHeaterMode = (typeof WATER_HEATER_MODES)[number];

const TEMPLATE_TOPICS = [
  ['current_temperature_template', 'current_temperature_topic'],
  ['temperature_state_template', 'temperature_state_topic'],
  ['temperature_command_template', 'temperature_command_topic'],
  ['mode_state_template', 'mode_state_topic'],
  ['mode_command_template', 'mode_command_topic'],
  ['power_command_template', 'power_command_topic'],
] as const;

export const waterHeaterSchema = z
  .strictObject({
    ...entityBase('water_heater', ALL_CATEGORIES),
    current_temperature_topic: topicSchema.optional(),
    current_temperature_template: templateSchema.optional(),
    temperature_command_topic: topicSchema.optional(),
    temperature_command_template: templateSchema.optional(),
    temperature_state_topic: topicSchema.optional(),
    temperature_state_template: templateSchema.optional(),
    mode_command_topic: topicSchema.optional(),
    mode_command_template: templateSchema.optional(),
    mode_state_topic: topicSchema.optional(),
    mode_state_template: templateSchema.optional(),
    modes: z.array(z.enum(WATER_HEATER_MODES)).min(1, 'modes must list at least one mode').optional(),
    power_command_topic: topicSchema.optional(),
    power_command_template: templateSchema.optional(),
    payload_on: z.string().min(1).optional(),
    payload_off: z.string().min(1).optional(),
    min_temp: z.number().optional(),
    max_temp: z.number().optional(),
    initial: z.number().int().optional(),
    precision: z.union([z.literal(0.1), z.literal(0.5), z.literal(1.0)]).optional(),
    temperature_unit: z.enum(['C', 'F']).optional(),
    /** The default template for every `*_state_topic` without its own. */
    value_template: templateSchema.optional(),
    optimistic: z.boolean().optional(),
    retain: z.boolean().optional(),
  })
  .superRefine((config, ctx) => {
    requireTopicsForTemplates(config, TEMPLATE_TOPICS, ctx);
    if (config.modes !== undefined && new Set(config.modes).size !== config.modes.length) {
      ctx.addIssue({ code: 'custom', path: ['modes'], message: 'modes must not repeat' });
    }
    const { min_temp: min, max_temp: max, initial } = config;
    if (min !== undefined && max !== undefined && min >= max) {
      ctx.addIssue({
        code: 'custom',
        path: ['min_temp'],
        message: `min_temp (${min}) must be below max_temp (${max})`,
      });
    }
    if (
      initial !== undefined &&
      ((min !== undefined && initial < min) || (max !== undefined && initial > max))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['initial'],
        message: 'initial must lie between min_temp and max_temp',
      });
    }
    if (
      (config.min_temp !== undefined || config.max_temp !== undefined) &&
      config.temperature_unit === undefined
    ) {
      // Without a unit HA reads the range in the user's system unit, so a °F range shows up wrong for °C users.
      ctx.addIssue({
        code: 'custom',
        path: ['temperature_unit'],
        message: 'temperature_unit is required when min_temp/max_temp are given',
      });
    }
  });

export type WaterHeaterConfig = z.output<typeof waterHeaterSchema>;
export type WaterHeaterInput = Omit<z.input<typeof waterHeaterSchema>, 'platform'>;

export function buildWaterHeater(input: WaterHeaterInput): WaterHeaterConfig {
  return buildComponent(waterHeaterSchema, 'water_heater', input);
}
