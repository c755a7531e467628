// Typed NWP500 commands → Navien request envelopes (topic, declared response topic, JSON payload), with the
// library's validations and capability gates; a refused command comes back as a reason, never as a throw.

import { CommandCode, commandName } from './commandCodes.js';
import type { CapabilityFlag, DeviceFeature } from './feature.js';
import type { ReservationEntry } from './reservations.js';
import {
  clientResponseTopic,
  deviceResponseTopic,
  deviceTopic,
  isTopicSegment,
  REQUEST_SUFFIX,
  RESPONSE_SUFFIX,
} from './topics.js';
import { halfRawToTemperature, roundTo, type TemperatureUnit, temperatureToHalfRaw } from './units.js';

export type DhwMode = 'heat_pump' | 'electric' | 'eco' | 'high_demand';

export type DeviceCommand =
  | { kind: 'status_request' }
  | { kind: 'feature_request' }
  | { kind: 'reservation_read' }
  | { kind: 'energy_usage'; year: number; months: number[] }
  | { kind: 'power'; on: boolean }
  | { kind: 'dhw_mode'; mode: DhwMode }
  | { kind: 'vacation'; days: number } // DHW_MODE [5, days], 1–30
  | { kind: 'dhw_temperature'; value: number; unit: TemperatureUnit }
  | { kind: 'anti_legionella'; on: boolean; periodDays?: number } // on: [period 1–30], default 14
  | { kind: 'tou'; on: boolean }
  | { kind: 'demand_response'; on: boolean }
  | { kind: 'air_filter_reset' }
  /** The whole reservation list (the device replaces what it holds); `reservationUse` 2 = program on, 1 = off. */
  | { kind: 'reservation_write'; reservationUse: number; entries: readonly ReservationEntry[] }
  /** 1 always, 2 button, 3 schedule, 4 temperature. */
  | { kind: 'recirculation_mode'; mode: number }
  | { kind: 'recirculation_hot_button' }
  | { kind: 'freeze_protection_temperature'; value: number; unit: TemperatureUnit };

export type DeviceCommandKind = DeviceCommand['kind'];

export interface DeviceAddress {
  macAddress: string;
  additionalValue: string;
  deviceType: number;
}

export interface ClientIdentity {
  clientId: string;
  sessionId: string;
}

export type RefusalCode = 'out_of_range' | 'unsupported' | 'invalid';

export type EncodeResult =
  | { ok: true; topic: string; responseTopic: string; payload: Record<string, unknown>; commandCode: number }
  | { ok: false; reason: string; code: RefusalCode };

/** `dhw-mode` parameter per HA operation mode (vacation is 5 with a day count; 6 is never sent, see power). */
export const DHW_MODE_VALUES: Readonly<Record<DhwMode, number>> = {
  heat_pump: 1,
  electric: 2,
  eco: 3,
  high_demand: 4,
};
const VACATION_MODE = 5;

export const VACATION_DAYS = { min: 1, max: 30 } as const;
export const ANTI_LEGIONELLA_PERIOD_DAYS = { min: 1, max: 30, default: 14 } as const;
/** DHW setpoint range (raw half-°C) used until the device's feature payload is known: 95–150 °F. */
export const FALLBACK_DHW_RAW_RANGE = { min: 70, max: 131 } as const;
export const ENERGY_YEARS = { min: 2000, max: 2100 } as const;
/** `recirc-mode` parameter: 1 always, 2 button, 3 schedule, 4 temperature. */
export const RECIRCULATION_MODES = { min: 1, max: 4 } as const;
/** Reservation slots a write may carry: the device keeps about 16. */
export const MAX_RESERVATION_WRITE = 16;

const PROTOCOL_VERSION = 2;

type Refusal = Extract<EncodeResult, { ok: false }>;

interface Plan {
  readonly ok: true;
  readonly commandCode: number;
  readonly suffix: string;
  /** Where the device answers: the device's response topic, or a client-keyed one with this suffix. */
  readonly responseSuffix: string | null;
  /** Request keys after the common four, in wire order. */
  readonly extra: Record<string, unknown>;
}

function refuse(code: RefusalCode, reason: string): Refusal {
  return { ok: false, code, reason };
}

function query(commandCode: number, suffix: string, responseSuffix: string | null = null): Plan {
  return { ok: true, commandCode, suffix, responseSuffix, extra: {} };
}

function control(commandCode: number, mode: string, param: number[]): Plan {
  return {
    ok: true,
    commandCode,
    suffix: REQUEST_SUFFIX.control,
    responseSuffix: null,
    extra: { mode, param, paramStr: '' },
  };
}

