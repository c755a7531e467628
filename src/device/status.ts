// Status decoding: finds the status payload in a device message and turns raw wire values into typed values
// per the field table. Never throws; a bad field becomes a problem line and the rest of the status survives.

import { enumName, TemperatureType } from './enums.js';
import { STATUS_FIELDS, type StatusField, USABLE_ENERGY_KEY } from './statusFields.js';
import {
  deciCelsiusDeltaToC,
  deciCelsiusDeltaToF,
  deciCelsiusToC,
  deciCelsiusToF,
  deciLitresPerMinuteToLpm,
  energyCountToWh,
  halfCelsiusToC,
  halfCelsiusToF,
  outsideToC,
  outsideToF,
  type TemperatureUnit,
} from './units.js';
import { asRecord, ownField, readWireNumber, toPlainJson } from './wireValue.js';

export type StatusValue = number | boolean | string | null;

export interface DeviceStatus {
  /** Display unit the device reports (`temperatureType` 1 = C, 2 = F; default F like the library). */
  temperatureUnit: TemperatureUnit;
  /** snake_case key → converted value. Temperatures (absolute and deltas) in temperatureUnit;
   *  flow in L/min; volume in L; energy in Wh; power in W; enums as numbers. Missing → absent key. */
  values: Readonly<Record<string, StatusValue>>;
  /** For enum fields: key → name (e.g. dhw_operation_setting → 'ENERGY_SAVER'), null if unknown. */
  names: Readonly<Record<string, string | null>>;
  /** The original wire object (only plain JSON values kept). */
  raw: Readonly<Record<string, unknown>>;
  /** `command` code that produced this status, if present. */
  command: number | null;
  /** One line per field that could not be decoded (wrong type, NaN...): `field: reason`. */
  problems: readonly string[];
}

export interface DecodeStatusOptions {
  /** Convert temperatures to this unit instead of the device's display unit (e.g. HA's unit system). */
  unit?: TemperatureUnit;
  /**
   * The record was parsed from JSON for this call and nothing else holds it: it is kept as `raw`
   * instead of copied (JSON.parse gives only plain JSON values; the copy is for anything else).
   */
  owned?: boolean;
}

const DEFAULT_UNIT: TemperatureUnit = 'F';
// The feature model defaults to the asymmetric rule; any non-zero type rounds half to even (units.ts).
const DEFAULT_FORMULA_TYPE = 0;

interface ConversionContext {
  readonly unit: TemperatureUnit;
  readonly formulaType: number;
}

function convert(field: StatusField, raw: number, ctx: ConversionContext): StatusValue {
  const fahrenheit = ctx.unit === 'F';
  switch (field.conversion) {
    case 'half_c':
      return fahrenheit ? halfCelsiusToF(raw) : halfCelsiusToC(raw);
    case 'deci_c':
      return fahrenheit ? deciCelsiusToF(raw) : deciCelsiusToC(raw);
    case 'deci_c_delta':
      return fahrenheit ? deciCelsiusDeltaToF(raw) : deciCelsiusDeltaToC(raw);
    case 'outside':
      return fahrenheit ? outsideToF(raw, ctx.formulaType) : outsideToC(raw);
    case 'flow':
      return deciLitresPerMinuteToLpm(raw);
    case 'volume':
      return raw;
    case 'energy4':
      return energyCountToWh(raw);
    case 'bool':
      return raw === 2;
    case 'tristate':
      return raw === 2 ? true : raw === 1 ? false : null;
    case 'tou_status':
      return raw !== 0;
    case 'tou_override':
      return raw === 1;
    case 'enum':
    case 'raw':
      return raw;
  }
}

function unitOf(temperatureType: number | undefined): TemperatureUnit {
  return temperatureType === TemperatureType.byName.CELSIUS ? 'C' : DEFAULT_UNIT;
}

