// HA command payloads (`<b>/<id>/<key>/set`) checked against the entity table: the key must be a
// control the device has, the payload valid UTF-8 of the right form (zod per platform) and within
// range; only then does the entity's plan turn it into device commands. Never throws.

import { z } from 'zod';
import { type CommandPlan, type EntityDef, entitiesFor } from './entityModel.js';

/** HA sends `ON`, `PRESS`, a mode or a number; anything longer is not a command. */
export const MAX_COMMAND_BYTES = 64;

/** Why a command was refused; also the key it is counted under in diagnostics. */
export type CommandRefusalCode =
  | 'unknown_key'
  | 'invalid_payload'
  | 'out_of_range'
  | 'unsupported'
  | 'invalid';

export type RoutedCommand =
  | Extract<CommandPlan, { ok: true }>
  | { ok: false; code: CommandRefusalCode; reason: string };

const switchPayload = z.enum(['ON', 'OFF']);
const buttonPayload = z.literal('PRESS');
const numberPayload = z
  .string()
  .regex(/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/, 'not a number')
  .transform(Number)
  .pipe(z.number().finite('not a finite number'));

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A short, printable rendering of what was received, for the refusal's log line. */
function preview(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 24 ? `${printable.slice(0, 24)}…` : printable);
}

function invalid(reason: string): RoutedCommand {
  return { ok: false, code: 'invalid_payload', reason };
}

function decode(payload: Uint8Array): { text: string } | { refusal: RoutedCommand } {
  if (payload.length === 0) return { refusal: invalid('the payload is empty') };
  if (payload.length > MAX_COMMAND_BYTES) {
    return {
      refusal: invalid(`the payload is ${payload.length} bytes; commands are at most ${MAX_COMMAND_BYTES}`),
    };
  }
  try {
    return { text: utf8.decode(payload).trim() };
  } catch {
    return { refusal: invalid('the payload is not UTF-8 text') };
  }
}

/**
 * What an HA command on `key` asks of the device with snapshot `s`: the device commands to send
 * (and settings to remember), or why it is refused.
 */
export function routeCommand<S>(
  table: readonly EntityDef<S>[],
  s: S,
  key: string,
  payload: Uint8Array,
): RoutedCommand {
  try {
    const entities = entitiesFor(table, s);
    const target = entities.find((def) =>
      def.platform === 'water_heater'
        ? def.modeKey === key
        : (def.platform === 'switch' ||
            def.platform === 'number' ||
            def.platform === 'button' ||
            def.platform === 'select') &&
          def.key === key,
    );
    if (!target)
      return { ok: false, code: 'unknown_key', reason: `"${key}" is not a control of this device` };
    const decoded = decode(payload);
    if ('refusal' in decoded) return decoded.refusal;
    const { text } = decoded;
    switch (target.platform) {
      case 'switch': {
        const parsed = switchPayload.safeParse(text);
        if (!parsed.success) return invalid(`${preview(text)} is not ON or OFF`);
        return target.turn(parsed.data === 'ON', s);
      }
      case 'button': {
        if (!buttonPayload.safeParse(text).success) return invalid(`${preview(text)} is not PRESS`);
        return target.press(s);
      }
      case 'number': {
        const parsed = numberPayload.safeParse(text);
        if (!parsed.success) return invalid(`${preview(text)} is not a number`);
        const { min, max } = target.range(s);
        const value = parsed.data;
        if (value < min || value > max) {
          return { ok: false, code: 'out_of_range', reason: `${value} is outside ${min}–${max}` };
        }
        return target.set(value, s);
      }
      case 'select': {
        const options = target.options(s);
        if (!options.includes(text)) {
          return invalid(`${preview(text)} is not one of the options ${options.join(', ')}`);
        }
        return target.select(text, s);
      }
      case 'water_heater': {
        const modes = target.modes(s);
        const parsed = z.enum(modes).safeParse(text);
        if (!parsed.success) return invalid(`${preview(text)} is not one of the modes ${modes.join(', ')}`);
        return target.setMode(parsed.data, s);
      }
      default:
        return { ok: false, code: 'unknown_key', reason: `"${key}" is not a control of this device` };
    }
  } catch (error) {
    // A table function that throws is a bug; the command is refused rather than half-applied.
    const name = error instanceof Error ? error.name : 'unknown error';
    return { ok: false, code: 'invalid', reason: `the command could not be planned (${name})` };
  }
}