function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function checkWholeInRange(
  value: unknown,
  range: { readonly min: number; readonly max: number },
  what: string,
): Refusal | undefined {
  if (!isWholeNumber(value))
    return refuse('invalid', `${what} must be a whole number (got ${String(value)})`);
  if (value < range.min || value > range.max) {
    return refuse('out_of_range', `${what} must be from ${range.min} to ${range.max} (got ${value})`);
  }
  return undefined;
}

/** Refuses when the feature is known and says the capability is missing; passes while it is not known. */
function gate(feature: DeviceFeature | undefined, flag: CapabilityFlag, what: string): Refusal | undefined {
  if (!feature || feature.capabilities[flag]) return undefined;
  const sent = feature.capabilityRaw[flag];
  return refuse(
    'unsupported',
    `${what} is not supported by this device (feature ${flag} = ${sent ?? 'absent'})`,
  );
}

function gateDhwTemperature(feature: DeviceFeature | undefined): Refusal | undefined {
  const use = feature?.dhwTemperatureSettingUse;
  // 0 = unknown, 1 = disabled; an absent value counts as "not known yet", like a missing feature.
  if (use !== 0 && use !== 1) return undefined;
  return refuse(
    'unsupported',
    `setting the hot-water temperature is not supported by this device (feature dhwTemperatureSettingUse = ${use})`,
  );
}

function formatRaw(raw: number, unit: TemperatureUnit): string {
  return String(roundTo(halfRawToTemperature(raw, unit), 1));
}

function planDhwTemperature(
  cmd: Extract<DeviceCommand, { kind: 'dhw_temperature' }>,
  feature: DeviceFeature | undefined,
): Plan | Refusal {
  if (cmd.unit !== 'C' && cmd.unit !== 'F')
    return refuse('invalid', `unit must be C or F (got ${String(cmd.unit)})`);
  if (typeof cmd.value !== 'number' || !Number.isFinite(cmd.value)) {
    return refuse('invalid', `temperature must be a number (got ${String(cmd.value)})`);
  }
  const gated = gateDhwTemperature(feature);
  if (gated) return gated;
  const raw = temperatureToHalfRaw(cmd.value, cmd.unit);
  const min = feature?.dhwTemperatureMin ?? FALLBACK_DHW_RAW_RANGE.min;
  const max = feature?.dhwTemperatureMax ?? FALLBACK_DHW_RAW_RANGE.max;
  if (raw < min || raw > max) {
    const fromDevice = feature?.dhwTemperatureMin != null && feature.dhwTemperatureMax !== null;
    const source = fromDevice ? "device's" : 'default';
    return refuse(
      'out_of_range',
      `temperature ${cmd.value} °${cmd.unit} (raw ${raw}) is outside the ${source} range ` +
        `${formatRaw(min, cmd.unit)}–${formatRaw(max, cmd.unit)} °${cmd.unit} (raw ${min}–${max})`,
    );
  }
  return control(CommandCode.DHW_TEMPERATURE, 'dhw-temperature', [raw]);
}

function planEnergyUsage(cmd: Extract<DeviceCommand, { kind: 'energy_usage' }>): Plan | Refusal {
  const yearProblem = checkWholeInRange(cmd.year, ENERGY_YEARS, 'year');
  if (yearProblem) return yearProblem;
  if (!Array.isArray(cmd.months) || cmd.months.length === 0 || cmd.months.length > 12) {
    return refuse('invalid', 'months must be a list of 1 to 12 month numbers');
  }
  for (const month of cmd.months) {
    const monthProblem = checkWholeInRange(month, { min: 1, max: 12 }, 'month');
    if (monthProblem) return monthProblem;
  }
  return {
    ok: true,
    commandCode: CommandCode.ENERGY_USAGE_QUERY,
    suffix: REQUEST_SUFFIX.energyUsage,
    responseSuffix: RESPONSE_SUFFIX.energyUsage,
    extra: { month: [...cmd.months], year: cmd.year },
  };
}

/** Each entry field within what the library's reservation model (and the HA services) accept. */
const RESERVATION_FIELD_RANGES: ReadonlyArray<readonly [keyof ReservationEntry, number, number]> = [
  ['enable', 1, 2],
  ['week', 0, 254],
  ['hour', 0, 23],
  ['min', 0, 59],
  ['mode', 1, 6],
  ['param', 0, 255],
];