function describeNonObject(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function emptyStatus(problem: string): DeviceStatus {
  return {
    temperatureUnit: DEFAULT_UNIT,
    values: {},
    names: {},
    raw: {},
    command: null,
    problems: [problem],
  };
}

// Where the two fields every conversion depends on sit in the table (found once, not per status).
const TEMPERATURE_TYPE_INDEX = STATUS_FIELDS.findIndex((f) => f.wire === 'temperatureType');
const FORMULA_TYPE_INDEX = STATUS_FIELDS.findIndex((f) => f.wire === 'tempFormulaType');
const COMMAND_INDEX = STATUS_FIELDS.findIndex((f) => f.wire === 'command');

function decodeRecord(record: Readonly<Record<string, unknown>>, options: DecodeStatusOptions): DeviceStatus {
  const problems: string[] = [];
  // The wire numbers by field index: a status arrives every few seconds with ~150 of them.
  const numbers: Array<number | undefined> = new Array(STATUS_FIELDS.length);
  for (let i = 0; i < STATUS_FIELDS.length; i++) {
    const field = STATUS_FIELDS[i] as StatusField;
    // The usual case first, without the own-property check: Object.prototype has no number-valued
    // member a wire name could reach, so a number read here is the record's own.
    const direct = record[field.wire];
    if (typeof direct === 'number' && Number.isFinite(direct)) {
      numbers[i] = direct;
      continue;
    }
    const read = readWireNumber(ownField(record, field.wire));
    if (read.state === 'ok') numbers[i] = read.value;
    else if (read.state === 'bad') problems.push(`${field.wire}: ${read.reason}`);
  }

  const ctx: ConversionContext = {
    unit: options.unit ?? unitOf(numbers[TEMPERATURE_TYPE_INDEX]),
    formulaType: numbers[FORMULA_TYPE_INDEX] ?? DEFAULT_FORMULA_TYPE,
  };
  const values: Record<string, StatusValue> = {};
  const names: Record<string, string | null> = {};
  for (let i = 0; i < STATUS_FIELDS.length; i++) {
    const field = STATUS_FIELDS[i] as StatusField;
    const raw = numbers[i];
    if (raw === undefined) continue;
    const value = convert(field, raw, ctx);
    if (typeof value === 'number' && !Number.isFinite(value)) {
      problems.push(`${field.wire}: ${raw} is out of range once converted`);
      continue;
    }
    // -0 would survive in memory but not through JSON; normalise it so both views agree.
    values[field.key] = typeof value === 'number' ? value + 0 : value;
    if (field.conversion === 'enum') names[field.key] = enumName(field.enum, raw);
  }

  const full = values.full_recovery_energy;
  const toSetpoint = values.energy_to_setpoint;
  if (typeof full === 'number' && typeof toSetpoint === 'number') {
    const usable = Math.max(0, full - toSetpoint);
    if (Number.isFinite(usable)) values[USABLE_ENERGY_KEY] = usable;
  }

  const command = numbers[COMMAND_INDEX];
  const copy = options.owned ? record : (asRecord(toPlainJson(record)) ?? {});
  return {
    temperatureUnit: ctx.unit,
    values,
    names,
    raw: copy,
    command: command === undefined ? null : command + 0,
    problems,
  };
}

/**
 * Decodes a status payload (the object under `response.status`). Never throws: a field of the wrong type is
 * reported in `problems` and left out, unknown enum values are kept, a non-object gives an empty status.
 * `temperatureUnit` is the unit the temperatures are in: `options.unit` when given, else the device's.
 */
export function decodeStatus(raw: unknown, options: DecodeStatusOptions = {}): DeviceStatus {
  try {
    const record = asRecord(raw);
    if (!record) return emptyStatus(`status: expected an object, got ${describeNonObject(raw)}`);
    return decodeRecord(record, options);
  } catch (error) {
    // Only exotic inputs get here (a throwing getter or proxy); JSON from the wire cannot.
    const name = error instanceof Error ? error.name : 'unknown error';
    return emptyStatus(`status: could not be read (${name})`);
  }
}

type Payload = Readonly<Record<string, unknown>>;

function extractKeyed(message: unknown, key: string, alternative: string): Payload | undefined {
  try {
    const outer = asRecord(message);
    if (!outer) return undefined;
    const hasResponse = Object.hasOwn(outer, 'response');
    // The device wildcard also delivers our own publishes: they carry `request` and no `response`.
    if (Object.hasOwn(outer, 'request') && !hasResponse) return undefined;
    const response = hasResponse ? asRecord(outer.response) : undefined;
    const places: Array<[Readonly<Record<string, unknown>> | undefined, string]> = [
      [response, key],
      [response, alternative],
      [outer, key],
      [outer, alternative],
    ];
    for (const [container, name] of places) {
      // By presence, not truthiness: a present but unusable payload ends the search like in the library.
      if (container && Object.hasOwn(container, name)) return asRecord(container[name]);
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** The status payload of a device message (`response.status`, `response.st`, `status`, `st`), if any. */
export function extractStatus(message: unknown): Payload | undefined {
  return extractKeyed(message, 'status', 'st');
}

/** The feature payload of a device message (`response.feature`, `response.did`, `feature`, `did`), if any. */
export function extractFeature(message: unknown): Payload | undefined {
  return extractKeyed(message, 'feature', 'did');
}

/** extractStatus + decodeStatus: undefined when the message carries no status (e.g. our own command echo). */
export function decodeStatusMessage(
  message: unknown,
  options: DecodeStatusOptions = {},
): DeviceStatus | undefined {
  const payload = extractStatus(message);
  return payload === undefined ? undefined : decodeStatus(payload, options);
}
