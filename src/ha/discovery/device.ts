// The device-based discovery message (`<prefix>/device/<id>/config`): device and origin blocks, the
// shared availability list and the components map, validated as one unit before it is published.

import { z } from 'zod';
import { type BinarySensorConfig, binarySensorSchema } from './binarySensor.js';
import { type ButtonConfig, buttonSchema } from './button.js';
import {
  DiscoveryConfigError,
  describeIssues,
  idSchema,
  type Platform,
  qosSchema,
  templateSchema,
  topicSchema,
} from './common.js';
import { type NumberConfig, numberSchema } from './number.js';
import { type SelectConfig, selectSchema } from './select.js';
import { type SensorConfig, sensorSchema } from './sensor.js';
import { type SwitchConfig, switchSchema } from './switch.js';
import { type UpdateConfig, updateSchema } from './update.js';
import { type WaterHeaterConfig, waterHeaterSchema } from './waterHeater.js';

export const deviceInfoSchema = z.strictObject({
  identifiers: z.array(z.string().min(1)).min(1, 'a device needs at least one identifier'),
  name: z.string().min(1),
  manufacturer: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  model_id: z.string().min(1).optional(),
  serial_number: z.string().min(1).optional(),
  sw_version: z.string().min(1).optional(),
  hw_version: z.string().min(1).optional(),
  configuration_url: z
    .string()
    .regex(/^(https?|homeassistant):\/\/\S+$/, 'must be an http(s):// or homeassistant:// URL')
    .optional(),
  suggested_area: z.string().min(1).optional(),
  /** The identifier of the device this one talks through (the bridge). */
  via_device: z.string().min(1).optional(),
});
export type DeviceInfo = z.output<typeof deviceInfoSchema>;

export const originSchema = z.strictObject({
  name: z.string().min(1),
  sw_version: z.string().min(1).optional(),
  support_url: z.url().optional(),
});
export type Origin = z.output<typeof originSchema>;

export const availabilitySchema = z.strictObject({
  topic: topicSchema,
  payload_available: z.string().min(1).optional(),
  payload_not_available: z.string().min(1).optional(),
  value_template: templateSchema.optional(),
});
export type Availability = z.output<typeof availabilitySchema>;

export const componentSchema = z.discriminatedUnion('platform', [
  waterHeaterSchema,
  sensorSchema,
  binarySensorSchema,
  switchSchema,
  selectSchema,
  numberSchema,
  buttonSchema,
  updateSchema,
]);
function componentSchemaKeys(platform: Platform): Record<string, unknown> {
  const schemas = {
    water_heater: waterHeaterSchema,
    sensor: sensorSchema,
    binary_sensor: binarySensorSchema,
    switch: switchSchema,
    select: selectSchema,
    number: numberSchema,
    button: buttonSchema,
    update: updateSchema,
  } as const;
  return schemas[platform].shape;
}

export type ComponentConfig =
  | WaterHeaterConfig
  | SensorConfig
  | BinarySensorConfig
  | SwitchConfig
  | SelectConfig
  | NumberConfig
  | ButtonConfig
  | UpdateConfig;

/** A component as the stale-entity registry remembers it. */
export interface ComponentRef {
  id: string;
  platform: Platform;
}

export const deviceDiscoverySchema = z
  .strictObject({
    device: deviceInfoSchema,
    origin: originSchema,
    availability: z.array(availabilitySchema).min(1).optional(),
    availability_mode: z.enum(['all', 'any', 'latest']).optional(),
    /** Inherited by every component that reads `state_topic` and does not set its own. */
    state_topic: topicSchema.optional(),
    qos: qosSchema,
    components: z.record(idSchema, componentSchema),
  })
  .superRefine((message, ctx) => {
    const seen = new Map<string, string>();
    for (const [id, component] of Object.entries(message.components)) {
      const first = seen.get(component.unique_id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['components', id, 'unique_id'],
          message: `unique_id "${component.unique_id}" is already used by component "${first}"`,
        });
      } else {
        seen.set(component.unique_id, id);
      }
      if (!('state_topic' in componentSchemaKeys(component.platform))) continue;
      const ownTopic = 'state_topic' in component ? component.state_topic : undefined;
      if (
        (component.platform === 'sensor' ||
          component.platform === 'binary_sensor' ||
          component.platform === 'update') &&
        ownTopic === undefined &&
        message.state_topic === undefined
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['components', id, 'state_topic'],
          message: `${component.platform} needs a state_topic (its own or the device message's)`,
        });
      }
      // HA hands the root state_topic (the device's JSON state) to every component that takes one.
      if (ownTopic === undefined && message.state_topic !== undefined && !('value_template' in component)) {
        ctx.addIssue({
          code: 'custom',
          path: ['components', id, 'value_template'],
          message: `${component.platform} would read the device's whole JSON state; give it a value_template`,
        });
      }
    }
    if (Object.keys(message.components).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['components'],
        message: 'a device message needs at least one component',
      });
    }
    if (message.availability_mode !== undefined && message.availability === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['availability_mode'],
        message: 'availability_mode needs availability',
      });
    }
  });
export type DeviceDiscovery = z.output<typeof deviceDiscoverySchema>;

export interface DeviceDiscoveryInput {
  device: DeviceInfo;
  origin: Origin;
  availability?: Availability[];
  availabilityMode?: 'all' | 'any' | 'latest';
  components: Record<string, ComponentConfig>;
  stateTopic?: string;
  qos?: 0 | 1 | 2;
}

/** Assembles and validates one device message; throws `DiscoveryConfigError` for a programming mistake. */
export function buildDeviceDiscovery(input: DeviceDiscoveryInput): DeviceDiscovery {
  const candidate: Record<string, unknown> = { device: input.device, origin: input.origin };
  if (input.availability !== undefined) {
    candidate.availability = input.availability;
    candidate.availability_mode = input.availabilityMode ?? 'all';
  }
  if (input.stateTopic !== undefined) candidate.state_topic = input.stateTopic;
  candidate.qos = input.qos ?? 1;
  candidate.components = input.components;
  const result = deviceDiscoverySchema.safeParse(candidate);
  if (!result.success) {
    throw new DiscoveryConfigError('device', input.device.identifiers[0], describeIssues(result.error));
  }
  return result.data;
}

export function componentRefs(message: DeviceDiscovery): ComponentRef[] {
  return Object.entries(message.components).map(([id, component]) => ({ id, platform: component.platform }));
}

/**
 * The first of HA's two steps for removing components from a device message: the current message
 * plus each removed component reduced to `{"platform": "<p>"}`. Publishing the current message
 * afterwards completes the removal.
 */
export function componentRemovalMessage(
  current: DeviceDiscovery,
  removed: ReadonlyArray<ComponentRef>,
): Record<string, unknown> {
  const components: Record<string, unknown> = { ...current.components };
  for (const { id, platform } of removed) {
    if (!(id in current.components)) components[id] = { platform };
  }
  return { ...current, components };
}