function planReservationWrite(cmd: Extract<DeviceCommand, { kind: 'reservation_write' }>): Plan | Refusal {
  if (cmd.reservationUse !== 1 && cmd.reservationUse !== 2) {
    return refuse(
      'invalid',
      `reservationUse must be 1 (program off) or 2 (on) (got ${String(cmd.reservationUse)})`,
    );
  }
  if (!Array.isArray(cmd.entries)) return refuse('invalid', 'entries must be a list');
  if (cmd.entries.length > MAX_RESERVATION_WRITE) {
    return refuse(
      'out_of_range',
      `at most ${MAX_RESERVATION_WRITE} reservations fit (got ${cmd.entries.length})`,
    );
  }
  const entries: ReservationEntry[] = [];
  for (const [index, entry] of cmd.entries.entries()) {
    if (typeof entry !== 'object' || entry === null)
      return refuse('invalid', `entry ${index + 1} is not an object`);
    for (const [field, min, max] of RESERVATION_FIELD_RANGES) {
      const problem = checkWholeInRange(entry[field], { min, max }, `entry ${index + 1} ${field}`);
      if (problem) return problem;
    }
    // Only the six wire fields, in wire order: nothing a caller added reaches the device.
    const { enable, week, hour, min, mode, param } = entry;
    entries.push({ enable, week, hour, min, mode, param });
  }
  return {
    ok: true,
    commandCode: CommandCode.RESERVATION_MANAGEMENT,
    suffix: REQUEST_SUFFIX.reservationWrite,
    responseSuffix: RESPONSE_SUFFIX.reservation,
    extra: { reservationUse: cmd.reservationUse, reservation: entries },
  };
}

function planFreezeProtection(
  cmd: Extract<DeviceCommand, { kind: 'freeze_protection_temperature' }>,
  feature: DeviceFeature | undefined,
): Plan | Refusal {
  if (cmd.unit !== 'C' && cmd.unit !== 'F')
    return refuse('invalid', `unit must be C or F (got ${String(cmd.unit)})`);
  if (typeof cmd.value !== 'number' || !Number.isFinite(cmd.value)) {
    return refuse('invalid', `temperature must be a number (got ${String(cmd.value)})`);
  }
  const gated = gate(feature, 'freezeProtectionUse', 'setting the freeze-protection temperature');
  if (gated) return gated;
  // Like the library: without the device's limits the value cannot be checked, so it is not sent.
  const min = feature?.freezeProtectionTempMin ?? null;
  const max = feature?.freezeProtectionTempMax ?? null;
  if (min === null || max === null) {
    return refuse(
      'unsupported',
      'the freeze-protection range is not known yet (no feature payload from the device)',
    );
  }
  const raw = temperatureToHalfRaw(cmd.value, cmd.unit);
  if (raw < min || raw > max) {
    return refuse(
      'out_of_range',
      `freeze-protection temperature ${cmd.value} °${cmd.unit} (raw ${raw}) is outside the device's range ` +
        `${formatRaw(min, cmd.unit)}–${formatRaw(max, cmd.unit)} °${cmd.unit} (raw ${min}–${max})`,
    );
  }
  return control(CommandCode.FREZ_TEMP, 'frez-temp', [raw]);
}

