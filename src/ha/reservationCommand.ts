// The JSON commands on `<b>/<id>/reservations/set`, checked with zod and against the heater (its
// unit and setpoint range) and turned into a typed change: add, update or delete one entry, or
// replace them all when asked in so many words (scheduleChange.ts applies it).

import { z } from 'zod';
import { FALLBACK_DHW_RAW_RANGE, MAX_RESERVATION_WRITE } from '../device/commands.js';
import { DhwOperationSetting } from '../device/enums.js';
import type { ReservationEntry } from '../device/reservations.js';
import { halfRawToTemperature, temperatureToHalfRaw } from '../device/units.js';
import { WEEKDAYS_IN_ORDER, type Weekday, weekMask } from '../device/week.js';
import type { DeviceSnapshot } from './snapshot.js';
import { setpointValue } from './snapshot.js';

/** Reservation commands are small JSON documents; a full list of 16 entries fits well inside this. */
export const MAX_RESERVATION_COMMAND_BYTES = 8 * 1024;

/** Mode names in commands and attributes (ha_nwp500's service names) → the device's DHW mode. */
export const RESERVATION_MODES = {
  heat_pump: DhwOperationSetting.byName.HEAT_PUMP,
  electric: DhwOperationSetting.byName.ELECTRIC,
  energy_saver: DhwOperationSetting.byName.ENERGY_SAVER,
  high_demand: DhwOperationSetting.byName.HIGH_DEMAND,
  vacation: DhwOperationSetting.byName.VACATION,
  power_off: DhwOperationSetting.byName.POWER_OFF,
} as const;
export type ReservationMode = keyof typeof RESERVATION_MODES;
const MODE_NAMES = Object.keys(RESERVATION_MODES) as [ReservationMode, ...ReservationMode[]];
export const MODE_BY_VALUE = new Map<number, ReservationMode>(
  MODE_NAMES.map((name) => [RESERVATION_MODES[name], name]),
);

/** An entry's identity on the device: the days and the time (two entries never share one). */
export type EntryRef = { index: number } | { week: number; hour: number; min: number };

export type EntryPatch = Partial<ReservationEntry>;

export type ScheduleChange =
  | { action: 'add'; entry: ReservationEntry }
  | { action: 'update'; target: EntryRef; patch: EntryPatch }
  | { action: 'delete'; target: EntryRef }
  | { action: 'replace'; entries: ReservationEntry[] }
  /** The program switch: the only change that turns the program on or off. */
  | { action: 'program'; on: boolean };

export interface ScheduleCommand {
  change: ScheduleChange;
  /** When given, the change is made only if the heater's schedule still has this hash. */
  expectedHash: string | null;
}

export type ScheduleRefusalCode =
  | 'invalid_payload'
  | 'out_of_range'
  | 'unknown_entry'
  | 'conflict'
  | 'schedule_unknown';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: ScheduleRefusalCode; reason: string };

// ---- the JSON ---------------------------------------------------------------------------------

const DAY_ALIASES: Readonly<Record<string, readonly Weekday[]>> = {
  ...Object.fromEntries(WEEKDAYS_IN_ORDER.map((day) => [day, [day]])),
  ...Object.fromEntries(WEEKDAYS_IN_ORDER.map((day) => [day.slice(0, 2), [day]])),
  ...Object.fromEntries(WEEKDAYS_IN_ORDER.map((day) => [day.slice(0, 3), [day]])),
  weekdays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
  weekend: ['saturday', 'sunday'],
  every_day: WEEKDAYS_IN_ORDER,
};

const daysSchema = z
  .array(
    z
      .string()
      .transform((day) =>
        day
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, '_'),
      )
      .refine((day) => Object.hasOwn(DAY_ALIASES, day), {
        message: 'days are weekday names (monday, mo, mon), weekdays, weekend or every_day',
      }),
  )
  .min(1, 'days must name at least one day')
  .max(14);
/** The raw day bitfield: Sunday 128 … Saturday 2, bit 0 unused. */
const weekSchema = z
  .number()
  .int()
  .min(2)
  .max(254)
  .refine((week) => week % 2 === 0, 'week is the day bitfield (Sunday 128 … Saturday 2); bit 0 is unused');
