// Feature ("did") decoding: capabilities, setpoint limits, firmware versions and identity of an NWP500, read
// leniently (an odd field is a problem line, never a lost payload).

import { DhwControlType, enumName, TANK_GALLONS, TemperatureType, UnitType } from './enums.js';
import { halfCelsiusToC, halfCelsiusToF, type TemperatureUnit } from './units.js';
import { asRecord, ownField, readWireNumber, readWireText, toPlainJson } from './wireValue.js';

/** Capability flags of the feature payload: 2 = supported, 1 = not supported, 0 = not fitted. */
export const CAPABILITY_FLAGS = [
  'powerUse',
  'holidayUse',
  'programReservationUse',
  'dhwUse',
  'smartDiagnosticUse',
  'wifiRssiUse',
  'energyUsageUse',
  'freezeProtectionUse',
  'mixingValveUse',
  'drSettingUse',
  'antiLegionellaSettingUse',
  'hpwhUse',
  'dhwRefillUse',
  'ecoUse',
  'electricUse',
  'heatpumpUse',
  'energySaverUse',
  'highDemandUse',
  'recirculationUse',
  'recircReservationUse',
  'title24Use',
] as const;
export type CapabilityFlag = (typeof CAPABILITY_FLAGS)[number];

/** Integer fields kept as-is (codes and firmware versions; the CLI prints versions as `v<int>`). */
const INTEGER_FIELDS = [
  'countryCode',
  'modelTypeCode',
  'controlTypeCode',
  'volumeCode',
  'controllerSwVersion',
  'panelSwVersion',
  'wifiSwVersion',
  'recircSwVersion',
  'controllerSwCode',
  'panelSwCode',
  'wifiSwCode',
  'recircModelTypeCode',
  'temperatureType',
  'tempFormulaType',
  'dhwTemperatureSettingUse',
] as const;
type IntegerField = (typeof INTEGER_FIELDS)[number];

/** Setpoint limits, raw half-degree Celsius on the wire. */
const LIMIT_FIELDS = [
  'dhwTemperatureMin',
  'dhwTemperatureMax',
  'freezeProtectionTempMin',
  'freezeProtectionTempMax',
  'recircTemperatureMin',
  'recircTemperatureMax',
] as const;
type LimitField = (typeof LIMIT_FIELDS)[number];

/** One limit in every unit a caller may want. */
export interface TemperatureLimit {
  /** Half-degree Celsius, as on the wire and in commands. */
  readonly raw: number;
  readonly celsius: number;
  readonly fahrenheit: number;
}

export interface TemperatureRange {
  readonly min: TemperatureLimit | null;
  readonly max: TemperatureLimit | null;
}

export interface DeviceFeature {
  // Display.
  /** `temperatureType`: 1 = °C, 2 = °F. */
  readonly temperatureType: number | null;
  /** Unit the device displays (from `temperatureType`; default F like the library). */
  readonly temperatureUnit: TemperatureUnit;
  /** `tempFormulaType`: outside-temperature °F rounding (0 asymmetric, 1 standard). */
  readonly tempFormulaType: number | null;

  // Identity.
  /** Region code (US devices report 3). */
  readonly countryCode: number | null;
  /** `UnitType` code; 513 = NPF (heat-pump water heater). */
  readonly modelTypeCode: number | null;
  /** Name of `modelTypeCode` (513 → `NPF`), null when unknown. */
  readonly modelTypeName: string | null;
  readonly controlTypeCode: number | null;
  /** Tank size code: 1 = 50, 2 = 65, 3 = 80 US gal; other values kept. */
  readonly volumeCode: number | null;
  /** Nominal tank size in US gallons from `volumeCode`; null when unknown. */
  readonly tankGallons: 50 | 65 | 80 | null;
  /** Controller serial (needed for TOU commands). Personal data: never log it. */
  readonly controllerSerialNumber: string | null;

  // Firmware (raw integers; the CLI prints them as `v<int>`).
  readonly controllerSwVersion: number | null;
  readonly panelSwVersion: number | null;
  readonly wifiSwVersion: number | null;
  readonly recircSwVersion: number | null;
  readonly controllerSwCode: number | null;
  readonly panelSwCode: number | null;
  readonly wifiSwCode: number | null;
  /** 0 when no recirculation module is fitted. */
  readonly recircModelTypeCode: number | null;

  // Capabilities.
  /** `DHWControlTypeFlag`: 0 unknown, 1 disabled, 2 half-°C steps, 3 1-°C steps, 4 three-stage. */
  readonly dhwTemperatureSettingUse: number | null;
  /** Name of `dhwTemperatureSettingUse` (2 → `ENABLE_DOT_5_DEGREE`), null when unknown. */
  readonly dhwTemperatureSettingName: string | null;
  /** Capability flag → supported (2 → true; 1, 0 or absent → false, the library's default). */
  readonly capabilities: Readonly<Record<CapabilityFlag, boolean>>;
  /** Capability flag → the number the device sent, null when absent. */
  readonly capabilityRaw: Readonly<Record<CapabilityFlag, number | null>>;

