// Checks device-based discovery payloads the way Home Assistant would receive them, independently of
// the builders: required keys, allowed classes/units/modes, unique ids, topics that exist, and
// templates that read keys present in the retained JSON and render values HA accepts. It also holds
// the bridge to what reads well: every component names its default_entity_id, enum states and
// select options are words (not SCREAMING_CASE wire names), and no two entities of a device have
// names that differ only by a filler word ("Water leak" / "Water leak sensor").
//
// API
//   checkDeviceDiscovery(payloads, retainedTopics, options?) → string[]   (empty = HA would accept it)
//     payloads: one device message (object or JSON string) or an array of them; unique_ids must be
//               unique across all of them.
//     retainedTopics: topic → payload of every retained message on the broker (state, availability, …).
//     options.baseTopic: the bridge's base topic (default `nwp500`), or several when bridges share a
//                        broker; command topics must live under one of them.
//   checkRetainedDiscovery(retainedTopics, options?) → string[]
//     finds every `<prefix>/device/<id>/config` in the map and checks them together.
//   renderTemplate(template, json) → { value } | { problem }
//
// Allowed template forms (keep templates this simple; anything else is reported):
//   {{ value_json.KEY }}                   KEY may be a dotted path: value_json.a.b
//   {{ value_json.KEY | FILTER }}          FILTER ∈ int, float, string, lower, upper, tojson, round(N)
//   {{ 'A' if value_json.KEY else 'B' }}   single or double quotes
// Command templates (`*command_template`) are not read against state JSON and are not checked.
// Filler words (ignored when names are compared): FILLER_WORDS below.
// Values render as Jinja would: null → "None", true → "True", numbers as digits.

import { BINARY_SENSOR_DEVICE_CLASSES } from '../../src/ha/discovery/binarySensor.js';
import { PLATFORMS } from '../../src/ha/discovery/common.js';
import {
  NUMBER_DEVICE_CLASSES,
  SENSOR_DEVICE_CLASSES,
  type SensorDeviceClass,
  STATE_CLASSES,
  type StateClass,
  unitProblems,
} from '../../src/ha/discovery/units.js';
import { WATER_HEATER_MODES } from '../../src/ha/discovery/waterHeater.js';

export interface HaRulesOptions {
  /** The base topic command topics must live under; several when bridges share a broker. */
  baseTopic?: string | string[];
}

type Json = Record<string, unknown>;

const ROOT_KEYS = new Set([
  'device',
  'origin',
  'availability',
  'availability_topic',
  'availability_mode',
  'payload_available',
  'payload_not_available',
  'state_topic',
  'command_topic',
  'qos',
  'encoding',
  'components',
]);
const DEVICE_KEYS = new Set([
  'identifiers',
  'connections',
  'name',
  'manufacturer',
  'model',
  'model_id',
  'serial_number',
  'sw_version',
  'hw_version',
  'configuration_url',
  'suggested_area',
  'via_device',
]);
const ORIGIN_KEYS = new Set(['name', 'sw_version', 'support_url']);
const AVAILABILITY_KEYS = new Set(['topic', 'payload_available', 'payload_not_available', 'value_template']);

const COMMON_KEYS = [
  'platform',
  'unique_id',
  'name',
  'default_entity_id',
  'entity_category',
  'enabled_by_default',
  'entity_picture',
  'icon',
  'json_attributes_topic',
  'json_attributes_template',
  'qos',
  'encoding',
];
const COMMAND_KEYS = ['command_topic', 'command_template', 'optimistic', 'retain'];

