// Status decoding: finds the status payload in a device message and turns raw wire values into typed values
// per the field table. Never throws; a bad field becomes a problem line and the rest of the status survives.

import { TemperatureType } from './enums.js';
import { STATUS_FIELDS, type StatusField } from './statusFields.js';
import {
  STATUS_POSITIONS,
  type StatusValue,
  StatusValues,
  statusPosition,
  USABLE_ENERGY_POSITION,
} from './statusValues.js';
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

export type { StatusValue } from './statusValues.js';

export interface DeviceStatus {
  /** Display unit the device reports (`temperatureType` 1 = C, 2 = F; default F like the library). */
  temperatureUnit: TemperatureUnit;
  /** Converted values by snake_case key. Temperatures (absolute and deltas) in temperatureUnit;
   *  flow in L/min; volume in L; energy in Wh; power in W; enums as numbers (with their names).
   *  A field the device did not send is absent. */
  values: StatusValues;
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
    values: new StatusValues(new Array(STATUS_POSITIONS).fill(undefined)),
    raw: {},
    command: null,
    problems: [problem],
  };
}

// Where the fields decoding itself needs sit in the table (found once, not per status).
const COMMAND_INDEX = STATUS_FIELDS.findIndex((f) => f.wire === 'command');
const FULL_RECOVERY_POSITION = statusPosition('full_recovery_energy');
const ENERGY_TO_SETPOINT_POSITION = statusPosition('energy_to_setpoint');

/** A wire number of the record, or undefined (with a problem line when the field is there but unusable). */
function readField(
  record: Readonly<Record<string, unknown>>,
  wire: string,
  problems: string[],
): number | undefined {
  // The usual case first, without the own-property check: Object.prototype has no number-valued
  // member a wire name could reach, so a number read here is the record's own.
  const direct = record[wire];
  if (typeof direct === 'number' && Number.isFinite(direct)) return direct;
  const read = readWireNumber(ownField(record, wire));
  if (read.state === 'bad') problems.push(`${wire}: ${read.reason}`);
  return read.state === 'ok' ? read.value : undefined;
}

function decodeRecord(record: Readonly<Record<string, unknown>>, options: DecodeStatusOptions): DeviceStatus {
  const problems: string[] = [];
  // The two settings every conversion depends on are read first, without a problem line: the loop
  // below reads them again in their place in the table and reports them there.
  const ctx: ConversionContext = {
    unit: options.unit ?? unitOf(readField(record, 'temperatureType', [])),
    formulaType: readField(record, 'tempFormulaType', []) ?? DEFAULT_FORMULA_TYPE,
  };
  const slots: Array<StatusValue | undefined> = new Array(STATUS_POSITIONS).fill(undefined);
  let command: number | null = null;
  for (let i = 0; i < STATUS_FIELDS.length; i++) {
    const field = STATUS_FIELDS[i] as StatusField;
    const raw = readField(record, field.wire, problems);
    if (raw === undefined) continue;
    if (i === COMMAND_INDEX) command = raw + 0;
    const value = convert(field, raw, ctx);
    if (typeof value === 'number' && !Number.isFinite(value)) {
      problems.push(`${field.wire}: ${raw} is out of range once converted`);
      continue;
    }
    // -0 would survive in memory but not through JSON; normalise it so both views agree.
    slots[i] = typeof value === 'number' ? value + 0 : value;
  }

  const full = slots[FULL_RECOVERY_POSITION];
  const toSetpoint = slots[ENERGY_TO_SETPOINT_POSITION];
  if (typeof full === 'number' && typeof toSetpoint === 'number') {
    const usable = Math.max(0, full - toSetpoint);
    if (Number.isFinite(usable)) slots[USABLE_ENERGY_POSITION] = usable;
  }

  const copy = options.owned ? record : (asRecord(toPlainJson(record)) ?? {});
  return {
    temperatureUnit: ctx.unit,
    values: new StatusValues(slots),
    raw: copy,
    command,
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

function found(container: Payload | undefined, name: string): boolean {
  return container !== undefined && Object.hasOwn(container, name);
}

function extractKeyed(message: unknown, key: string, alternative: string): Payload | undefined {
  try {
    const outer = asRecord(message);
    if (!outer) return undefined;
    const hasResponse = Object.hasOwn(outer, 'response');
    // The device wildcard also delivers our own publishes: they carry `request` and no `response`.
    if (Object.hasOwn(outer, 'request') && !hasResponse) return undefined;
    const response = hasResponse ? asRecord(outer.response) : undefined;
    // By presence, not truthiness: a present but unusable payload ends the search like in the library.
    if (found(response, key)) return asRecord(response?.[key]);
    if (found(response, alternative)) return asRecord(response?.[alternative]);
    if (found(outer, key)) return asRecord(outer[key]);
    if (found(outer, alternative)) return asRecord(outer[alternative]);
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
