// The NWP500 error-code table (status `errorCode`) with text a user can act on, and a describer
// that keeps unknown codes instead of dropping the status like the Python library does.

import { defineEnum } from './enums.js';

export interface ErrorCodeInfo {
  /** The library's member name, e.g. `E799_WATER_LEAK`. */
  readonly name: string;
  /** Short human description, without the code. */
  readonly description: string;
}

export const ERROR_CODES: ReadonlyMap<number, ErrorCodeInfo> = new Map([
  [0, { name: 'NO_ERROR', description: 'no error' }],
  [96, { name: 'E096_UPPER_HEATER', description: 'upper heating element fault' }],
  [97, { name: 'E097_LOWER_HEATER', description: 'lower heating element fault' }],
  [326, { name: 'E326_DRY_FIRE', description: 'dry fire (element powered without water)' }],
  [407, { name: 'E407_DHW_TEMP_SENSOR', description: 'hot-water temperature sensor fault' }],
  [445, { name: 'E445_MIXING_VALVE', description: 'mixing valve fault' }],
  [480, { name: 'E480_TANK_UPPER_TEMP_SENSOR', description: 'tank upper temperature sensor fault' }],
  [481, { name: 'E481_TANK_LOWER_TEMP_SENSOR', description: 'tank lower temperature sensor fault' }],
  [515, { name: 'E515_RELAY_FAULT', description: 'relay fault' }],
  [517, { name: 'E517_DIP_SWITCH', description: 'DIP switch fault' }],
  [593, { name: 'E593_PANEL_KEY', description: 'panel key fault' }],
  [594, { name: 'E594_EEPROM', description: 'EEPROM fault' }],
  [595, { name: 'E595_POWER_METER', description: 'power meter fault' }],
  [596, { name: 'E596_WIFI', description: 'Wi-Fi module fault' }],
  [598, { name: 'E598_RTC', description: 'real-time clock fault' }],
  [615, { name: 'E615_FEEDBACK', description: 'feedback signal fault' }],
  [781, { name: 'E781_CTA2045', description: 'CTA-2045 (demand response) communication fault' }],
  [798, { name: 'E798_SHUTOFF_VALVE', description: 'shut-off valve fault' }],
  [799, { name: 'E799_WATER_LEAK', description: 'water leak detected' }],
  [901, { name: 'E901_ECO', description: 'ECO high-temperature limit tripped' }],
  [907, { name: 'E907_COMPRESSOR_POWER', description: 'compressor power line fault' }],
  [908, { name: 'E908_COMPRESSOR', description: 'compressor fault' }],
  [909, { name: 'E909_EVAPORATOR_FAN', description: 'evaporator fan fault' }],
  [910, { name: 'E910_DISCHARGE_TEMP_SENSOR', description: 'discharge temperature sensor fault' }],
  [911, { name: 'E911_DISCHARGE_TEMP_HIGH', description: 'discharge temperature too high' }],
  [912, { name: 'E912_SUCTION_TEMP_SENSOR', description: 'suction temperature sensor fault' }],
  [913, { name: 'E913_SUCTION_TEMP_LOW', description: 'suction temperature too low' }],
  [914, { name: 'E914_EVAPORATOR_TEMP_SENSOR', description: 'evaporator temperature sensor fault' }],
  [915, { name: 'E915_TEMP_DIFFERENCE', description: 'abnormal temperature difference' }],
  [916, { name: 'E916_EVAPORATOR_TEMP', description: 'abnormal evaporator temperature' }],
  [920, { name: 'E920_AMBIENT_TEMP_SENSOR', description: 'ambient temperature sensor fault' }],
  [940, { name: 'E940_REFRIGERANT_BLOCKAGE', description: 'refrigerant blockage' }],
  [990, { name: 'E990_CONDENSATE_OVERFLOW', description: 'condensate overflow' }],
]);

/** `errorCode` as an enum table (value ↔ library name), for the status field table. */
export const ErrorCode = defineEnum(
  'ErrorCode',
  Object.fromEntries([...ERROR_CODES].map(([code, info]) => [info.name, code])),
);

export interface ErrorDescription {
  readonly code: number;
  readonly subCode: number | null;
  /** Library member name (`E799_WATER_LEAK`), or null for a code this table does not know. */
  readonly name: string | null;
  /** `no error`, `E799 water leak detected`, `E12345 unknown error code`; sub-code appended when non-zero. */
  readonly text: string;
  readonly known: boolean;
}

function codeLabel(code: number): string {
  return Number.isInteger(code) && code >= 0 && code < 1000
    ? `E${String(code).padStart(3, '0')}`
    : `E${code}`;
}

export function describeError(code: number, subCode?: number | null): ErrorDescription {
  const info = ERROR_CODES.get(code);
  const sub = subCode === undefined || subCode === null || !Number.isFinite(subCode) ? null : subCode;
  if (code === 0 && info) return { code, subCode: sub, name: info.name, text: info.description, known: true };
  const body = info ? `${codeLabel(code)} ${info.description}` : `${codeLabel(code)} unknown error code`;
  const text = sub !== null && sub !== 0 ? `${body} (sub-code ${sub})` : body;
  return { code, subCode: sub, name: info?.name ?? null, text, known: info !== undefined };
}
