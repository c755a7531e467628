// What the bridge knows about one water heater at a moment (last status, feature, energy totals,
// remembered settings, display unit), and the small readers the entity table uses on it.

import { type DhwMode, FALLBACK_DHW_RAW_RANGE } from '../device/commands.js';
import { DhwOperationSetting } from '../device/enums.js';
import type { DeviceFeature } from '../device/feature.js';
import type { DeviceStatus } from '../device/status.js';
import { halfRawToTemperature, roundTo, type TemperatureUnit } from '../device/units.js';
import type { WaterHeaterMode } from './discovery/index.js';
import type { EnergyTotals } from './energyStore.js';
import type { NumberRange, StateValue } from './entityModel.js';

export interface DeviceSnapshot {
  status: DeviceStatus | null;
  feature: DeviceFeature | null;
  /** Unit of every temperature in `status` and of what the entities show. */
  unit: TemperatureUnit;
  energy: EnergyTotals | null;
  /** Vacation length for the next vacation (remembered by the bridge). */
  vacationDays: number;
  /** The last mode the device was in other than vacation and off; null if never seen. */
  lastMode: DhwMode | null;
}

export const DEFAULT_VACATION_DAYS = 7;

export const MODE_BY_SETTING: ReadonlyMap<number, DhwMode> = new Map([
  [DhwOperationSetting.byName.HEAT_PUMP, 'heat_pump'],
  [DhwOperationSetting.byName.ELECTRIC, 'electric'],
  [DhwOperationSetting.byName.ENERGY_SAVER, 'eco'],
  [DhwOperationSetting.byName.HIGH_DEMAND, 'high_demand'],
]);
export const VACATION_SETTING = DhwOperationSetting.byName.VACATION;
export const POWER_OFF_SETTING = DhwOperationSetting.byName.POWER_OFF;

/** A status value as it is, or null when the device did not send it. */
export function statusValue(s: DeviceSnapshot, key: string): number | boolean | string | null {
  return s.status?.values[key] ?? null;
}

/** A numeric status value rounded to `decimals`; null when absent or not a number. */
export function numberOf(key: string, decimals = 0): (s: DeviceSnapshot) => number | null {
  return (s) => {
    const value = statusValue(s, key);
    return typeof value === 'number' ? roundTo(value, decimals) : null;
  };
}

/** Temperatures (and temperature differences) in the device's unit, to 0.1°. */
export function temperatureOf(key: string): (s: DeviceSnapshot) => number | null {
  return numberOf(key, 1);
}

/** A status flag; a numeric flag reads as on when non-zero (the library leaves two of them raw). */
export function flagOf(key: string): (s: DeviceSnapshot) => boolean | null {
  return (s) => {
    const value = statusValue(s, key);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    return null;
  };
}

/** The name of an enum status value (`ENERGY_SAVER`); null when absent or a value the table does not know. */
export function enumNameOf(key: string): (s: DeviceSnapshot) => StateValue {
  return (s) => s.status?.names[key] ?? null;
}

export function temperatureUnitLabel(s: DeviceSnapshot): string {
  return s.unit === 'C' ? '°C' : '°F';
}

export function setting(s: DeviceSnapshot): number | null {
  const value = statusValue(s, 'dhw_operation_setting');
  return typeof value === 'number' ? value : null;
}

export function isPoweredOff(s: DeviceSnapshot): boolean {
  return setting(s) === POWER_OFF_SETTING;
}

export function isOnVacation(s: DeviceSnapshot): boolean {
  return setting(s) === VACATION_SETTING;
}

/** The setpoint: `dhwTargetTemperatureSetting`, else `dhwTemperatureSetting`. */
export function targetTemperature(s: DeviceSnapshot): number | null {
  return temperatureOf('dhw_target_temperature_setting')(s) ?? temperatureOf('dhw_temperature_setting')(s);
}

/** Setpoint steps HA offers: the device's half-degree resolution in °C, whole degrees in °F. */
export function temperatureStep(s: DeviceSnapshot): 0.5 | 1 {
  return s.unit === 'C' ? 0.5 : 1;
}

/**
 * The setpoint range in the device unit from the feature's limits (the default range until it is
 * known), narrowed to whole steps so every value HA offers encodes inside the device's raw range.
 */
export function setpointRange(s: DeviceSnapshot): NumberRange {
  const minRaw = s.feature?.dhwTemperatureMin ?? FALLBACK_DHW_RAW_RANGE.min;
  const maxRaw = s.feature?.dhwTemperatureMax ?? FALLBACK_DHW_RAW_RANGE.max;
  const step = temperatureStep(s);
  const lo = halfRawToTemperature(Math.min(minRaw, maxRaw), s.unit);
  const hi = halfRawToTemperature(Math.max(minRaw, maxRaw), s.unit);
  // The epsilon absorbs float noise such as 104.99999999 that would otherwise move a bound a whole step.
  const min = roundTo(Math.ceil(lo / step - 1e-6) * step, 1);
  const max = roundTo(Math.floor(hi / step + 1e-6) * step, 1);
  // HA refuses a range that is not a range; a device reporting one gets a single step to choose.
  return { min, max: Math.max(max, min + step), step };
}

/** The modes HA offers: those the feature's capability flags allow (all until it is known), and off. */
export function waterHeaterModes(s: DeviceSnapshot): WaterHeaterMode[] {
  const caps = s.feature?.capabilities;
  const modes: WaterHeaterMode[] = ['off'];
  if (!caps || caps.energySaverUse) modes.push('eco');
  if (!caps || caps.heatpumpUse) modes.push('heat_pump');
  if (!caps || caps.highDemandUse) modes.push('high_demand');
  if (!caps || caps.electricUse) modes.push('electric');
  return modes;
}

/**
 * The mode HA shows: off while powered off; during vacation (not an HA mode) the mode it will
 * return to (the remembered one, else eco); null for a value the device should not report.
 */
export function waterHeaterMode(s: DeviceSnapshot): WaterHeaterMode | null {
  const value = setting(s);
  if (value === null) return null;
  const modes = waterHeaterModes(s);
  let mode: WaterHeaterMode | null;
  if (value === POWER_OFF_SETTING) mode = 'off';
  else if (value === VACATION_SETTING) mode = s.lastMode ?? 'eco';
  else mode = MODE_BY_SETTING.get(value) ?? null;
  return mode !== null && modes.includes(mode) ? mode : null;
}
