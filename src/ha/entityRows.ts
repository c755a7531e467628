// Row builders for the NWP500 entity table: one call per status entity, so the table in
// entities.ts reads one line per entity. Each says how the value is read and in which unit.

import type { EnumTable } from '../device/enums.js';
import type { BinarySensorDef, BinarySensorDeviceClass, SensorDef, StateValue } from './entityModel.js';
import { type EnumLabels, labelOf, labelOptions } from './labels.js';
import {
  type DeviceSnapshot,
  flagOf,
  flowOf,
  flowUnit,
  numberOf,
  setpointOf,
  setpointPrecision,
  statusReader,
  temperatureOf,
  temperatureUnitLabel,
  volumeOf,
  volumeUnit,
} from './snapshot.js';

type S = DeviceSnapshot;

export interface Extra {
  category?: 'diagnostic';
  icon?: string;
}

/** A measured temperature in the device's unit, to 0.1°; HA converts it for people who use the other. */
export function temperature(
  key: string,
  name: string,
  enabled: boolean,
  read: (s: S) => StateValue = temperatureOf(key),
): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled,
    deviceClass: 'temperature',
    stateClass: 'measurement',
    unit: temperatureUnitLabel,
    precision: 1,
    read,
  };
}

/** A temperature *setting* (half-degree Celsius on the wire), shown as the heater's panel shows it. */
export function setting(
  key: string,
  name: string,
  read: (s: S) => StateValue = setpointOf(key),
): SensorDef<S> {
  return { ...temperature(key, name, false, read), precision: setpointPrecision };
}

/**
 * A temperature *difference* (superheat, hysteresis). No `temperature` device class on purpose: HA
 * would convert it like a temperature and add 32 °F.
 */
export function difference(key: string, name: string): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: false,
    stateClass: 'measurement',
    unit: temperatureUnitLabel,
    precision: 1,
    read: temperatureOf(key),
  };
}

export function measurement(
  key: string,
  name: string,
  enabled: boolean,
  unit: string | undefined,
  decimals = 0,
  extra: Extra & { deviceClass?: SensorDef<S>['deviceClass'] } = {},
): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled,
    stateClass: 'measurement',
    ...(unit === undefined ? {} : { unit }),
    ...(decimals > 0 ? { precision: decimals } : {}),
    ...extra,
    read: numberOf(key, decimals),
  };
}

/** A flow in the heater's unit system: gal/min with °F, L/min with °C. */
export function flow(key: string, name: string): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: false,
    deviceClass: 'volume_flow_rate',
    stateClass: 'measurement',
    unit: flowUnit,
    precision: (s) => (s.unit === 'F' ? 2 : 1),
    read: flowOf(key),
  };
}

/** A lifetime water volume in the heater's unit system (gal or L), for HA's water statistics. */
export function water(key: string, name: string): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: false,
    deviceClass: 'water',
    stateClass: 'total_increasing',
    unit: volumeUnit,
    precision: (s) => (s.unit === 'F' ? 1 : 0),
    read: volumeOf(key),
  };
}

/** Days or hours as HA's `duration` class wants them (`d`/`h`, not the library's "days"/"hours"). */
export function duration(
  key: string,
  name: string,
  unit: 'd' | 'h',
  stateClass?: 'measurement' | 'total_increasing',
): SensorDef<S> {
  return {
    platform: 'sensor',
    key,
    name,
    enabled: false,
    deviceClass: 'duration',
    unit,
    ...(stateClass === undefined ? {} : { stateClass }),
    read: numberOf(key),
  };
}

/**
 * A raw code with no unit and no state class (identifiers, not quantities). The display precision
 * makes HA expect a number, which is what lets null show as unknown instead of the text "None".
 */
export function code(key: string, name: string, extra: Extra = { category: 'diagnostic' }): SensorDef<S> {
  return { platform: 'sensor', key, name, enabled: false, precision: 0, ...extra, read: numberOf(key) };
}

/**
 * An enum status value shown in words ("Energy saver"), every word listed as an option, with the wire
 * value and the library's name as attributes. HA has no way to set an MQTT enum sensor to unknown
 * (it would take "None" as a state outside the options), so a missing or unknown value shows as
 * the option Unknown.
 */
export function enumeration(
  key: string,
  name: string,
  labels: EnumLabels,
  enabled: boolean,
  extra: Extra & { available?: (s: S) => boolean } = {},
): SensorDef<S> {
  const table: EnumTable = labels.table;
  const read = statusReader(key);
  const wireValue = (s: S): number | null => {
    const value = read(s);
    return typeof value === 'number' ? value : null;
  };
  return {
    platform: 'sensor',
    key,
    name,
    enabled,
    deviceClass: 'enum',
    options: labelOptions(labels),
    ...extra,
    read: (s) => labelOf(labels, wireValue(s)),
    attributesFrom: (s) => [wireValue(s)],
    attributes: (s) => {
      const value = wireValue(s);
      return { value, name: value === null ? null : (table.byValue.get(value) ?? null) };
    },
  };
}

export function flag(
  key: string,
  name: string,
  enabled: boolean,
  deviceClass?: BinarySensorDeviceClass,
): BinarySensorDef<S> {
  return {
    platform: 'binary_sensor',
    key,
    name,
    enabled,
    ...(deviceClass === undefined ? {} : { deviceClass }),
    read: flagOf(key),
  };
}
