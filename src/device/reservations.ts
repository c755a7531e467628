// Reservation (program schedule) decoding: the hex string of a `rsv/rd` reply, 6 bytes per entry, and the
// reply's global enable flag. Lenient and bounded like every other decoder here.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { asRecord, ownField, readWireNumber } from './wireValue.js';

/** One schedule entry, field names as on the wire. */
export interface ReservationEntry {
  /** 2 = on, 1 = off. */
  enable: number;
  /** Day bitfield (week.ts): Sunday 128 … Saturday 2. */
  week: number;
  hour: number;
  min: number;
  /** DHW mode 1–6 (enums.ts DhwOperationSetting). */
  mode: number;
  /** Setpoint, half-degrees Celsius. */
  param: number;
}

export interface ReservationEntries {
  entries: ReservationEntry[];
  problems: string[];
}

export interface ReservationSchedule extends ReservationEntries {
  /** Whole-schedule switch as sent (`reservationUse`): 2 = enabled, 1 = disabled; null when absent. */
  reservationUse: number | null;
  /** `reservationUse === 2`; null when absent. */
  enabled: boolean | null;
}

export const RESERVATION_ENTRY_BYTES = 6;
/** The device stores about 16 entries; anything far beyond is junk, not a schedule. */
export const MAX_RESERVATION_ENTRIES = 64;

const HEX = /^[0-9a-fA-F]*$/;

/** `"023e061e0478"` → enable 2, week 62, 06:30, mode 4, param 120. All-zero chunks are empty slots. */
export function decodeReservationHex(hex: unknown): ReservationEntries {
  if (typeof hex !== 'string') return { entries: [], problems: ['reservation: expected a hex string'] };
  if (!HEX.test(hex)) return { entries: [], problems: ['reservation: not a hex string'] };
  const problems: string[] = [];
  const byteCount = Math.floor(hex.length / 2);
  const wholeEntries = Math.floor(byteCount / RESERVATION_ENTRY_BYTES);
  const leftoverNibbles = hex.length - wholeEntries * RESERVATION_ENTRY_BYTES * 2;
  if (leftoverNibbles > 0) {
    problems.push(`reservation: trailing ${leftoverNibbles} hex digits ignored (not a whole 6-byte entry)`);
  }
  const entries: ReservationEntry[] = [];
  for (let index = 0; index < wholeEntries; index++) {
    const at = index * RESERVATION_ENTRY_BYTES * 2;
    const bytes = Array.from({ length: RESERVATION_ENTRY_BYTES }, (_, i) =>
      Number.parseInt(hex.slice(at + i * 2, at + i * 2 + 2), 16),
    );
    if (bytes.every((b) => b === 0)) continue;
    if (entries.length >= MAX_RESERVATION_ENTRIES) {
      problems.push(`reservation: entries beyond ${MAX_RESERVATION_ENTRIES} ignored`);
      break;
    }
    const [enable = 0, week = 0, hour = 0, min = 0, mode = 0, param = 0] = bytes;
    entries.push({ enable, week, hour, min, mode, param });
  }
  return { entries, problems };
}

const wireInt = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\s*\d+\s*$/)
    .transform(Number),
]);
const entrySchema = z.object({
  enable: wireInt,
  week: wireInt,
  hour: wireInt,
  min: wireInt,
  mode: wireInt,
  param: wireInt,
});

function decodeEntryList(list: readonly unknown[]): ReservationEntries {
  const problems: string[] = [];
  const entries: ReservationEntry[] = [];
  if (list.length > MAX_RESERVATION_ENTRIES) {
    problems.push(`reservation: entries beyond ${MAX_RESERVATION_ENTRIES} ignored`);
  }
  list.slice(0, MAX_RESERVATION_ENTRIES).forEach((item, index) => {
    const parsed = entrySchema.safeParse(item);
    if (parsed.success) entries.push(parsed.data);
    else {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'entry'))];
      problems.push(`reservation[${index}]: unreadable ${fields.join(', ')}`);
    }
  });
  return { entries, problems };
}

/**
 * Decodes a reservation reply's `response` (a whole message with `response` is accepted too): the hex string
 * the device sends, or an entry list as written. Never throws.
 */
export function decodeReservationResponse(response: unknown): ReservationSchedule {
  try {
    let record = asRecord(response);
    const inner =
      record && !Object.hasOwn(record, 'reservation') ? asRecord(ownField(record, 'response')) : undefined;
    if (inner) record = inner;
    if (!record) {
      return {
        reservationUse: null,
        enabled: null,
        entries: [],
        problems: ['reservation reply: expected an object'],
      };
    }
    const problems: string[] = [];
    const use = readWireNumber(ownField(record, 'reservationUse'));
    if (use.state === 'bad') problems.push(`reservationUse: ${use.reason}`);
    const reservationUse = use.state === 'ok' ? use.value : null;

    const reservation = ownField(record, 'reservation');
    let decoded: ReservationEntries;
    if (typeof reservation === 'string') decoded = decodeReservationHex(reservation);
    else if (Array.isArray(reservation)) decoded = decodeEntryList(reservation);
    else if (reservation === undefined || reservation === null) decoded = { entries: [], problems: [] };
    else decoded = { entries: [], problems: ['reservation: expected a hex string or a list of entries'] };

    return {
      reservationUse,
      enabled: reservationUse === null ? null : reservationUse === 2,
      entries: decoded.entries,
      problems: [...problems, ...decoded.problems],
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'unknown error';
    return {
      reservationUse: null,
      enabled: null,
      entries: [],
      problems: [`reservation reply: could not be read (${name})`],
    };
  }
}

/** The six wire fields of an entry as a tuple, in wire order. */
export function reservationKey(entry: ReservationEntry): [number, number, number, number, number, number] {
  return [entry.enable, entry.week, entry.hour, entry.min, entry.mode, entry.param];
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * The order-independent form of a schedule, `[enabled, sorted entry tuples]`: the device may report
 * entries in another order than they were written, so this is what a read-back is compared by.
 */
export function canonicalReservations(
  enabled: boolean | null,
  entries: readonly ReservationEntry[],
): [boolean, number[][]] {
  return [enabled === true, entries.map(reservationKey).sort(compareKeys)];
}

/**
 * A short stable id of a schedule (16 hex digits of SHA-256 over the canonical form as compact
 * JSON), computed the way ha_nwp500 computes its `schedule_hash`, so a script moving over keeps
 * its stored hashes.
 */
export function reservationHash(enabled: boolean | null, entries: readonly ReservationEntry[]): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalReservations(enabled, entries)))
    .digest('hex')
    .slice(0, 16);
}

/** True when both describe the same program: same switch state and the same entries, in any order. */
export function sameReservations(
  a: { enabled: boolean | null; entries: readonly ReservationEntry[] },
  b: { enabled: boolean | null; entries: readonly ReservationEntry[] },
): boolean {
  return (
    JSON.stringify(canonicalReservations(a.enabled, a.entries)) ===
    JSON.stringify(canonicalReservations(b.enabled, b.entries))
  );
}
