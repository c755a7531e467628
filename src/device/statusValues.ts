// The decoded values of one status, held by field position instead of by key. A status arrives every
// few seconds per heater and thousands a second in a burst; an object keyed by ~100 snake_case names
// is a hash table V8 grows and discards per status, where one array sized once is a single
// allocation. Readers that look up the same key on every status resolve it to a position once.

import { enumName } from './enums.js';
import { STATUS_FIELDS, USABLE_ENERGY_KEY } from './statusFields.js';

export type StatusValue = number | boolean | string | null;

/** The status keys by position: every field of the table, then the usable energy derived from two of them. */
const KEYS: readonly string[] = [...STATUS_FIELDS.map((field) => field.key), USABLE_ENERGY_KEY];
const POSITIONS: ReadonlyMap<string, number> = new Map(KEYS.map((key, position) => [key, position]));

/** Where the usable energy sits (after the table's own fields). */
export const USABLE_ENERGY_POSITION = STATUS_FIELDS.length;
/** How many positions a status has. */
export const STATUS_POSITIONS = KEYS.length;

/**
 * The position of a status key. Throws for a key no field has: readers resolve their keys when the
 * entity table is built, so a misspelt key fails at start-up instead of reading null forever.
 */
export function statusPosition(key: string): number {
  const position = POSITIONS.get(key);
  if (position === undefined) throw new Error(`status: no field has the key "${key}"`);
  return position;
}

export class StatusValues {
  /** By position; undefined where the device did not send the field (or sent something unusable). */
  readonly #slots: ReadonlyArray<StatusValue | undefined>;

  /** `slots` is taken as it is, not copied: the decoder builds it for this status alone. */
  constructor(slots: ReadonlyArray<StatusValue | undefined>) {
    this.#slots = slots;
  }

  /** The value at a position (see {@link statusPosition}); undefined when absent. */
  at(position: number): StatusValue | undefined {
    return this.#slots[position];
  }

  /** The value of a key; undefined when absent or when no field has that key. */
  get(key: string): StatusValue | undefined {
    const position = POSITIONS.get(key);
    return position === undefined ? undefined : this.#slots[position];
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * The name of an enum field's value (dhw_operation_setting 3 → 'ENERGY_SAVER'); null when the value
   * is not in the table, undefined when the field is absent or not an enum.
   */
  nameAt(position: number): string | null | undefined {
    const field = STATUS_FIELDS[position];
    const value = this.#slots[position];
    if (field?.conversion !== 'enum' || typeof value !== 'number') return undefined;
    return enumName(field.enum, value);
  }

  name(key: string): string | null | undefined {
    const position = POSITIONS.get(key);
    return position === undefined ? undefined : this.nameAt(position);
  }

  /** key → value of the values present, in table order (for logs, tests and tools). */
  toRecord(): Record<string, StatusValue> {
    const record: Record<string, StatusValue> = {};
    for (let i = 0; i < KEYS.length; i++) {
      const value = this.#slots[i];
      if (value !== undefined) record[KEYS[i] as string] = value;
    }
    return record;
  }
}
