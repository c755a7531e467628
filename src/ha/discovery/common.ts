// The keys every discovery component shares (HA's MQTT entity base) and the one function that turns a
// builder's input into a validated component, throwing a clear error for a programming mistake.

import { z } from 'zod';

export const PLATFORMS = [
  'water_heater',
  'sensor',
  'binary_sensor',
  'switch',
  'select',
  'number',
  'button',
  'update',
] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Raised at start-up when the entity table describes something Home Assistant would refuse. */
export class DiscoveryConfigError extends Error {
  override readonly name = 'NWP500_DISCOVERY_CONFIG_INVALID';
  constructor(
    readonly platform: string,
    readonly uniqueId: string | undefined,
    readonly problems: string[],
  ) {
    super(
      `invalid ${platform} discovery config${uniqueId ? ` "${uniqueId}"` : ''}: ${problems.join('; ')}. ` +
        'Fix the entity description (this is a bug in the bridge, not in your settings)',
    );
  }
}

/** Unique ids and component ids: HA allows letters, digits, `_` and `-` in discovery ids. */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must use only letters, digits, _ and -');

export const topicSchema = z
  .string()
  .min(1, 'must not be empty')
  .regex(/^[^#+\s]+$/, 'must be a topic without wildcards or spaces');

export const templateSchema = z.string().min(1, 'must not be empty');

export const qosSchema = z.union([z.literal(0), z.literal(1), z.literal(2)]);

/** Sensors and binary sensors are read-only: HA allows them only the `diagnostic` category. */
export const READ_ONLY_CATEGORIES = ['diagnostic'] as const;
export const ALL_CATEGORIES = ['config', 'diagnostic'] as const;

export function entityBase<
  P extends Platform,
  const C extends readonly ['diagnostic'] | readonly ['config', 'diagnostic'],
>(platform: P, categories: C) {
  return {
    platform: z.literal(platform),
    unique_id: idSchema,
    /** `null` marks the device's main entity (named after the device). */
    name: z.string().min(1).nullable().optional(),
    /** Replaces the deprecated `object_id`; the domain must be the platform. */
    default_entity_id: z
      .string()
      .regex(
        new RegExp(`^${platform}\\.[a-z0-9_]+$`),
        `must be "${platform}.<object id>" (lowercase letters, digits, _); its domain must equal the platform`,
      )
      .optional(),
    entity_category: z
      .enum(categories, {
        error:
          categories.length === 1
            ? 'sensors and binary sensors allow only entity_category diagnostic'
            : 'entity_category must be config or diagnostic',
      })
      .optional(),
    enabled_by_default: z.boolean().optional(),
    icon: z
      .string()
      .regex(/^mdi:[a-z0-9-]+$/, 'must be an mdi icon such as mdi:water-boiler')
      .optional(),
    json_attributes_topic: topicSchema.optional(),
    json_attributes_template: templateSchema.optional(),
    qos: qosSchema.optional(),
  };
}

/** Keys only HA's command side uses, shared by the writable platforms. */
export const commandKeys = {
  command_topic: topicSchema,
  command_template: templateSchema.optional(),
  optimistic: z.boolean().optional(),
  retain: z.boolean().optional(),
};

/** Explains a zod failure in the words a developer needs to fix the entity table. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(config)';
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.join(', ');
      const hint = issue.keys.includes('object_id')
        ? ' (object_id is deprecated: use default_entity_id)'
        : ' (use HA full key names, not abbreviations; availability and device belong to the device message)';
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}${hint}`;
    }
    if (issue.code === 'invalid_key') {
      return `${where}: the key ${issue.issues.map((inner) => inner.message).join('; ')}`;
    }
    return `${where}: ${issue.message}`;
  });
}

function uniqueIdOf(input: object): string | undefined {
  const value: unknown = (input as { unique_id?: unknown }).unique_id;
  return typeof value === 'string' ? value : undefined;
}

/** Validates `input` as a component of `platform`; throws `DiscoveryConfigError` if HA would refuse it. */
export function buildComponent<S extends z.ZodType>(
  schema: S,
  platform: Platform,
  input: object,
): z.output<S> {
  const result = schema.safeParse({ platform, ...input });
  if (!result.success)
    throw new DiscoveryConfigError(platform, uniqueIdOf(input), describeIssues(result.error));
  return result.data;
}

/** Adds an issue for each `<x>_template` given without the `<x>_topic` it reads. */
export function requireTopicsForTemplates(
  config: Record<string, unknown>,
  pairs: ReadonlyArray<readonly [template: string, topic: string]>,
  ctx: z.RefinementCtx,
): void {
  for (const [template, topic] of pairs) {
    if (config[template] !== undefined && config[topic] === undefined) {
      ctx.addIssue({ code: 'custom', path: [template], message: `${template} needs ${topic}` });
    }
  }
}
