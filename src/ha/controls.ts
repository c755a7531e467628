// The NWP500's controls and cloud-read entities: the water heater card, setpoint and vacation,
// the switches and buttons, recirculation and freeze protection where the heater has them, the
// reservation schedule with its program switch, the TOU plan and the firmware.

import {
  ANTI_LEGIONELLA_PERIOD_DAYS,
  type DeviceCommand,
  MAX_RESERVATION_WRITE,
  VACATION_DAYS,
} from '../device/commands.js';
import { FIRMWARE_PARTS, type FirmwarePart, formatFirmwareVersion } from '../device/firmware.js';
import { reservationHash } from '../device/reservations.js';
import { decodePrice, periodDays, seasonMonths } from '../device/tou.js';
import type { CommandPlan, EntityDef, UpdateState } from './entityModel.js';
import { labelOf, RECIRCULATION_MODE_LABELS, valueOfLabel } from './labels.js';
import { entryAttributes } from './scheduleChange.js';
import {
  type DeviceSnapshot,
  flagOf,
  freezeProtectionRange,
  isOnVacation,
  isPoweredOff,
  setpointOf,
  setpointRange,
  setting,
  statusReader,
  targetTemperature,
  temperatureUnitLabel,
  waterHeaterMode,
  waterHeaterModes,
} from './snapshot.js';

const readAntiLegionellaPeriod = statusReader('anti_legionella_period');
const readOperationMode = statusReader('operation_mode');
const readVacationDays = statusReader('vacation_day_setting');
const readDrEvent = statusReader('dr_event_status');
const readRecirculationMode = statusReader('recirculation_operation_mode');
const readProgramFlag = flagOf('program_reservation_use');

type S = DeviceSnapshot;

function send(...commands: DeviceCommand[]): CommandPlan {
  return { ok: true, commands };
}

/** A DHW mode change, with a power-on first when the unit is off (mode commands do not wake it). */
function sendMode(s: S, command: DeviceCommand): CommandPlan {
  return isPoweredOff(s) ? send({ kind: 'power', on: true }, command) : send(command);
}