const timeSchema = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'time is HH:MM, 00:00–23:59');
const modeSchema = z.enum(MODE_NAMES, { error: `mode is one of ${MODE_NAMES.join(', ')}` });
const temperatureSchema = z.number().finite();
const hashSchema = z.string().regex(/^[0-9a-f]{16}$/, 'expected_hash is the 16 hex digits of the sensor');

const entryFields = {
  enabled: z.boolean().optional(),
  days: daysSchema.optional(),
  week: weekSchema.optional(),
  time: timeSchema.optional(),
  mode: modeSchema.optional(),
  temperature: temperatureSchema.optional(),
};
const matchSchema = z.strictObject({
  days: daysSchema.optional(),
  week: weekSchema.optional(),
  time: timeSchema,
});
const targetFields = {
  index: z.number().int().min(1).max(64).optional(),
  match: matchSchema.optional(),
};

const addSchema = z.strictObject({
  action: z.literal('add'),
  expected_hash: hashSchema.optional(),
  ...entryFields,
});
const updateSchema = z.strictObject({
  action: z.literal('update'),
  expected_hash: hashSchema.optional(),
  ...targetFields,
  ...entryFields,
});
const deleteSchema = z.strictObject({
  action: z.literal('delete'),
  expected_hash: hashSchema.optional(),
  ...targetFields,
});
const replaceSchema = z.strictObject({
  action: z.literal('replace'),
  expected_hash: hashSchema.optional(),
  /** Replacing the whole list must be asked for explicitly. */
  replace_all: z.literal(true, { error: 'replace needs "replace_all": true (it replaces every entry)' }),
  entries: z.array(z.strictObject(entryFields)).max(MAX_RESERVATION_WRITE),
});
const commandSchema = z.discriminatedUnion('action', [addSchema, updateSchema, deleteSchema, replaceSchema], {
  error: 'action is one of add, update, delete, replace',
});

type EntryFields = z.output<z.ZodObject<typeof entryFields>>;

export function refuse<T>(code: ScheduleRefusalCode, reason: string): Parsed<T> {
  return { ok: false, code, reason };
}

function describeZod(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}

/** Days given as names or as the raw bitfield, exactly one of them. */
function weekOf(fields: {
  days?: string[] | undefined;
  week?: number | undefined;
}): Parsed<number | undefined> {
  if (fields.days !== undefined && fields.week !== undefined) {
    return refuse('invalid_payload', 'give days or week, not both');
  }
  if (fields.week !== undefined) return { ok: true, value: fields.week };
  if (fields.days === undefined) return { ok: true, value: undefined };
  return { ok: true, value: weekMask(fields.days.flatMap((day) => DAY_ALIASES[day] ?? [])) };
}

function timeOf(time: string): { hour: number; min: number } {
  const [hour = '0', min = '0'] = time.split(':');
  return { hour: Number(hour), min: Number(min) };
}

/** The heater's setpoint range (raw half-°C): the feature's, the default until it is known. */
function rawRange(s: DeviceSnapshot): { min: number; max: number } {
  return {
    min: s.feature?.dhwTemperatureMin ?? FALLBACK_DHW_RAW_RANGE.min,
    max: s.feature?.dhwTemperatureMax ?? FALLBACK_DHW_RAW_RANGE.max,
  };
}

function rawTemperature(value: number, s: DeviceSnapshot): Parsed<number> {
  const raw = temperatureToHalfRaw(value, s.unit);
  const { min, max } = rawRange(s);
  if (raw < min || raw > max) {
    const lo = setpointValue(halfRawToTemperature(min, s.unit), s.unit);
    const hi = setpointValue(halfRawToTemperature(max, s.unit), s.unit);
    return refuse(
      'out_of_range',
      `temperature ${value} °${s.unit} is outside the heater's range ${lo}–${hi} °${s.unit}`,
    );
  }
  return { ok: true, value: raw };
}

/** The setpoint the heater has now (raw), for vacation and off entries given no temperature. */
function currentSetpointRaw(s: DeviceSnapshot): number {
  for (const wire of ['dhwTargetTemperatureSetting', 'dhwTemperatureSetting']) {
    const raw = s.status?.raw[wire];
    if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  }
  return temperatureToHalfRaw(120, 'F');
}

