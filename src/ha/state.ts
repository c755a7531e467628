// Turns an entity table and a snapshot into the device's JSON state: one key per entity that shows
// a value. A key HA reads is always there, null while unknown, because a missing key makes HA log a
// template error on every message; a made-up value (a 0, an "off") is never put in its place.

import {
  type Attributes,
  type EntityDef,
  entitiesFor,
  onOff,
  type SelectDef,
  type SensorDef,
  type StateValue,
  type UpdateDef,
  type UpdateState,
} from './entityModel.js';

/** What an update entity's key holds: its versions, or `{}` while they are not known. */
type UpdateValue = UpdateState | Record<string, never>;

export type StateJson = Record<string, StateValue | Attributes | UpdateValue | null>;

function clean(value: StateValue): StateValue {
  // JSON has no NaN or Infinity; a value that is not a number is not known.
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Where buildState gets the values that are costly to compute; StateWriter reuses them. */
interface Derived<S> {
  attributes(def: SensorDef<S> | SelectDef<S> | UpdateDef<S>, s: S): Attributes | undefined;
  update(def: UpdateDef<S>, s: S): UpdateValue;
}

function fresh<S>(): Derived<S> {
  return {
    attributes: (def, s) => def.attributes?.(s),
    // HA ignores `{}` (unknown versions); `null` would break its JSON handling.
    update: (def, s): UpdateValue => {
      const state = def.read(s);
      return state === null ? {} : { ...state };
    },
  };
}

/** Receives the state's keys and values in the order JSON.stringify of the state writes them. */
type Sink = (key: string, value: StateJson[string]) => void;

function visitState<S>(table: readonly EntityDef<S>[], s: S, derived: Derived<S>, emit: Sink): void {
  for (const def of entitiesFor(table, s)) {
    switch (def.platform) {
      case 'sensor':
      case 'select': {
        emit(def.key, def.platform === 'sensor' ? clean(def.read(s)) : def.read(s));
        const attributes = derived.attributes(def, s);
        if (attributes !== undefined) emit(`${def.key}_attributes`, attributes);
        break;
      }
      case 'binary_sensor':
      case 'switch':
        emit(def.key, onOff(def.read(s)));
        break;
      case 'number':
        emit(def.key, clean(def.read(s)));
        break;
      case 'update': {
        emit(def.key, derived.update(def, s));
        const attributes = derived.attributes(def, s);
        if (attributes !== undefined) emit(`${def.key}_attributes`, attributes);
        break;
      }
      case 'water_heater':
        emit(def.modeKey, def.readMode(s));
        break;
      case 'button':
        break;
    }
  }
}

function stateOf<S>(table: readonly EntityDef<S>[], s: S, derived: Derived<S>): StateJson {
  const state: StateJson = {};
  visitState(table, s, derived, (key, value) => {
    state[key] = value;
  });
  return state;
}

/** Every key a table can put in a state, in table order (with repeats, if a table has any). */
function possibleKeys<S>(table: readonly EntityDef<S>[]): string[] {
  return table.flatMap((def) => {
    switch (def.platform) {
      case 'sensor':
      case 'select':
      case 'update':
        return [def.key, `${def.key}_attributes`];
      case 'water_heater':
        return [def.modeKey];
      case 'button':
        return [];
      default:
        return [def.key];
    }
  });
}

export function buildState<S>(table: readonly EntityDef<S>[], s: S): StateJson {
  return stateOf(table, s, fresh());
}

interface Memo {
  inputs: readonly unknown[];
  attributes?: Attributes | undefined;
  update?: UpdateValue;
}

interface Fragment {
  key: string;
  value: unknown;
  /** `"key":<JSON of value>` */
  text: string;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * One device's state as JSON text, written for every status (every few seconds, thousands a second
 * in a burst) at a fraction of the cost of building and serialising it whole: attributes declared
 * with `attributesFrom` are computed again only when one of their inputs changed, and each key's
 * text is serialised again only when its value changed. The text is exactly
 * `JSON.stringify(buildState(table, s))` (a property test holds it to that).
 */
export class StateWriter<S> {
  private readonly memos = new Map<EntityDef<S>, Memo>();
  /** The last text of each position in the state; a position holds the same key unless availability changed. */
  private readonly fragments: Fragment[] = [];
  private readonly derived: Derived<S>;
  /**
   * Emitting in table order is JSON.stringify's order unless a key repeats or looks like an array
   * index (those an object puts first); such a table is written through the object instead.
   */
  private readonly inOrder: boolean;

  constructor(private readonly table: readonly EntityDef<S>[]) {
    const keys = possibleKeys(table);
    this.inOrder = new Set(keys).size === keys.length && !keys.some((key) => /^\d+$/.test(key));
    const compute = fresh<S>();
    this.derived = {
      attributes: (def, s) => {
        const from = def.attributesFrom;
        if (!from || !def.attributes) return compute.attributes(def, s);
        const memo = this.memoOf(def, from(s));
        if (!('attributes' in memo)) memo.attributes = compute.attributes(def, s);
        return memo.attributes;
      },
      update: (def, s) => {
        if (!def.attributesFrom) return compute.update(def, s);
        const memo = this.memoOf(def, def.attributesFrom(s));
        memo.update ??= compute.update(def, s);
        return memo.update;
      },
    };
  }

  /** The state as JSON text. */
  write(s: S): string {
    if (!this.inOrder) return JSON.stringify(stateOf(this.table, s, this.derived));
    const parts: string[] = [];
    const fragments = this.fragments;
    visitState(this.table, s, this.derived, (key, value) => {
      // JSON.stringify leaves out a key whose value is undefined.
      if (value === undefined) return;
      const at = parts.length;
      let fragment = fragments[at];
      if (fragment === undefined || fragment.key !== key || fragment.value !== value) {
        fragment = { key, value, text: `${JSON.stringify(key)}:${JSON.stringify(value)}` };
        fragments[at] = fragment;
      }
      parts.push(fragment.text);
    });
    return `{${parts.join(',')}}`;
  }

  private memoOf(def: EntityDef<S>, inputs: readonly unknown[]): Memo {
    const memo = this.memos.get(def);
    if (memo && sameInputs(memo.inputs, inputs)) return memo;
    const next: Memo = { inputs };
    this.memos.set(def, next);
    return next;
  }
}