/** The anti-legionella period the device reports, if it is one it accepts; else the library's 14 days. */
function antiLegionellaPeriod(s: S): number {
  const period = readAntiLegionellaPeriod(s);
  return typeof period === 'number' &&
    Number.isInteger(period) &&
    period >= ANTI_LEGIONELLA_PERIOD_DAYS.min &&
    period <= ANTI_LEGIONELLA_PERIOD_DAYS.max
    ? period
    : ANTI_LEGIONELLA_PERIOD_DAYS.default;
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

const recirculationFitted = (s: S) => s.feature?.capabilities.recirculationUse === true;
const RECIRCULATION_OPTIONS = [1, 2, 3, 4].map((value) => labelOf(RECIRCULATION_MODE_LABELS, value));

/**
 * The firmware parts: the cloud's list when read (it also names firmware downloaded but not
 * installed), else the versions the feature payload reports.
 */
function firmwareParts(s: S): { parts: FirmwarePart[]; source: 'cloud' | 'feature' | null } {
  if (s.firmware && s.firmware.value.length > 0) return { parts: s.firmware.value, source: 'cloud' };
  const feature = s.feature;
  if (!feature) return { parts: [], source: null };
  const parts: FirmwarePart[] = [];
  for (const [code, raw] of [
    [feature.controllerSwCode ?? 1, feature.controllerSwVersion],
    [feature.panelSwCode ?? 2, feature.panelSwVersion],
    [feature.wifiSwCode ?? 4, feature.wifiSwVersion],
  ] as const) {
    if (raw === null) continue;
    parts.push({
      code,
      name: FIRMWARE_PARTS.get(code) ?? `part ${code}`,
      installed: formatFirmwareVersion(raw),
      installedRaw: raw,
      downloaded: null,
      downloadedRaw: null,
    });
  }
  return { parts, source: parts.length > 0 ? 'feature' : null };
}

function firmwareState(s: S): UpdateState | null {
  const { parts } = firmwareParts(s);
  if (parts.length === 0) return null;
  const installed = parts.map((part) => `${part.name} ${part.installed}`).join(', ');
  const latest = parts.map((part) => `${part.name} ${part.downloaded ?? part.installed}`).join(', ');
  const waiting = parts.filter((part) => part.downloaded !== null);
  return {
    installed_version: installed,
    latest_version: latest,
    title: 'NWP500 firmware',
    ...(waiting.length === 0
      ? {}
      : {
          release_summary: `Downloaded by the heater, not installed yet: ${waiting
            .map((part) => `${part.name} ${part.downloaded}`)
            .join(', ')}`.slice(0, 255),
        }),
  };
}

export const NWP500_CONTROLS: readonly EntityDef<S>[] = [
  // The water heater: mode, setpoint and power in one card. Vacation is not an HA water-heater mode,
  // so it has its own switch and day count below, and the card shows the mode vacation returns to.
  {
    platform: 'water_heater',
    key: 'water_heater',
    name: null,
    enabled: true,
    modes: waterHeaterModes,
    modeKey: 'mode',
    readMode: waterHeaterMode,
    setMode: (mode, s) =>
      mode === 'off'
        ? send({ kind: 'power', on: false })
        : mode === 'eco' || mode === 'heat_pump' || mode === 'high_demand' || mode === 'electric'
          ? sendMode(s, { kind: 'dhw_mode', mode })
          : { ok: false, code: 'unsupported', reason: `mode ${mode} is not an NWP500 mode` },
    currentTemperatureKey: 'dhw_temperature',
    targetTemperatureKey: 'target_temperature',
    powerKey: 'power',
    range: setpointRange,
    temperatureUnit: (s) => s.unit,
  },
  {
    platform: 'number',
    key: 'target_temperature',
    name: 'Target temperature',
    enabled: true,
    deviceClass: 'temperature',
    unit: temperatureUnitLabel,
    range: setpointRange,
    read: targetTemperature,
    set: (value, s) => send({ kind: 'dhw_temperature', value, unit: s.unit }),
  },
  {
    platform: 'switch',
    key: 'power',
    name: 'Power',
    enabled: true,
    icon: 'mdi:power',
    // 6 is "powered off"; a status without the setting but with a running state means on.
    read: (s) => {
      const value = setting(s);
      if (value !== null) return !isPoweredOff(s);
      return readOperationMode(s) === null ? null : true;
    },
    turn: (on) => send({ kind: 'power', on }),
  },
  {
    platform: 'switch',
    key: 'tou',
    name: 'Time of use',
    enabled: true,
    icon: 'mdi:clock-time-four-outline',
    read: flagOf('tou_status'),
    turn: (on) => send({ kind: 'tou', on }),
  },
  {
    platform: 'switch',
    key: 'anti_legionella',
    name: 'Anti-legionella',
    enabled: true,
    icon: 'mdi:bacteria-outline',
    read: flagOf('anti_legionella_use'),
    turn: (on, s) =>
      send(
        on
          ? { kind: 'anti_legionella', on, periodDays: antiLegionellaPeriod(s) }
          : { kind: 'anti_legionella', on },
      ),
  },
  {
    platform: 'switch',
    key: 'vacation',
    name: 'Vacation',
    enabled: true,
    icon: 'mdi:airplane',
    read: (s) => (setting(s) === null ? null : isOnVacation(s)),
    turn: (on, s) =>
      on
        ? sendMode(s, { kind: 'vacation', days: s.vacationDays })
        : send({ kind: 'dhw_mode', mode: s.lastMode ?? 'eco' }),
  },
  {
    platform: 'number',
    key: 'vacation_days',
    name: 'Vacation days',
    enabled: true,
    category: 'config',
    icon: 'mdi:calendar-range',
    deviceClass: 'duration',
    unit: 'd',
    range: () => ({ min: VACATION_DAYS.min, max: VACATION_DAYS.max, step: 1 }),
    // During vacation the device's own count; otherwise the length the next vacation will have.
    read: (s) => {
      const onDevice = readVacationDays(s);
      return isOnVacation(s) && typeof onDevice === 'number' && onDevice > 0 ? onDevice : s.vacationDays;
    },
    // Remembered by the bridge; during vacation the device gets the new length too.
    set: (days, s) =>
      Number.isInteger(days)
        ? {
            ok: true,
            commands: isOnVacation(s) ? [{ kind: 'vacation', days }] : [],
            remember: { vacationDays: days },
          }
        : { ok: false, code: 'invalid', reason: `vacation days must be a whole number (got ${days})` },
  },
  {
    // Available only where the feature's drSettingUse says so. There is no status field for the
    // setting itself: the state is `drEventStatus != 0`, because 0 means "no demand-response
    // program applied" and 1–5 are the events of an applied one. With DR on and no event yet the
    // device reports 0, so the switch reads off until the utility's first signal.
    platform: 'switch',
    key: 'demand_response',
    name: 'Demand response',
    enabled: true,
    icon: 'mdi:transmission-tower',
    available: (s) => s.feature?.capabilities.drSettingUse === true,
    read: (s) => {
      const value = readDrEvent(s);
      return typeof value === 'number' ? value !== 0 : null;
    },
    turn: (on) => send({ kind: 'demand_response', on }),
  },
  {
    platform: 'button',
    key: 'air_filter_reset',
    name: 'Reset air filter',
    enabled: true,
    category: 'config',
    icon: 'mdi:air-filter',
    press: () => send({ kind: 'air_filter_reset' }),
  },

  // The reservation program: the list as entity state, and the switch that turns it on or off
  // (written with the list as it is, read back before and after).
  {
    platform: 'switch',
    key: 'reservation_program',
    name: 'Reservation program',
    enabled: true,
    icon: 'mdi:calendar-clock',
    read: (s) => s.schedule?.enabled ?? readProgramFlag(s),
    turn: (on) => ({
      ok: true,
      commands: [],
      schedule: { change: { action: 'program', on }, expectedHash: null },
    }),
  },
  {
    platform: 'sensor',
    key: 'reservations',
    name: 'Reservation schedule',
    enabled: true,
    icon: 'mdi:calendar-text',
    // The number of entries; a display precision makes it numeric, so unknown is unknown, not "None".
    precision: 0,
    read: (s) => s.schedule?.entries.length ?? null,
    attributesFrom: (s) => [s.schedule, s.scheduleWrite, s.unit],
    attributes: (s) => {
      const schedule = s.schedule;
      const write = s.scheduleWrite;
      return {
        program: schedule?.enabled ?? null,
        entries: schedule ? schedule.entries.map((entry, i) => entryAttributes(entry, i + 1, s.unit)) : [],
        hash: schedule ? reservationHash(schedule.enabled, schedule.entries) : null,
        max_entries: MAX_RESERVATION_WRITE,
        read_at: iso(schedule?.readAtMs),
        last_write: write
          ? { action: write.action, outcome: write.outcome, reason: write.reason, at: iso(write.atMs) }
          : null,
      };
    },
  },

  // Recirculation, where a recirculation module is fitted.
  {
    platform: 'select',
    key: 'recirculation_mode',
    name: 'Recirculation mode',
    enabled: true,
    icon: 'mdi:reload',
    available: recirculationFitted,
    options: () => RECIRCULATION_OPTIONS,
    read: (s) => {
      const value = readRecirculationMode(s);
      const label = typeof value === 'number' ? labelOf(RECIRCULATION_MODE_LABELS, value) : null;
      return label !== null && RECIRCULATION_OPTIONS.includes(label) ? label : null;
    },
    select: (option) => {
      const mode = valueOfLabel(RECIRCULATION_MODE_LABELS, option);
      return mode !== undefined && mode >= 1
        ? send({ kind: 'recirculation_mode', mode })
        : { ok: false, code: 'invalid', reason: `"${option}" is not a recirculation mode` };
    },
    attributesFrom: (s) => [readRecirculationMode(s)],
    attributes: (s) => ({ value: (readRecirculationMode(s) as number | null) ?? null }),
  },
  {
    platform: 'button',
    key: 'recirculation_hot_button',
    name: 'Start recirculation',
    enabled: true,
    icon: 'mdi:water-pump',
    available: recirculationFitted,
    press: () => send({ kind: 'recirculation_hot_button' }),
  },

  // Freeze protection, where the heater has it and says its range.
  {
    platform: 'number',
    key: 'freeze_protection_setpoint',
    name: 'Freeze protection temperature',
    enabled: true,
    category: 'config',
    icon: 'mdi:snowflake-thermometer',
    deviceClass: 'temperature',
    unit: temperatureUnitLabel,
    available: (s) =>
      s.feature?.capabilities.freezeProtectionUse === true && freezeProtectionRange(s) !== null,
    range: (s) => freezeProtectionRange(s) ?? { min: 0, max: 1, step: 1 },
    read: setpointOf('freeze_protection_temperature'),
    set: (value, s) => send({ kind: 'freeze_protection_temperature', value, unit: s.unit }),
  },

  // Read from the cloud's REST API: the TOU plan and the firmware.
  {
    platform: 'sensor',
    key: 'tou_schedule',
    name: 'TOU plan',
    enabled: false,
    icon: 'mdi:cash-clock',
    precision: 0,
    read: (s) => s.tou?.value.periods.length ?? null,
    attributesFrom: (s) => [s.tou],
    attributes: (s) => {
      const plan = s.tou?.value;
      return {
        utility: plan?.utility ?? null,
        plan: plan?.name ?? null,
        periods: (plan?.periods ?? []).map((period) => ({
          months: seasonMonths(period.season),
          days: periodDays(period),
          start: `${pad(period.startHour)}:${pad(period.startMinute)}`,
          end: `${pad(period.endHour)}:${pad(period.endMinute)}`,
          price_min: decodePrice(period.priceMin, period.decimalPoint),
          price_max: decodePrice(period.priceMax, period.decimalPoint),
        })),
        read_at: iso(s.tou?.readAtMs),
      };
    },
  },
  {
    platform: 'update',
    key: 'firmware',
    name: 'Firmware',
    enabled: true,
    category: 'config',
    deviceClass: 'firmware',
    read: firmwareState,
    attributesFrom: (s) => [s.firmware, s.feature],
    attributes: (s) => ({
      source: firmwareParts(s).source,
      parts: firmwareParts(s).parts.map((part) => ({
        part: part.name,
        code: part.code,
        installed: part.installed,
        installed_raw: part.installedRaw,
        downloaded: part.downloaded,
        downloaded_raw: part.downloadedRaw,
      })),
      read_at: iso(s.firmware?.readAtMs),
    }),
  },
];