const PLATFORM_KEYS: Record<string, Set<string>> = {
  water_heater: new Set([
    ...COMMON_KEYS,
    'current_temperature_topic',
    'current_temperature_template',
    'temperature_command_topic',
    'temperature_command_template',
    'temperature_state_topic',
    'temperature_state_template',
    'mode_command_topic',
    'mode_command_template',
    'mode_state_topic',
    'mode_state_template',
    'modes',
    'power_command_topic',
    'power_command_template',
    'payload_on',
    'payload_off',
    'min_temp',
    'max_temp',
    'initial',
    'precision',
    'temperature_unit',
    'value_template',
    'optimistic',
    'retain',
  ]),
  sensor: new Set([
    ...COMMON_KEYS,
    'state_topic',
    'value_template',
    'device_class',
    'state_class',
    'unit_of_measurement',
    'suggested_display_precision',
    'expire_after',
    'force_update',
    'last_reset_value_template',
    'options',
  ]),
  binary_sensor: new Set([
    ...COMMON_KEYS,
    'state_topic',
    'value_template',
    'payload_on',
    'payload_off',
    'device_class',
    'off_delay',
    'expire_after',
    'force_update',
  ]),
  switch: new Set([
    ...COMMON_KEYS,
    ...COMMAND_KEYS,
    'state_topic',
    'value_template',
    'payload_on',
    'payload_off',
    'state_on',
    'state_off',
    'device_class',
  ]),
  select: new Set([...COMMON_KEYS, ...COMMAND_KEYS, 'options', 'state_topic', 'value_template']),
  number: new Set([
    ...COMMON_KEYS,
    ...COMMAND_KEYS,
    'state_topic',
    'value_template',
    'min',
    'max',
    'step',
    'mode',
    'device_class',
    'unit_of_measurement',
    'payload_reset',
  ]),
  button: new Set([
    ...COMMON_KEYS,
    'command_topic',
    'command_template',
    'payload_press',
    'device_class',
    'retain',
  ]),
  update: new Set([
    ...COMMON_KEYS,
    'state_topic',
    'value_template',
    'latest_version_topic',
    'latest_version_template',
    'command_topic',
    'payload_install',
    'device_class',
    'display_precision',
    'entity_picture',
    'release_summary',
    'release_url',
    'title',
    'retain',
  ]),
};

/** Words that do not tell two entities apart: "Water leak" and "Water leak sensor" are one name. */
export const FILLER_WORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'is',
  'sensor',
  'enabled',
  'active',
  'status',
  'state',
  'setting',
  'settings',
  'current',
  'value',
  'detected',
]);

/** A wire name such as `HEAT_PUMP` or `ENERGY_SAVER`, or a shouted word such as `UNKNOWN`. */
const SCREAMING_CASE = /^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,}[0-9]*)$/;

/** A name reduced to the words that matter, for comparing names. */
export function nameKey(name: string): string {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '' && !FILLER_WORDS.has(word))
    .join(' ');
}