  // Setpoint limits, raw half-degrees Celsius (as in commands); `limits` has them converted.
  readonly dhwTemperatureMin: number | null;
  readonly dhwTemperatureMax: number | null;
  readonly freezeProtectionTempMin: number | null;
  readonly freezeProtectionTempMax: number | null;
  readonly recircTemperatureMin: number | null;
  readonly recircTemperatureMax: number | null;
  readonly limits: {
    readonly dhwTemperature: TemperatureRange;
    readonly freezeProtectionTemperature: TemperatureRange;
    readonly recircTemperature: TemperatureRange;
  };

  /** The original wire object (only plain JSON values kept). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** One line per field that could not be decoded: `field: reason`. */
  readonly problems: readonly string[];
}

function toLimit(raw: number | null): TemperatureLimit | null {
  return raw === null ? null : { raw, celsius: halfCelsiusToC(raw), fahrenheit: halfCelsiusToF(raw) };
}

function emptyRecord<K extends string, V>(keys: readonly K[], value: V): Record<K, V> {
  return Object.fromEntries(keys.map((k) => [k, value])) as Record<K, V>;
}

function decodeRecord(record: Readonly<Record<string, unknown>>, problems: string[]): DeviceFeature {
  const readNumber = (wire: string, integer: boolean): number | null => {
    const read = readWireNumber(ownField(record, wire));
    if (read.state === 'bad') problems.push(`${wire}: ${read.reason}`);
    if (read.state !== 'ok') return null;
    if (integer && !Number.isInteger(read.value)) {
      problems.push(`${wire}: expected a whole number, got ${read.value}`);
      return null;
    }
    return read.value;
  };

  const integers = emptyRecord<IntegerField, number | null>(INTEGER_FIELDS, null);
  for (const wire of INTEGER_FIELDS) integers[wire] = readNumber(wire, true);
  const limits = emptyRecord<LimitField, number | null>(LIMIT_FIELDS, null);
  for (const wire of LIMIT_FIELDS) limits[wire] = readNumber(wire, false);

  const capabilityRaw = emptyRecord<CapabilityFlag, number | null>(CAPABILITY_FLAGS, null);
  const capabilities = emptyRecord<CapabilityFlag, boolean>(CAPABILITY_FLAGS, false);
  for (const flag of CAPABILITY_FLAGS) {
    const value = readNumber(flag, false);
    capabilityRaw[flag] = value;
    capabilities[flag] = value === 2;
  }

  const serial = readWireText(ownField(record, 'controllerSerialNumber'));
  // The reason never contains the value: the serial is personal data.
  if (serial.state === 'bad') problems.push(`controllerSerialNumber: ${serial.reason}`);

  const { volumeCode, modelTypeCode, dhwTemperatureSettingUse, temperatureType } = integers;
  return {
    ...integers,
    ...limits,
    temperatureUnit: temperatureType === TemperatureType.byName.CELSIUS ? 'C' : 'F',
    tankGallons: volumeCode === null ? null : (TANK_GALLONS.get(volumeCode) ?? null),
    modelTypeName: modelTypeCode === null ? null : enumName(UnitType, modelTypeCode),
    dhwTemperatureSettingName:
      dhwTemperatureSettingUse === null ? null : enumName(DhwControlType, dhwTemperatureSettingUse),
    controllerSerialNumber: serial.state === 'ok' ? serial.value : null,
    capabilities,
    capabilityRaw,
    limits: {
      dhwTemperature: { min: toLimit(limits.dhwTemperatureMin), max: toLimit(limits.dhwTemperatureMax) },
      freezeProtectionTemperature: {
        min: toLimit(limits.freezeProtectionTempMin),
        max: toLimit(limits.freezeProtectionTempMax),
      },
      recircTemperature: {
        min: toLimit(limits.recircTemperatureMin),
        max: toLimit(limits.recircTemperatureMax),
      },
    },
    raw: asRecord(toPlainJson(record)) ?? {},
    problems,
  };
}

/**
 * Decodes a feature payload (the object under `response.feature`). Never throws: unreadable fields are null
 * and listed in `problems`; unknown codes (e.g. `volumeCode` 7) are kept as numbers.
 */
export function decodeFeature(raw: unknown): DeviceFeature {
  try {
    const record = asRecord(raw);
    if (record) return decodeRecord(record, []);
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`;
    return decodeRecord({}, [`feature: expected an object, got ${kind}`]);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown error';
    return decodeRecord({}, [`feature: could not be read (${name})`]);
  }
}