function plan(cmd: DeviceCommand, feature: DeviceFeature | undefined): Plan | Refusal {
  // A JavaScript caller (or a bad cast) could send `on: "yes"`; only real booleans switch anything.
  if ('on' in cmd && typeof cmd.on !== 'boolean') {
    return refuse('invalid', `on must be true or false (got ${String(cmd.on)})`);
  }
  switch (cmd.kind) {
    case 'status_request':
      return query(CommandCode.STATUS_REQUEST, REQUEST_SUFFIX.status);
    case 'feature_request':
      return query(CommandCode.DEVICE_INFO_REQUEST, REQUEST_SUFFIX.feature);
    case 'reservation_read':
      return query(CommandCode.RESERVATION_READ, REQUEST_SUFFIX.reservationRead, RESPONSE_SUFFIX.reservation);
    case 'energy_usage':
      return planEnergyUsage(cmd);
    case 'power':
      // Dedicated power codes: DHW mode 6 was seen to switch a unit to Energy Saver instead of off.
      return (
        gate(feature, 'powerUse', 'power on/off') ??
        (cmd.on
          ? control(CommandCode.POWER_ON, 'power-on', [])
          : control(CommandCode.POWER_OFF, 'power-off', []))
      );
    case 'dhw_mode': {
      const value = Object.hasOwn(DHW_MODE_VALUES, cmd.mode) ? DHW_MODE_VALUES[cmd.mode] : undefined;
      if (value === undefined) {
        return refuse('invalid', `mode must be one of ${Object.keys(DHW_MODE_VALUES).join(', ')}`);
      }
      return (
        gate(feature, 'dhwUse', 'changing the hot-water mode') ??
        control(CommandCode.DHW_MODE, 'dhw-mode', [value])
      );
    }
    case 'vacation':
      return (
        checkWholeInRange(cmd.days, VACATION_DAYS, 'vacation days') ??
        gate(feature, 'dhwUse', 'vacation mode') ??
        control(CommandCode.DHW_MODE, 'dhw-mode', [VACATION_MODE, cmd.days])
      );
    case 'dhw_temperature':
      return planDhwTemperature(cmd, feature);
    case 'anti_legionella': {
      if (!cmd.on) {
        return (
          gate(feature, 'antiLegionellaSettingUse', 'anti-legionella') ??
          control(CommandCode.ANTI_LEGIONELLA_OFF, 'anti-leg-off', [])
        );
      }
      const period = cmd.periodDays ?? ANTI_LEGIONELLA_PERIOD_DAYS.default;
      return (
        checkWholeInRange(period, ANTI_LEGIONELLA_PERIOD_DAYS, 'anti-legionella period (days)') ??
        gate(feature, 'antiLegionellaSettingUse', 'anti-legionella') ??
        control(CommandCode.ANTI_LEGIONELLA_ON, 'anti-leg-on', [period])
      );
    }
    case 'tou':
      return (
        gate(feature, 'programReservationUse', 'time of use') ??
        (cmd.on ? control(CommandCode.TOU_ON, 'tou-on', []) : control(CommandCode.TOU_OFF, 'tou-off', []))
      );
    case 'demand_response':
      return (
        gate(feature, 'drSettingUse', 'demand response') ??
        (cmd.on ? control(CommandCode.DR_ON, 'dr-on', []) : control(CommandCode.DR_OFF, 'dr-off', []))
      );
    case 'air_filter_reset':
      return control(CommandCode.AIR_FILTER_RESET, 'air-filter-reset', []);
    case 'reservation_write':
      return planReservationWrite(cmd);
    case 'recirculation_mode':
      return (
        checkWholeInRange(cmd.mode, RECIRCULATION_MODES, 'recirculation mode') ??
        gate(feature, 'recirculationUse', 'recirculation') ??
        control(CommandCode.RECIR_MODE, 'recirc-mode', [cmd.mode])
      );
    case 'recirculation_hot_button':
      return (
        gate(feature, 'recirculationUse', 'recirculation') ??
        control(CommandCode.RECIR_HOT_BTN, 'recirc-hotbtn', [1])
      );
    case 'freeze_protection_temperature':
      return planFreezeProtection(cmd, feature);
    default: {
      const unknown: { kind?: unknown } = cmd;
      return refuse('invalid', `unknown command kind ${String(unknown.kind)}`);
    }
  }
}

function checkIdentity(device: DeviceAddress, client: ClientIdentity): Refusal | undefined {
  if (typeof device.macAddress !== 'string' || !isTopicSegment(device.macAddress)) {
    return refuse('invalid', 'device MAC address is empty or contains /, + or #');
  }
  if (typeof device.additionalValue !== 'string')
    return refuse('invalid', 'device additionalValue must be text');
  if (!isWholeNumber(device.deviceType) || device.deviceType <= 0) {
    return refuse(
      'invalid',
      `device type must be a positive whole number (got ${String(device.deviceType)})`,
    );
  }
  if (typeof client.clientId !== 'string' || !isTopicSegment(client.clientId)) {
    return refuse('invalid', 'client id is empty or contains /, + or #');
  }
  if (typeof client.sessionId !== 'string' || client.sessionId.length === 0) {
    return refuse('invalid', 'session id must not be empty');
  }
  return undefined;
}

/**
 * Builds the request for a command: publish topic, declared response topic and the envelope in the library's
 * key order. Refuses (never throws) bad input (`invalid`), a capability the device's feature payload denies
 * (`unsupported`; passes while `feature` is undefined) and values outside the allowed range (`out_of_range`).
 */
export function encodeCommand(
  cmd: DeviceCommand,
  device: DeviceAddress,
  client: ClientIdentity,
  feature: DeviceFeature | undefined,
): EncodeResult {
  try {
    const identityProblem = checkIdentity(device, client);
    if (identityProblem) return identityProblem;
    const planned = plan(cmd, feature);
    if (!planned.ok) return planned;

    const { macAddress, additionalValue, deviceType } = device;
    const topic = deviceTopic(macAddress, planned.suffix, deviceType);
    const responseTopic =
      planned.responseSuffix === null
        ? deviceResponseTopic(macAddress, client.clientId, deviceType)
        : clientResponseTopic(client.clientId, planned.responseSuffix, deviceType);
    const payload = {
      clientID: client.clientId,
      sessionID: client.sessionId,
      protocolVersion: PROTOCOL_VERSION,
      request: { command: planned.commandCode, deviceType, macAddress, additionalValue, ...planned.extra },
      requestTopic: topic,
      responseTopic,
    };
    return { ok: true, topic, responseTopic, payload, commandCode: planned.commandCode };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown error';
    return refuse('invalid', `command could not be encoded (${name})`);
  }
}

export { commandName };