/** The raw fields a set of entry fields names (a patch: only those given). */
function patchOf(fields: EntryFields, s: DeviceSnapshot): Parsed<EntryPatch> {
  const patch: EntryPatch = {};
  const week = weekOf(fields);
  if (!week.ok) return week;
  if (week.value !== undefined) patch.week = week.value;
  if (fields.time !== undefined) Object.assign(patch, timeOf(fields.time));
  if (fields.mode !== undefined) patch.mode = RESERVATION_MODES[fields.mode];
  if (fields.enabled !== undefined) patch.enable = fields.enabled ? 2 : 1;
  if (fields.temperature !== undefined) {
    const raw = rawTemperature(fields.temperature, s);
    if (!raw.ok) return raw;
    patch.param = raw.value;
  }
  return { ok: true, value: patch };
}

/** A whole new entry: days, time and mode needed; the temperature too, except for vacation and off. */
function entryOf(fields: EntryFields, s: DeviceSnapshot, where: string): Parsed<ReservationEntry> {
  const patch = patchOf(fields, s);
  if (!patch.ok) return patch;
  const { week, hour, min, mode, param } = patch.value;
  const missing = [
    week === undefined ? 'days' : null,
    hour === undefined ? 'time' : null,
    mode === undefined ? 'mode' : null,
  ].filter((name) => name !== null);
  if (missing.length > 0) return refuse('invalid_payload', `${where} needs ${missing.join(', ')}`);
  const heats = mode !== RESERVATION_MODES.vacation && mode !== RESERVATION_MODES.power_off;
  if (param === undefined && heats) return refuse('invalid_payload', `${where} needs a temperature`);
  return {
    ok: true,
    value: {
      enable: patch.value.enable ?? 2,
      week: week ?? 0,
      hour: hour ?? 0,
      min: min ?? 0,
      mode: mode ?? 0,
      param: param ?? currentSetpointRaw(s),
    },
  };
}

function targetOf(fields: {
  index?: number | undefined;
  match?: z.output<typeof matchSchema> | undefined;
}): Parsed<EntryRef> {
  if ((fields.index === undefined) === (fields.match === undefined)) {
    return refuse(
      'invalid_payload',
      'name the entry with index (1-based, as the sensor lists them) or match, one of them',
    );
  }
  if (fields.index !== undefined) return { ok: true, value: { index: fields.index } };
  const match = fields.match ?? { time: '00:00' };
  const week = weekOf(match);
  if (!week.ok) return week;
  if (week.value === undefined) return refuse('invalid_payload', 'match needs days (or week) and time');
  return { ok: true, value: { week: week.value, ...timeOf(match.time) } };
}

/** Reads a reservation command; the temperatures are in the heater's unit and range. Never throws. */
export function parseReservationCommand(payload: Uint8Array, s: DeviceSnapshot): Parsed<ScheduleCommand> {
  if (payload.length === 0) return refuse('invalid_payload', 'the payload is empty');
  if (payload.length > MAX_RESERVATION_COMMAND_BYTES) {
    return refuse(
      'invalid_payload',
      `the payload is ${payload.length} bytes; at most ${MAX_RESERVATION_COMMAND_BYTES}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return refuse('invalid_payload', 'the payload is not JSON');
  }
  const parsed = commandSchema.safeParse(json);
  if (!parsed.success) return refuse('invalid_payload', describeZod(parsed.error));
  const command = parsed.data;
  const expectedHash = command.expected_hash ?? null;
  switch (command.action) {
    case 'add': {
      const entry = entryOf(command, s, 'add');
      return entry.ok
        ? { ok: true, value: { change: { action: 'add', entry: entry.value }, expectedHash } }
        : entry;
    }
    case 'update': {
      const target = targetOf(command);
      if (!target.ok) return target;
      const patch = patchOf(command, s);
      if (!patch.ok) return patch;
      if (Object.keys(patch.value).length === 0)
        return refuse('invalid_payload', 'update names nothing to change');
      return {
        ok: true,
        value: { change: { action: 'update', target: target.value, patch: patch.value }, expectedHash },
      };
    }
    case 'delete': {
      const target = targetOf(command);
      return target.ok
        ? { ok: true, value: { change: { action: 'delete', target: target.value }, expectedHash } }
        : target;
    }
    case 'replace': {
      const entries: ReservationEntry[] = [];
      for (const [i, fields] of command.entries.entries()) {
        const entry = entryOf(fields, s, `entries[${i}]`);
        if (!entry.ok) return entry;
        entries.push(entry.value);
      }
      return { ok: true, value: { change: { action: 'replace', entries }, expectedHash } };
    }
  }
}