const REQUIRED_KEYS: Record<string, string[]> = {
  water_heater: [],
  sensor: [],
  binary_sensor: [],
  switch: ['command_topic'],
  select: ['command_topic', 'options'],
  number: ['command_topic'],
  button: ['command_topic'],
  update: [],
};

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parsePayload(payload: unknown): unknown {
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- templates

const PATH = String.raw`value_json((?:\.[A-Za-z_][A-Za-z0-9_]*)+)`;
const PLAIN = new RegExp(String.raw`^\{\{\s*${PATH}\s*\}\}$`);
const FILTERED = new RegExp(
  String.raw`^\{\{\s*${PATH}\s*\|\s*(int|float|string|lower|upper|tojson|round\(\s*(\d+)\s*\))\s*\}\}$`,
);
const CONDITIONAL = new RegExp(
  String.raw`^\{\{\s*(?:'([^']*)'|"([^"]*)")\s+if\s+${PATH}\s+else\s+(?:'([^']*)'|"([^"]*)")\s*\}\}$`,
);

export type RenderResult = { value: string } | { problem: string };

function lookup(json: unknown, path: string): { found: true; value: unknown } | { found: false } {
  let current: unknown = json;
  for (const key of path.split('.').filter(Boolean)) {
    if (!isObject(current) || !(key in current)) return { found: false };
    current = current[key];
  }
  return { found: true, value: current };
}

/** Renders a value the way Jinja prints it in HA templates. */
function jinjaString(value: unknown): string | undefined {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  return undefined;
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}

export function renderTemplate(template: string, json: unknown): RenderResult {
  const trimmed = template.trim();
  const plain = PLAIN.exec(trimmed);
  const filtered = FILTERED.exec(trimmed);
  const conditional = CONDITIONAL.exec(trimmed);
  const path = plain?.[1] ?? filtered?.[1] ?? conditional?.[3];
  if (path === undefined) {
    return { problem: `template ${JSON.stringify(template)} is not one of the allowed simple forms` };
  }
  const found = lookup(json, path);
  if (!found.found) return { problem: `reads value_json${path}, which is not in the JSON on its topic` };
  const { value } = found;
  if (conditional) {
    const whenTrue = conditional[1] ?? conditional[2] ?? '';
    const whenFalse = conditional[4] ?? conditional[5] ?? '';
    return { value: truthy(value) ? whenTrue : whenFalse };
  }
  if (filtered) {
    const filter = filtered[2] ?? '';
    if (filter === 'tojson') return { value: JSON.stringify(value) };
    if (value === null) return { value: 'None' };
    if (filter === 'int' || filter === 'float' || filter.startsWith('round')) {
      const n = typeof value === 'boolean' ? Number(value) : Number.parseFloat(String(value));
      const number = Number.isFinite(n) ? n : 0;
      if (filter === 'int') return { value: String(Math.trunc(number)) };
      if (filter === 'float') return { value: String(number) };
      const digits = Number(filtered[3] ?? '0');
      return { value: String(Math.round(number * 10 ** digits) / 10 ** digits) };
    }
    const text = jinjaString(value);
    if (text === undefined) return { problem: `value_json${path} is an object or list, not a value` };
    if (filter === 'lower') return { value: text.toLowerCase() };
    if (filter === 'upper') return { value: text.toUpperCase() };
    return { value: text };
  }
  const text = jinjaString(value);
  if (text === undefined) return { problem: `value_json${path} is an object or list, not a value` };
  return { value: text };
}

// ---------------------------------------------------------------- the checker

interface Context {
  problems: string[];
  retained: Map<string, string>;
  baseTopics: string[];
  uniqueIds: Map<string, string>;
  entityIds: Map<string, string>;
}

function checkTopic(ctx: Context, where: string, key: string, topic: unknown): void {
  if (typeof topic !== 'string' || topic.length === 0 || /[#+]/.test(topic)) {
    ctx.problems.push(`${where}.${key}: must be a topic without wildcards (got ${JSON.stringify(topic)})`);
    return;
  }
  if (key.endsWith('command_topic')) {
    if (!ctx.baseTopics.some((base) => topic.startsWith(`${base}/`))) {
      ctx.problems.push(
        `${where}.${key}: command topic "${topic}" is not under ${ctx.baseTopics.map((b) => `"${b}/"`).join(' or ')}`,
      );
    }
    return;
  }
  const payload = ctx.retained.get(topic);
  if (payload === undefined || payload === '') {
    ctx.problems.push(
      `${where}.${key}: nothing is retained on "${topic}" (HA would show the entity as unknown)`,
    );
  }
}

/** Renders `template` against the retained payload of `topic`; undefined when it cannot be read. */
function renderOn(ctx: Context, where: string, template: unknown, topic: unknown): string | undefined {
  if (typeof template !== 'string') {
    ctx.problems.push(`${where}: template must be a string`);
    return undefined;
  }
  if (typeof topic !== 'string') {
    ctx.problems.push(`${where}: template has no topic to read`);
    return undefined;
  }
  const payload = ctx.retained.get(topic);
  if (payload === undefined) return undefined; // already reported by checkTopic
  const json = parsePayload(payload);
  if (json === undefined) {
    ctx.problems.push(`${where}: "${topic}" does not carry JSON, so value_json is undefined`);
    return undefined;
  }
  const result = renderTemplate(template, json);
  if ('problem' in result) {
    ctx.problems.push(`${where}: ${result.problem} ("${topic}")`);
    return undefined;
  }
  return result.value;
}

/** The state value HA would see from a state topic: the rendered template, or the raw payload. */
function stateValue(
  ctx: Context,
  where: string,
  component: Json,
  templateKey: string,
  topic: unknown,
  fallbackTemplate?: unknown,
): string | undefined {
  const template = component[templateKey] ?? fallbackTemplate;
  if (template !== undefined) return renderOn(ctx, `${where}.${templateKey}`, template, topic);
  if (typeof topic !== 'string') return undefined;
  const payload = ctx.retained.get(topic);
  if (payload === undefined) return undefined;
  if (isObject(parsePayload(payload))) {
    ctx.problems.push(`${where}: reads the JSON object on "${topic}" whole; it needs ${templateKey}`);
    return undefined;
  }
  return payload;
}

function oneOf(ctx: Context, where: string, value: string | undefined, allowed: readonly string[]): void {
  if (value === undefined || value === 'None') return;
  if (!allowed.includes(value)) {
    ctx.problems.push(
      `${where}: renders "${value}", which is not one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
    );
  }
}

function numeric(ctx: Context, where: string, value: string | undefined, range?: [number, number]): void {
  if (value === undefined || value === 'None') return;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    ctx.problems.push(`${where}: renders "${value}", which is not a number`);
    return;
  }
  if (range && (n < range[0] || n > range[1])) {
    ctx.problems.push(`${where}: renders ${n}, outside ${range[0]}…${range[1]}`);
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function checkEnum(ctx: Context, where: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && (typeof value !== 'string' || !allowed.includes(value))) {
    ctx.problems.push(`${where}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
}

function checkComponent(ctx: Context, where: string, component: Json, root: Json): void {
  const platform = component.platform;
  if (typeof platform !== 'string' || !(PLATFORMS as readonly string[]).includes(platform)) {
    ctx.problems.push(`${where}.platform: ${JSON.stringify(platform)} is not a supported platform`);
    return;
  }
  const known = PLATFORM_KEYS[platform] ?? new Set<string>();
  for (const key of Object.keys(component)) {
    if (key === 'object_id')
      ctx.problems.push(`${where}: object_id is deprecated (HA 2026.4 drops it); use default_entity_id`);
    else if (!known.has(key))
      ctx.problems.push(`${where}: unknown key "${key}" for ${platform} (HA ignores it)`);
  }
  for (const key of REQUIRED_KEYS[platform] ?? []) {
    if (component[key] === undefined) ctx.problems.push(`${where}: ${platform} requires ${key}`);
  }

  const uniqueId = component.unique_id;
  if (typeof uniqueId !== 'string' || !/^[A-Za-z0-9_-]+$/.test(uniqueId)) {
    ctx.problems.push(
      `${where}.unique_id: required, letters/digits/_/- only (got ${JSON.stringify(uniqueId)})`,
    );
  } else {
    const first = ctx.uniqueIds.get(uniqueId);
    if (first !== undefined) ctx.problems.push(`${where}.unique_id: "${uniqueId}" is also used by ${first}`);
    else ctx.uniqueIds.set(uniqueId, where);
  }
  const entityId = component.default_entity_id;
  if (entityId === undefined) {
    ctx.problems.push(
      `${where}.default_entity_id: required, or HA makes the id from the name (two heaters named alike get _2)`,
    );
  } else if (typeof entityId !== 'string' || !/^[a-z_]+\.[a-z0-9_]+$/.test(entityId)) {
    ctx.problems.push(
      `${where}.default_entity_id: ${JSON.stringify(entityId)} is not "<domain>.<object_id>"`,
    );
  } else if (entityId.split('.')[0] !== platform) {
    ctx.problems.push(`${where}.default_entity_id: domain of "${entityId}" must be ${platform}`);
  } else {
    const first = ctx.entityIds.get(entityId);
    if (first !== undefined)
      ctx.problems.push(`${where}.default_entity_id: "${entityId}" is also used by ${first}`);
    else ctx.entityIds.set(entityId, where);
  }
  const readOnly = platform === 'sensor' || platform === 'binary_sensor';
  checkEnum(
    ctx,
    `${where}.entity_category`,
    component.entity_category,
    readOnly ? ['diagnostic'] : ['config', 'diagnostic'],
  );
  if (component.name !== undefined && component.name !== null && typeof component.name !== 'string') {
    ctx.problems.push(`${where}.name: must be a string or null`);
  }
  if (component.qos !== undefined && ![0, 1, 2].includes(component.qos as number)) {
    ctx.problems.push(`${where}.qos: must be 0, 1 or 2`);
  }

  // Topics: state/attribute topics must be retained, command topics must be the bridge's.
  for (const [key, value] of Object.entries(component)) {
    if (key.endsWith('_topic')) checkTopic(ctx, where, key, value);
  }
  if (component.json_attributes_template !== undefined) {
    const rendered = renderOn(
      ctx,
      `${where}.json_attributes_template`,
      component.json_attributes_template,
      component.json_attributes_topic,
    );
    if (rendered !== undefined && !isObject(parsePayload(rendered))) {
      ctx.problems.push(`${where}.json_attributes_template: must render a JSON object (use | tojson)`);
    }
  }

  // HA hands the device message's root state_topic to every component that takes one.
  const stateTopic = component.state_topic ?? root.state_topic;
  switch (platform) {
    case 'sensor': {
      if (stateTopic === undefined) ctx.problems.push(`${where}: sensor requires state_topic`);
      const deviceClass = component.device_class;
      checkEnum(ctx, `${where}.device_class`, deviceClass, SENSOR_DEVICE_CLASSES);
      checkEnum(ctx, `${where}.state_class`, component.state_class, STATE_CLASSES);
      if (
        typeof deviceClass === 'string' &&
        (SENSOR_DEVICE_CLASSES as readonly string[]).includes(deviceClass)
      ) {
        for (const problem of unitProblems(
          deviceClass as SensorDeviceClass,
          component.unit_of_measurement as string | undefined,
          component.state_class as StateClass | undefined,
        )) {
          ctx.problems.push(`${where}: ${problem}`);
        }
      }
      if (deviceClass === 'enum' && !Array.isArray(component.options)) {
        ctx.problems.push(`${where}: device_class enum requires options`);
      }
      if (component.options !== undefined && deviceClass !== 'enum') {
        ctx.problems.push(`${where}: options is only allowed with device_class enum`);
      }
      if (component.last_reset_value_template !== undefined && component.state_class !== 'total') {
        ctx.problems.push(`${where}: last_reset_value_template requires state_class total`);
      }
      const value = stateValue(ctx, where, component, 'value_template', stateTopic);
      if (deviceClass === 'enum' && Array.isArray(component.options)) {
        wordsOnly(ctx, `${where}.options`, component.options.map(String));
        oneOf(ctx, `${where}.value_template`, value, component.options.map(String));
      } else if (deviceClass === 'timestamp') {
        if (value !== undefined && value !== 'None' && Number.isNaN(Date.parse(value))) {
          ctx.problems.push(`${where}.value_template: renders "${value}", which is not an ISO timestamp`);
        }
      } else if (
        deviceClass !== undefined ||
        component.state_class !== undefined ||
        component.unit_of_measurement !== undefined
      ) {
        numeric(ctx, `${where}.value_template`, value);
      }
      break;
    }
    case 'binary_sensor': {
      if (stateTopic === undefined) ctx.problems.push(`${where}: binary_sensor requires state_topic`);
      checkEnum(ctx, `${where}.device_class`, component.device_class, BINARY_SENSOR_DEVICE_CLASSES);
      const value = stateValue(ctx, where, component, 'value_template', stateTopic);
      oneOf(ctx, `${where}.value_template`, value, [
        stringOr(component.payload_on, 'ON'),
        stringOr(component.payload_off, 'OFF'),
      ]);
      break;
    }
    case 'switch': {
      checkEnum(ctx, `${where}.device_class`, component.device_class, ['outlet', 'switch']);
      if (stateTopic !== undefined) {
        const value = stateValue(ctx, where, component, 'value_template', stateTopic);
        oneOf(ctx, `${where}.value_template`, value, [
          stringOr(component.state_on, stringOr(component.payload_on, 'ON')),
          stringOr(component.state_off, stringOr(component.payload_off, 'OFF')),
        ]);
      }
      break;
    }
    case 'select': {
      const options = Array.isArray(component.options) ? component.options.map(String) : [];
      if (Array.isArray(component.options) && options.length === 0)
        ctx.problems.push(`${where}: options is empty`);
      wordsOnly(ctx, `${where}.options`, options);
      if (stateTopic !== undefined) {
        const value = stateValue(ctx, where, component, 'value_template', stateTopic);
        oneOf(ctx, `${where}.value_template`, value, options);
      }
      break;
    }
    case 'number': {
      checkEnum(ctx, `${where}.device_class`, component.device_class, NUMBER_DEVICE_CLASSES);
      checkEnum(ctx, `${where}.mode`, component.mode, ['auto', 'box', 'slider']);
      const min = numberOr(component.min, 1);
      const max = numberOr(component.max, 100);
      if (min >= max) ctx.problems.push(`${where}: min (${min}) must be below max (${max})`);
      if (component.step !== undefined && numberOr(component.step, 0) < 0.001) {
        ctx.problems.push(`${where}.step: must be at least 0.001`);
      }
      const deviceClass = component.device_class;
      if (
        typeof deviceClass === 'string' &&
        (NUMBER_DEVICE_CLASSES as readonly string[]).includes(deviceClass)
      ) {
        for (const problem of unitProblems(
          deviceClass as SensorDeviceClass,
          component.unit_of_measurement as string | undefined,
          undefined,
        )) {
          ctx.problems.push(`${where}: ${problem}`);
        }
      }
      if (stateTopic !== undefined) {
        const value = stateValue(ctx, where, component, 'value_template', stateTopic);
        numeric(ctx, `${where}.value_template`, value, [min, max]);
      }
      break;
    }
    case 'button': {
      checkEnum(ctx, `${where}.device_class`, component.device_class, ['identify', 'restart', 'update']);
      if (component.device_class === 'identify' && component.entity_category !== 'diagnostic') {
        ctx.problems.push(`${where}: an identify button must have entity_category diagnostic`);
      }
      break;
    }
    case 'update': {
      if (stateTopic === undefined) ctx.problems.push(`${where}: update requires state_topic`);
      checkEnum(ctx, `${where}.device_class`, component.device_class, ['firmware']);
      if (component.payload_install !== undefined && component.command_topic === undefined) {
        ctx.problems.push(`${where}: payload_install needs command_topic`);
      }
      const value = stateValue(ctx, where, component, 'value_template', stateTopic);
      if (value?.trim().startsWith('{')) {
        // HA reads installed_version, latest_version, title, release_summary from a JSON object.
        const json = parsePayload(value);
        if (!isObject(json)) {
          ctx.problems.push(`${where}.value_template: renders text that is not a JSON object`);
        } else {
          for (const key of ['installed_version', 'latest_version', 'title', 'release_summary']) {
            const v = json[key];
            if (v !== undefined && v !== null && typeof v !== 'string') {
              ctx.problems.push(`${where}.value_template: ${key} must be text (got ${JSON.stringify(v)})`);
            }
          }
        }
      } else if (value === 'null') {
        ctx.problems.push(`${where}.value_template: renders null, which HA cannot read as versions (use {})`);
      }
      break;
    }
    case 'water_heater': {
      const modes = Array.isArray(component.modes) ? component.modes.map(String) : [...WATER_HEATER_MODES];
      for (const mode of modes) {
        if (!(WATER_HEATER_MODES as readonly string[]).includes(mode)) {
          ctx.problems.push(
            `${where}.modes: "${mode}" is not a water_heater mode (${WATER_HEATER_MODES.join(', ')})`,
          );
        }
      }
      checkEnum(ctx, `${where}.temperature_unit`, component.temperature_unit, ['C', 'F']);
      if (component.precision !== undefined && ![0.1, 0.5, 1].includes(component.precision as number)) {
        ctx.problems.push(`${where}.precision: must be 0.1, 0.5 or 1.0`);
      }
      const fallback = component.value_template;
      if (component.mode_state_topic !== undefined) {
        const value = stateValue(
          ctx,
          where,
          component,
          'mode_state_template',
          component.mode_state_topic,
          fallback,
        );
        oneOf(ctx, `${where}.mode_state_template`, value, modes);
      }
      const range: [number, number] | undefined =
        typeof component.min_temp === 'number' && typeof component.max_temp === 'number'
          ? [component.min_temp, component.max_temp]
          : undefined;
      if (component.temperature_state_topic !== undefined) {
        const value = stateValue(
          ctx,
          where,
          component,
          'temperature_state_template',
          component.temperature_state_topic,
          fallback,
        );
        numeric(ctx, `${where}.temperature_state_template`, value, range);
      }
      if (component.current_temperature_topic !== undefined) {
        const value = stateValue(
          ctx,
          where,
          component,
          'current_temperature_template',
          component.current_temperature_topic,
          fallback,
        );
        numeric(ctx, `${where}.current_temperature_template`, value);
      }
      break;
    }
  }
}

/** Enum states and select options people read: words, not wire names (and never HA's null, "None"). */
function wordsOnly(ctx: Context, where: string, options: readonly string[]): void {
  for (const option of options) {
    if (option.toLowerCase() === 'none') {
      ctx.problems.push(
        `${where}: "${option}" is what HA reads as unknown, not as a state; use another word`,
      );
    }
    if (SCREAMING_CASE.test(option)) {
      ctx.problems.push(
        `${where}: "${option}" is a wire name (SCREAMING_CASE); show words such as "Heat pump"`,
      );
    }
  }
}

/** No two entities of one device may have names that differ only by filler words. */
function checkNames(ctx: Context, label: string, components: Json): void {
  const seen = new Map<string, string>();
  for (const [id, component] of Object.entries(components)) {
    if (!isObject(component) || typeof component.name !== 'string') continue;
    const key = nameKey(component.name);
    const first = seen.get(key);
    if (first !== undefined) {
      ctx.problems.push(
        `${label}.components.${id}.name: "${component.name}" differs from "${first}" only by filler words`,
      );
    } else {
      seen.set(key, component.name);
    }
  }
}

function checkOne(ctx: Context, label: string, raw: unknown): void {
  const payload = parsePayload(raw);
  if (!isObject(payload)) {
    ctx.problems.push(`${label}: discovery payload must be a JSON object`);
    return;
  }
  for (const key of Object.keys(payload)) {
    if (!ROOT_KEYS.has(key)) ctx.problems.push(`${label}: unknown root key "${key}"`);
  }
  const device = payload.device;
  if (!isObject(device)) {
    ctx.problems.push(`${label}.device: required (an object)`);
  } else {
    for (const key of Object.keys(device)) {
      if (!DEVICE_KEYS.has(key)) ctx.problems.push(`${label}.device: unknown key "${key}"`);
    }
    const ids = device.identifiers;
    const hasIds =
      Array.isArray(ids) && ids.length > 0 && ids.every((id) => typeof id === 'string' && id !== '');
    if (!hasIds && !Array.isArray(device.connections)) {
      ctx.problems.push(`${label}.device: needs identifiers (non-empty list of strings) or connections`);
    }
    if (typeof device.name !== 'string' || device.name === '')
      ctx.problems.push(`${label}.device.name: required`);
  }
  const origin = payload.origin;
  if (!isObject(origin)) {
    ctx.problems.push(`${label}.origin: required for device-based discovery`);
  } else {
    for (const key of Object.keys(origin)) {
      if (!ORIGIN_KEYS.has(key)) ctx.problems.push(`${label}.origin: unknown key "${key}"`);
    }
    if (typeof origin.name !== 'string' || origin.name === '')
      ctx.problems.push(`${label}.origin.name: required`);
  }
  if (payload.availability !== undefined && payload.availability_topic !== undefined) {
    ctx.problems.push(`${label}: availability and availability_topic must not both be set`);
  }
  checkEnum(ctx, `${label}.availability_mode`, payload.availability_mode, ['all', 'any', 'latest']);
  if (payload.availability !== undefined) {
    if (!Array.isArray(payload.availability) || payload.availability.length === 0) {
      ctx.problems.push(`${label}.availability: must be a non-empty list`);
    } else {
      payload.availability.forEach((entry: unknown, i) => {
        const where = `${label}.availability[${i}]`;
        if (!isObject(entry)) {
          ctx.problems.push(`${where}: must be an object with topic`);
          return;
        }
        for (const key of Object.keys(entry)) {
          if (!AVAILABILITY_KEYS.has(key)) ctx.problems.push(`${where}: unknown key "${key}"`);
        }
        checkTopic(ctx, where, 'topic', entry.topic);
        const value =
          entry.value_template !== undefined
            ? renderOn(ctx, `${where}.value_template`, entry.value_template, entry.topic)
            : typeof entry.topic === 'string'
              ? ctx.retained.get(entry.topic)
              : undefined;
        oneOf(ctx, `${where}`, value, [
          stringOr(entry.payload_available, 'online'),
          stringOr(entry.payload_not_available, 'offline'),
        ]);
      });
    }
  }
  if (payload.availability_topic !== undefined)
    checkTopic(ctx, label, 'availability_topic', payload.availability_topic);
  if (payload.state_topic !== undefined) checkTopic(ctx, label, 'state_topic', payload.state_topic);
  if (payload.command_topic !== undefined) checkTopic(ctx, label, 'command_topic', payload.command_topic);
  if (payload.qos !== undefined && ![0, 1, 2].includes(payload.qos as number)) {
    ctx.problems.push(`${label}.qos: must be 0, 1 or 2`);
  }
  const components = payload.components;
  if (!isObject(components) || Object.keys(components).length === 0) {
    ctx.problems.push(`${label}.components: required, with at least one component`);
    return;
  }
  checkNames(ctx, label, components);
  for (const [id, component] of Object.entries(components)) {
    const where = `${label}.components.${id}`;
    if (!/^[A-Za-z0-9_-]+$/.test(id))
      ctx.problems.push(`${where}: component id must use letters, digits, _ and -`);
    if (!isObject(component)) {
      ctx.problems.push(`${where}: must be an object`);
      continue;
    }
    checkComponent(ctx, where, component, payload);
  }
}

/** Violations Home Assistant would see in these device-based discovery payloads; empty when all is well. */
export function checkDeviceDiscovery(
  payloads: unknown,
  retainedTopics: Map<string, string>,
  options: HaRulesOptions = {},
): string[] {
  const ctx: Context = {
    problems: [],
    retained: retainedTopics,
    baseTopics: [options.baseTopic ?? 'nwp500'].flat(),
    uniqueIds: new Map(),
    entityIds: new Map(),
  };
  const list = Array.isArray(payloads) ? payloads : [payloads];
  list.forEach((payload, i) => {
    checkOne(ctx, list.length > 1 ? `payload[${i}]` : 'payload', payload);
  });
  return ctx.problems;
}

/** Checks every `<prefix>/device/<id>/config` found among the retained messages, together. */
export function checkRetainedDiscovery(
  retainedTopics: Map<string, string>,
  options: HaRulesOptions & { discoveryPrefix?: string } = {},
): string[] {
  const prefix = options.discoveryPrefix ?? 'homeassistant';
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/device/[^/]+/config$`);
  const topics = [...retainedTopics.keys()].filter(
    (topic) => pattern.test(topic) && retainedTopics.get(topic) !== '',
  );
  if (topics.length === 0) return [`no device discovery under ${prefix}/device/ is retained`];
  const problems: string[] = [];
  const ctx: Context = {
    problems,
    retained: retainedTopics,
    baseTopics: [options.baseTopic ?? 'nwp500'].flat(),
    uniqueIds: new Map(),
    entityIds: new Map(),
  };
  for (const topic of topics) checkOne(ctx, topic, retainedTopics.get(topic));
  return problems;
}
