// What a control command means beyond its bytes: which device setting it writes (so a newer
// command for the same setting can replace an older one still waiting), and what the device's
// next status shows once it took the command (so the device, not the PUBACK, decides "done").
// Pure data; expectations are raw wire status fields, so no unit conversion can blur them.

import { CommandCode } from './commandCodes.js';
import type { DeviceCommand } from './commands.js';

/** One raw status field the device reports once it applied the command. */
export interface StatusExpectation {
  /** The wire name of the status field (`dhwTemperatureSetting`). */
  field: string;
  equals?: number;
  notEquals?: number;
}

/** Every expectation must hold; null: the device shows nothing to confirm it (PUBACK is "done"). */
export type Confirmation = readonly StatusExpectation[];

/** `dhwOperationSetting` while the heater is powered off. */
const POWERED_OFF = 6;
const VACATION = 5;
/** Tristate status flags: 2 on, 1 off. */
const ON = 2;
const OFF = 1;

/**
 * The setting a command writes, for supersede: two commands with the same key write the same
 * setting with an absolute value, so only the newer one matters. `dhw_mode` and `vacation` are
 * both the DHW_MODE command. Button presses (air-filter reset, hot button) repeat the same act, so
 * a second waiting press adds nothing. Reservation writes carry a whole list each, but each is one
 * change the schedule keeper reads back on its own: they never replace each other (null).
 */
export function supersedeKey(command: DeviceCommand): string | null {
  switch (command.kind) {
    case 'dhw_mode':
    case 'vacation':
      return 'dhw_mode';
    case 'power':
    case 'dhw_temperature':
    case 'anti_legionella':
    case 'tou':
    case 'demand_response':
    case 'air_filter_reset':
    case 'recirculation_mode':
    case 'recirculation_hot_button':
    case 'freeze_protection_temperature':
      return command.kind;
    default:
      return null;
  }
}

/**
 * What the device's status shows after it applied the control `commandCode` with `param`, or
 * null where no status field tells (demand response has none; buttons and reservation writes are
 * acts, the latter read back by the schedule keeper).
 */
export function confirmationFor(commandCode: number, param: readonly number[]): Confirmation | null {
  const first = param[0];
  switch (commandCode) {
    case CommandCode.POWER_OFF:
      return [{ field: 'dhwOperationSetting', equals: POWERED_OFF }];
    case CommandCode.POWER_ON:
      return [{ field: 'dhwOperationSetting', notEquals: POWERED_OFF }];
    case CommandCode.DHW_MODE:
      if (first === undefined) return null;
      return first === VACATION && param[1] !== undefined
        ? [
            { field: 'dhwOperationSetting', equals: VACATION },
            { field: 'vacationDaySetting', equals: param[1] },
          ]
        : [{ field: 'dhwOperationSetting', equals: first }];
    case CommandCode.DHW_TEMPERATURE:
      return first === undefined ? null : [{ field: 'dhwTemperatureSetting', equals: first }];
    case CommandCode.ANTI_LEGIONELLA_ON:
      return first === undefined
        ? [{ field: 'antiLegionellaUse', equals: ON }]
        : [
            { field: 'antiLegionellaUse', equals: ON },
            { field: 'antiLegionellaPeriod', equals: first },
          ];
    case CommandCode.ANTI_LEGIONELLA_OFF:
      return [{ field: 'antiLegionellaUse', equals: OFF }];
    case CommandCode.TOU_ON:
      return [{ field: 'touStatus', notEquals: 0 }];
    case CommandCode.TOU_OFF:
      return [{ field: 'touStatus', equals: 0 }];
    case CommandCode.RECIR_MODE:
      return first === undefined ? null : [{ field: 'recircOperationMode', equals: first }];
    case CommandCode.FREZ_TEMP:
      return first === undefined ? null : [{ field: 'freezeProtectionTemperature', equals: first }];
    default:
      return null;
  }
}

/** True when the raw status shows every expectation (a missing or non-numeric field never does). */
export function isConfirmedBy(
  confirmation: Confirmation,
  rawStatus: Readonly<Record<string, unknown>>,
): boolean {
  return confirmation.every((expectation) => {
    const value = rawStatus[expectation.field];
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
    if (expectation.equals !== undefined && value !== expectation.equals) return false;
    if (expectation.notEquals !== undefined && value === expectation.notEquals) return false;
    return true;
  });
}
