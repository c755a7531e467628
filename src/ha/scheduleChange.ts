// What a reservation change does to the heater's list (the full list to write back: other entries
// and the program switch as they were), and how entries and changes read in HA and the logs.

import { MAX_RESERVATION_WRITE } from '../device/commands.js';
import { type ReservationEntry, reservationHash } from '../device/reservations.js';
import { halfRawToTemperature, roundTo, type TemperatureUnit } from '../device/units.js';
import { type Weekday, weekDays, weekMask } from '../device/week.js';
import type { JsonValue } from './entityModel.js';
import {
  type EntryRef,
  MODE_BY_VALUE,
  type Parsed,
  refuse,
  type ScheduleChange,
  type ScheduleCommand,
} from './reservationCommand.js';
import { setpointValue } from './snapshot.js';

// ---- applying a change ------------------------------------------------------------------------

export interface ScheduleContent {
  enabled: boolean | null;
  entries: readonly ReservationEntry[];
}

export interface ScheduleWrite {
  reservationUse: 1 | 2;
  entries: ReservationEntry[];
}

function sameSlot(
  a: { week: number; hour: number; min: number },
  b: { week: number; hour: number; min: number },
) {
  return a.week === b.week && a.hour === b.hour && a.min === b.min;
}

function findEntry(entries: readonly ReservationEntry[], target: EntryRef): number {
  if ('index' in target) return target.index >= 1 && target.index <= entries.length ? target.index - 1 : -1;
  return entries.findIndex((entry) => sameSlot(entry, target));
}

function describeRef(target: EntryRef): string {
  return 'index' in target ? `entry ${target.index}` : `the entry at ${formatSlot(target)}`;
}

/**
 * The full list to write for `command` on the schedule just read: the other entries as they were,
 * the program switch as it was (unless the change is the switch). Refuses without writing when the
 * schedule changed since the caller saw it, the entry is not there, or the slot is taken.
 */
export function applyScheduleChange(
  current: ScheduleContent,
  command: ScheduleCommand,
): Parsed<ScheduleWrite> {
  const { change, expectedHash } = command;
  if (expectedHash !== null && reservationHash(current.enabled, current.entries) !== expectedHash) {
    return refuse('conflict', 'the schedule changed since expected_hash was read; nothing written');
  }
  if (change.action === 'program') {
    return { ok: true, value: { reservationUse: change.on ? 2 : 1, entries: [...current.entries] } };
  }
  if (current.enabled === null) {
    // Writing needs the switch state, or the write would turn the program on or off.
    return refuse('schedule_unknown', 'the heater did not say whether its program is on; nothing written');
  }
  const reservationUse = current.enabled ? 2 : 1;
  const entries = [...current.entries];
  switch (change.action) {
    case 'add': {
      if (entries.some((entry) => sameSlot(entry, change.entry))) {
        return refuse('conflict', `an entry at ${formatSlot(change.entry)} exists; update it instead`);
      }
      if (entries.length >= MAX_RESERVATION_WRITE) {
        return refuse('out_of_range', `the heater holds at most ${MAX_RESERVATION_WRITE} entries`);
      }
      entries.push(change.entry);
      break;
    }
    case 'update': {
      const at = findEntry(entries, change.target);
      const existing = entries[at];
      if (!existing) return refuse('unknown_entry', `${describeRef(change.target)} is not on the heater`);
      const updated = { ...existing, ...change.patch };
      if (entries.some((entry, i) => i !== at && sameSlot(entry, updated))) {
        return refuse('conflict', `another entry is at ${formatSlot(updated)}`);
      }
      entries[at] = updated;
      break;
    }
    case 'delete': {
      const at = findEntry(entries, change.target);
      if (at < 0) return refuse('unknown_entry', `${describeRef(change.target)} is not on the heater`);
      entries.splice(at, 1);
      break;
    }
    case 'replace': {
      const slots = new Set(change.entries.map(formatSlot));
      if (slots.size !== change.entries.length) return refuse('conflict', 'two entries share days and time');
      entries.splice(0, entries.length, ...change.entries);
      break;
    }
  }
  return { ok: true, value: { reservationUse, entries } };
}

// ---- how entries read in HA -----------------------------------------------------------------------

const DAY_SHORT: Readonly<Record<Weekday, string>> = {
  sunday: 'Sun',
  monday: 'Mon',
  tuesday: 'Tue',
  wednesday: 'Wed',
  thursday: 'Thu',
  friday: 'Fri',
  saturday: 'Sat',
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `Mon–Fri 06:30`, `Sat Sun 08:00`, `every day 05:00`. */
export function formatSlot(slot: { week: number; hour: number; min: number }): string {
  const days = weekDays(slot.week);
  let text: string;
  if (days.length === 7) text = 'every day';
  else if (slot.week === weekMask(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'])) text = 'Mon–Fri';
  else text = days.length === 0 ? 'no day' : days.map((day) => DAY_SHORT[day]).join(' ');
  return `${text} ${pad(slot.hour)}:${pad(slot.min)}`;
}

/** A short description of a change, for logs and the sensor's `last_write`. */
export function describeChange(change: ScheduleChange): string {
  switch (change.action) {
    case 'add':
      return `add ${formatSlot(change.entry)}`;
    case 'update':
      return `update ${describeRef(change.target)}`;
    case 'delete':
      return `delete ${describeRef(change.target)}`;
    case 'replace':
      return `replace all (${change.entries.length} entries)`;
    case 'program':
      return `program ${change.on ? 'on' : 'off'}`;
  }
}

/** One entry as the schedule sensor lists it: readable fields, and the raw ones beside them. */
export function entryAttributes(entry: ReservationEntry, index: number, unit: TemperatureUnit): JsonValue {
  return {
    index,
    enabled: entry.enable === 2,
    days: weekDays(entry.week),
    time: `${pad(entry.hour)}:${pad(entry.min)}`,
    mode: MODE_BY_VALUE.get(entry.mode) ?? `mode_${entry.mode}`,
    temperature: setpointValue(roundTo(halfRawToTemperature(entry.param, unit), 2), unit),
    raw: { ...entry },
  };
}
