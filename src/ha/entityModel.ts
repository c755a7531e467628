// The vocabulary of the entity tables: what an entity of each HA platform declares — its HA
// classes, how its value is read, how a command becomes device commands — generic over the
// snapshot `S` the values are read from (a water heater's, or the bridge's own).

import type { DeviceCommand } from '../device/commands.js';
import type { RememberPatch } from './deviceMemory.js';
import type { BINARY_SENSOR_DEVICE_CLASSES } from './discovery/binarySensor.js';
import type { NumberDeviceClass, SensorDeviceClass, StateClass, WaterHeaterMode } from './discovery/index.js';
import type { ScheduleCommand } from './reservationCommand.js';

/** A value in a state JSON: numbers, text (enum labels, `ON`/`OFF`), or null for "unknown". */
export type StateValue = string | number | null;
/** What JSON attributes may hold (schedules carry lists of entries). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Attributes = { [key: string]: JsonValue };

export type BinarySensorDeviceClass = (typeof BINARY_SENSOR_DEVICE_CLASSES)[number];

export type RefusalCode = 'out_of_range' | 'unsupported' | 'invalid';

/** pino's levels, as the log-level select offers them. */
export const LOG_LEVEL_OPTIONS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevelOption = (typeof LOG_LEVEL_OPTIONS)[number];

/** Things the bridge does itself (its own device's controls), not commands for a heater. */
export type BridgeAction =
  | { kind: 'reconnect_cloud' }
  | { kind: 'export_diagnostics' }
  | { kind: 'log_level'; level: LogLevelOption };

/** What an HA command turns into: device commands, settings the bridge keeps, bridge actions, or a refusal. */
export type CommandPlan =
  | {
      ok: true;
      commands: DeviceCommand[];
      remember?: RememberPatch;
      actions?: BridgeAction[];
      /** A change of the reservation list: read, changed and written back by the schedule keeper. */
      schedule?: ScheduleCommand;
    }
  | { ok: false; code: RefusalCode; reason: string };

export interface NumberRange {
  min: number;
  max: number;
  step: number;
}

interface EntityCommon<S, Category extends 'diagnostic' | 'config' = 'diagnostic' | 'config'> {
  /** unique_id suffix, component id, key in the state JSON and in `<b>/<id>/<key>/set`. */
  key: string;
  /** Sentence case, without the device name; null names the device's main entity. */
  name: string | null;
  enabled: boolean;
  /** Sensors and binary sensors are read-only: HA allows them only `diagnostic`. */
  category?: Category;
  icon?: string;
  /** Left out for devices where this returns false (e.g. a capability the feature denies). */
  available?: (s: S) => boolean;
}

/**
 * The parts of the snapshot an entity's attributes are computed from, when that is far less than
 * the whole snapshot (a schedule read once an hour, not the status that arrives every few
 * seconds). While each part is the same object (===) as at the last state, the last attributes are
 * reused instead of computed and serialised again; leave it out when in doubt.
 */
export type AttributeInputs<S> = (s: S) => readonly unknown[];

export interface SensorDef<S> extends EntityCommon<S, 'diagnostic'> {
  platform: 'sensor';
  deviceClass?: SensorDeviceClass;
  stateClass?: StateClass;
  unit?: string | ((s: S) => string);
  /** suggested_display_precision. */
  precision?: number | ((s: S) => number);
  /** For `deviceClass: 'enum'`: every state the sensor may show. */
  options?: readonly string[];
  read: (s: S) => StateValue;
  /** JSON attributes (a heater's on its attributes topic, by entity key); always an object. */
  attributes?: (s: S) => Attributes;
  attributesFrom?: AttributeInputs<S>;
}

export interface BinarySensorDef<S> extends EntityCommon<S, 'diagnostic'> {
  platform: 'binary_sensor';
  deviceClass?: BinarySensorDeviceClass;
  /** null = unknown (never guessed as off). */
  read: (s: S) => boolean | null;
  /** JSON attributes on a topic of their own (e.g. the bridge's link details). */
  attributesTopic?: string;
}

export interface SwitchDef<S> extends EntityCommon<S> {
  platform: 'switch';
  read: (s: S) => boolean | null;
  turn: (on: boolean, s: S) => CommandPlan;
}

export interface NumberDef<S> extends EntityCommon<S> {
  platform: 'number';
  deviceClass?: NumberDeviceClass;
  unit?: string | ((s: S) => string);
  range: (s: S) => NumberRange;
  read: (s: S) => number | null;
  set: (value: number, s: S) => CommandPlan;
}

export interface ButtonDef<S> extends EntityCommon<S> {
  platform: 'button';
  press: (s: S) => CommandPlan;
}

export interface SelectDef<S> extends EntityCommon<S> {
  platform: 'select';
  options: (s: S) => readonly string[];
  /** The option shown now; null while unknown. */
  read: (s: S) => string | null;
  select: (option: string, s: S) => CommandPlan;
  attributes?: (s: S) => Attributes;
  attributesFrom?: AttributeInputs<S>;
}

/** What an `update` entity shows; HA compares the two versions. */
export interface UpdateState {
  installed_version: string | null;
  latest_version: string | null;
  title?: string;
  release_summary?: string;
}

export interface UpdateDef<S> extends EntityCommon<S> {
  platform: 'update';
  deviceClass?: 'firmware';
  /** null while the versions are not known. */
  read: (s: S) => UpdateState | null;
  attributes?: (s: S) => Attributes;
  /** As for attributes: the parts of the snapshot `read` and `attributes` are computed from. */
  attributesFrom?: AttributeInputs<S>;
}

export interface WaterHeaterDef<S> extends EntityCommon<S> {
  platform: 'water_heater';
  /** The modes HA offers (`off` included). */
  modes: (s: S) => WaterHeaterMode[];
  /** Key of the mode in the state JSON and of its command topic. */
  modeKey: string;
  readMode: (s: S) => WaterHeaterMode | null;
  setMode: (mode: WaterHeaterMode, s: S) => CommandPlan;
  /** State keys read for the temperatures, published by other entities of the table. */
  currentTemperatureKey: string;
  /** Also the command key the setpoint goes to (the setpoint number's). */
  targetTemperatureKey: string;
  /** Command key of the power switch (`ON`/`OFF`). */
  powerKey: string;
  range: (s: S) => NumberRange;
  temperatureUnit: (s: S) => 'C' | 'F';
}

export type EntityDef<S> =
  | SensorDef<S>
  | BinarySensorDef<S>
  | SwitchDef<S>
  | NumberDef<S>
  | ButtonDef<S>
  | SelectDef<S>
  | UpdateDef<S>
  | WaterHeaterDef<S>;

/** The entities of a table that a device with this snapshot has. */
export function entitiesFor<S>(table: readonly EntityDef<S>[], s: S): EntityDef<S>[] {
  return table.filter((def) => def.available?.(s) ?? true);
}

export function unitOf<S>(unit: string | ((s: S) => string) | undefined, s: S): string | undefined {
  return typeof unit === 'function' ? unit(s) : unit;
}

export function precisionOf<S>(precision: number | ((s: S) => number) | undefined, s: S): number | undefined {
  return typeof precision === 'function' ? precision(s) : precision;
}

export function onOff(value: boolean | null): 'ON' | 'OFF' | null {
  return value === null ? null : value ? 'ON' : 'OFF';
}
