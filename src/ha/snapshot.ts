// What the bridge knows about one water heater at a moment (last status, feature, energy totals,
// remembered settings, display unit), and the small readers the entity table uses on it.

import { type DhwMode, FALLBACK_DHW_RAW_RANGE } from '../device/commands.js';
import { DhwOperationSetting } from '../device/enums.js';
import type { DeviceFeature } from '../device/feature.js';
import type { FirmwarePart } from '../device/firmware.js';
import type { ReservationEntry } from '../device/reservations.js';
import type { DeviceStatus, StatusValue } from '../device/status.js';
import { statusPosition } from '../device/statusValues.js';
import type { TouPlan } from '../device/tou.js';
import {
  halfRawToTemperature,
  litresPerMinuteToGpm,
  litresToGallons,
  roundTo,
  type TemperatureUnit,
} from '../device/units.js';
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
  /** The reservation list as last read from the device; null until the first read. */
  schedule: ScheduleState | null;
  /** What became of the last reservation command; null before the first. */
  scheduleWrite: ScheduleWriteResult | null;
  /** The TOU plan registered in the cloud; null until read. */
  tou: CloudRead<TouPlan> | null;
  /** The firmware parts the cloud lists; null until read. */
  firmware: CloudRead<FirmwarePart[]> | null;
}

export interface ScheduleState {
  /** The program switch (`reservationUse` 2); null when the reply did not say. */
  enabled: boolean | null;
  entries: ReservationEntry[];
  /** Wall-clock ms of the read. */
  readAtMs: number;
}

export interface ScheduleWriteResult {
  action: string;
  /** confirmed: read back as written; unconfirmed: sent, not seen in a read-back; unchanged: nothing to write. */
  outcome: 'confirmed' | 'unconfirmed' | 'unchanged' | 'refused';
  reason: string | null;
  atMs: number;
}

export interface CloudRead<T> {
  value: T;
  readAtMs: number;
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

/**
 * A reader of one status value as it is, null when the device did not send it. It runs on every
 * status, so the key's position is found once; a key no status field has throws here, when the
 * entity table is built.
 */
export function statusReader(key: string): (s: DeviceSnapshot) => StatusValue | null {
  const position = statusPosition(key);
  return (s) => s.status?.values.at(position) ?? null;
}

/** A numeric status value rounded to `decimals`; null when absent or not a number. */
export function numberOf(key: string, decimals = 0): (s: DeviceSnapshot) => number | null {
  const read = statusReader(key);
  return (s) => {
    const value = read(s);
    return typeof value === 'number' ? roundTo(value, decimals) : null;
  };
}

/** Temperatures (and temperature differences) in the device's unit, to 0.1°. */
export function temperatureOf(key: string): (s: DeviceSnapshot) => number | null {
  return numberOf(key, 1);
}

/**
 * A setting in half-degrees Celsius shown as the heater's panel shows it: whole degrees in °F (raw
 * 98 is 120.2 °F, which the panel and the app show as 120), half degrees in °C.
 */
export function setpointValue(value: number, unit: TemperatureUnit): number {
  return unit === 'F' ? Math.round(value) + 0 : roundTo(value, 1);
}

export function setpointOf(key: string): (s: DeviceSnapshot) => number | null {
  const read = statusReader(key);
  return (s) => {
    const value = read(s);
    return typeof value === 'number' ? setpointValue(value, s.unit) : null;
  };
}

/** Setpoints carry no decimals in °F and one (for the half degree) in °C. */
export function setpointPrecision(s: DeviceSnapshot): number {
  return s.unit === 'F' ? 0 : 1;
}

/** Volumes follow the heater's unit system: gal with °F, L with °C. */
export function volumeUnit(s: DeviceSnapshot): 'gal' | 'L' {
  return s.unit === 'F' ? 'gal' : 'L';
}

export function flowUnit(s: DeviceSnapshot): 'gal/min' | 'L/min' {
  return s.unit === 'F' ? 'gal/min' : 'L/min';
}

/** A flow (decoded in L/min) in the heater's unit system. */
export function flowOf(key: string): (s: DeviceSnapshot) => number | null {
  const read = statusReader(key);
  return (s) => {
    const lpm = read(s);
    if (typeof lpm !== 'number') return null;
    return s.unit === 'F' ? litresPerMinuteToGpm(lpm) : roundTo(lpm, 1);
  };
}

/** A volume (decoded in L) in the heater's unit system. */
export function volumeOf(key: string): (s: DeviceSnapshot) => number | null {
  const read = statusReader(key);
  return (s) => {
    const litres = read(s);
    if (typeof litres !== 'number') return null;
    return s.unit === 'F' ? roundTo(litresToGallons(litres), 1) : roundTo(litres, 0);
  };
}

/** A status flag; a numeric flag reads as on when non-zero (the library leaves two of them raw). */
export function flagOf(key: string): (s: DeviceSnapshot) => boolean | null {
  const read = statusReader(key);
  return (s) => {
    const value = read(s);
    if (typeof value === 'boolean') return value;
    if (typeof value === 'number') return value !== 0;
    return null;
  };
}

/** The name of an enum status value (`ENERGY_SAVER`); null when absent or a value the table does not know. */
export function enumNameOf(key: string): (s: DeviceSnapshot) => StateValue {
  const position = statusPosition(key);
  return (s) => s.status?.values.nameAt(position) ?? null;
}

export function temperatureUnitLabel(s: DeviceSnapshot): string {
  return s.unit === 'C' ? '°C' : '°F';
}

const SETTING_POSITION = statusPosition('dhw_operation_setting');

/** The operation setting (`dhwOperationSetting`) a status reports; null when it did not. */
export function statusSetting(status: DeviceStatus | null): number | null {
  const value = status?.values.at(SETTING_POSITION);
  return typeof value === 'number' ? value : null;
}

export function setting(s: DeviceSnapshot): number | null {
  return statusSetting(s.status);
}

export function isPoweredOff(s: DeviceSnapshot): boolean {
  return setting(s) === POWER_OFF_SETTING;
}

export function isOnVacation(s: DeviceSnapshot): boolean {
  return setting(s) === VACATION_SETTING;
}

const targetSetpoint = setpointOf('dhw_target_temperature_setting');
const displayedSetpoint = setpointOf('dhw_temperature_setting');

/** The setpoint: `dhwTargetTemperatureSetting`, else `dhwTemperatureSetting`, as the panel shows it. */
export function targetTemperature(s: DeviceSnapshot): number | null {
  return targetSetpoint(s) ?? displayedSetpoint(s);
}

/** Setpoint steps HA offers: the device's half-degree resolution in °C, whole degrees in °F. */
export function temperatureStep(s: DeviceSnapshot): 0.5 | 1 {
  return s.unit === 'C' ? 0.5 : 1;
}

/**
 * A range of half-degree Celsius limits in the device unit, narrowed to whole steps so every value
 * HA offers encodes inside the raw range.
 */
export function halfRawRange(minRaw: number, maxRaw: number, s: DeviceSnapshot): NumberRange {
  const step = temperatureStep(s);
  const lo = halfRawToTemperature(Math.min(minRaw, maxRaw), s.unit);
  const hi = halfRawToTemperature(Math.max(minRaw, maxRaw), s.unit);
  // The epsilon absorbs float noise such as 104.99999999 that would otherwise move a bound a whole step.
  const min = roundTo(Math.ceil(lo / step - 1e-6) * step, 1);
  const max = roundTo(Math.floor(hi / step + 1e-6) * step, 1);
  // HA refuses a range that is not a range; a device reporting one gets a single step to choose.
  return { min, max: Math.max(max, min + step), step };
}

/** The setpoint range from the feature's limits (the default range until it is known). */
export function setpointRange(s: DeviceSnapshot): NumberRange {
  return halfRawRange(
    s.feature?.dhwTemperatureMin ?? FALLBACK_DHW_RAW_RANGE.min,
    s.feature?.dhwTemperatureMax ?? FALLBACK_DHW_RAW_RANGE.max,
    s,
  );
}

/** The freeze-protection range from the feature; null while the feature does not give it. */
export function freezeProtectionRange(s: DeviceSnapshot): NumberRange | null {
  const min = s.feature?.freezeProtectionTempMin ?? null;
  const max = s.feature?.freezeProtectionTempMax ?? null;
  return min === null || max === null ? null : halfRawRange(min, max, s);
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
