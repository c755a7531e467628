// Turns an entity table and a snapshot into a device's two JSON texts: its state, one key per
// entity that shows a value, and its attributes, one key per shown entity that has attributes. A key
// HA reads is always there, null while unknown, because a missing key makes HA log a template error
// on every message; a made-up value (a 0, an "off") is never put in its place. The attributes are
// kept apart because they are large and seldom change: the state goes out on every status, the
// attributes only when they changed.

import {
  type Attributes,
  type EntityDef,
  onOff,
  type SelectDef,
  type SensorDef,
  type StateValue,
  type UpdateDef,
  type UpdateState,
} from './entityModel.js';

/** What an update entity's key holds: its versions, or `{}` while they are not known. */
type UpdateValue = UpdateState | Record<string, never>;

type StateEntry = StateValue | Attributes | UpdateValue | null;
export type StateJson = Record<string, StateEntry>;
/** Attributes by entity key. */
export type AttributesJson = Record<string, Attributes>;

/** The two texts of one write; an unchanged attributes text is the same string as the last one. */
export interface StateTexts {
  state: string;
  attributes: string;
}

function clean(value: StateValue): StateValue {
  // JSON has no NaN or Infinity; a value that is not a number is not known.
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Where the values that are costly to compute come from; StateWriter reuses them. */
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

/**
 * One key of either text: the entity's value in the state, or its attributes (left out when the
 * entity has none). An attributes slot follows its entity's value slot and is shown exactly when
 * that one is.
 */
interface Slot<S> {
  key: string;
  /** The entity's `available`; on the value slot only. */
  available: ((s: S) => boolean) | undefined;
  attributes: boolean;
  /** undefined: the key is left out. */
  value: (s: S, derived: Derived<S>) => StateEntry | undefined;
}

function slotsOf<S>(table: readonly EntityDef<S>[]): Slot<S>[] {
  const slots: Slot<S>[] = [];
  const value = (def: EntityDef<S>, key: string, read: Slot<S>['value']) =>
    slots.push({ key, available: def.available, attributes: false, value: read });
  const attributes = (def: SensorDef<S> | SelectDef<S> | UpdateDef<S>) => {
    if (def.attributes)
      slots.push({
        key: def.key,
        available: undefined,
        attributes: true,
        value: (s, derived) => derived.attributes(def, s),
      });
  };
  for (const def of table) {
    switch (def.platform) {
      case 'sensor':
        value(def, def.key, (s) => clean(def.read(s)));
        attributes(def);
        break;
      case 'select':
        value(def, def.key, (s) => def.read(s));
        attributes(def);
        break;
      case 'binary_sensor':
      case 'switch':
        value(def, def.key, (s) => onOff(def.read(s)));
        break;
      case 'number':
        value(def, def.key, (s) => clean(def.read(s)));
        break;
      case 'update':
        value(def, def.key, (s, derived) => derived.update(def, s));
        attributes(def);
        break;
      case 'water_heater':
        value(def, def.modeKey, (s) => def.readMode(s));
        break;
      case 'button':
        break;
    }
  }
  return slots;
}

/** Calls `emit` for each slot shown for this snapshot, in table order. */
function eachShown<S>(slots: readonly Slot<S>[], s: S, emit: (slot: Slot<S>, index: number) => void): void {
  let shown = false;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as Slot<S>;
    if (!slot.attributes) shown = slot.available?.(s) ?? true;
    if (shown) emit(slot, i);
  }
}

const slotCache = new WeakMap<readonly EntityDef<unknown>[], Slot<unknown>[]>();

function cachedSlots<S>(table: readonly EntityDef<S>[]): Slot<S>[] {
  let slots = slotCache.get(table as readonly EntityDef<unknown>[]) as Slot<S>[] | undefined;
  if (!slots) {
    slots = slotsOf(table);
    slotCache.set(table as readonly EntityDef<unknown>[], slots as Slot<unknown>[]);
  }
  return slots;
}

/** The state, built afresh. */
export function buildState<S>(table: readonly EntityDef<S>[], s: S): StateJson {
  const state: StateJson = {};
  const derived = fresh<S>();
  eachShown(cachedSlots(table), s, (slot) => {
    if (slot.attributes) return;
    const value = slot.value(s, derived);
    if (value !== undefined) state[slot.key] = value;
  });
  return state;
}

/** The attributes of the shown entities that have them, by entity key, built afresh. */
export function buildAttributes<S>(table: readonly EntityDef<S>[], s: S): AttributesJson {
  const attributes: AttributesJson = {};
  const derived = fresh<S>();
  eachShown(cachedSlots(table), s, (slot) => {
    if (!slot.attributes) return;
    const value = slot.value(s, derived);
    if (value !== undefined) attributes[slot.key] = value as Attributes;
  });
  return attributes;
}

interface Memo {
  inputs: readonly unknown[];
  attributes?: Attributes | undefined;
  update?: UpdateValue;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One of the writer's two texts: the parts shown last time, and the text they made. */
interface Text {
  readonly parts: string[];
  count: number;
  text: string;
}

/**
 * One device's state and attributes as JSON texts, written for every status (every few seconds,
 * thousands a second in a burst) at a fraction of the cost of building and serialising them whole:
 * attributes declared with `attributesFrom` are computed again only when one of their inputs
 * changed, each key's text is serialised again only when its value changed, and the attributes text
 * is joined again only when one of its parts did. The texts are exactly
 * `JSON.stringify(buildState(table, s))` and `JSON.stringify(buildAttributes(table, s))` (a
 * property test holds it to that).
 */
export class StateWriter<S> {
  private readonly slots: Slot<S>[];
  private readonly memos = new Map<EntityDef<S>, Memo>();
  /** Per slot: the last value written and its `"key":value` text. */
  private readonly lastValues: unknown[];
  private readonly lastTexts: string[];
  private readonly keyTexts: string[];
  private readonly state: Text = { parts: [], count: 0, text: '{}' };
  private readonly attributes: Text = { parts: [], count: 0, text: '{}' };
  private readonly derived: Derived<S>;

  constructor(table: readonly EntityDef<S>[]) {
    this.slots = cachedSlots(table);
    for (const kind of [false, true]) {
      const keys = this.slots.filter((slot) => slot.attributes === kind).map((slot) => slot.key);
      // Table order is JSON.stringify's order unless a key repeats or looks like an array index
      // (an object puts those first); no entity table has either, and one that did would be a bug.
      const odd = keys.find((key, i) => keys.indexOf(key) !== i || /^\d+$/.test(key));
      if (odd !== undefined) throw new Error(`entity table: state key "${odd}" repeats or is an index`);
    }
    this.keyTexts = this.slots.map((slot) => `${JSON.stringify(slot.key)}:`);
    this.lastValues = this.slots.map(() => undefined);
    this.lastTexts = this.slots.map(() => '');
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

  /** The state and the attributes as JSON texts. */
  write(s: S): StateTexts {
    const { slots, derived, lastValues, lastTexts, keyTexts, state, attributes } = this;
    let stateCount = 0;
    let attributesCount = 0;
    let attributesChanged = false;
    let shown = false;
    // The loop of eachShown, written out: this runs for every status and a callback would be one
    // more allocation and call per key.
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i] as Slot<S>;
      if (!slot.attributes) shown = slot.available?.(s) ?? true;
      if (!shown) continue;
      const value = slot.value(s, derived);
      if (value === undefined) continue;
      if (value !== lastValues[i]) {
        lastValues[i] = value;
        lastTexts[i] = keyTexts[i] + JSON.stringify(value);
      }
      const text = lastTexts[i] as string;
      if (!slot.attributes) {
        state.parts[stateCount++] = text;
      } else if (attributes.parts[attributesCount++] !== text) {
        attributes.parts[attributesCount - 1] = text;
        attributesChanged = true;
      }
    }
    state.count = stateCount;
    state.text = joined(state);
    if (attributesChanged || attributesCount !== attributes.count) {
      attributes.count = attributesCount;
      attributes.text = joined(attributes);
    }
    return { state: state.text, attributes: attributes.text };
  }

  private memoOf(def: EntityDef<S>, inputs: readonly unknown[]): Memo {
    const memo = this.memos.get(def);
    if (memo && sameInputs(memo.inputs, inputs)) return memo;
    const next: Memo = { inputs };
    this.memos.set(def, next);
    return next;
  }
}

/** The JSON object of a text's first `count` parts, as one flat string. */
function joined(text: Text): string {
  const { parts, count } = text;
  if (count === 0) return '{}';
  if (count === 1) return `{${parts[0]}}`;
  // The braces go on the first and last parts so that join makes the whole text in one flat
  // string: `{${joined}}` would be a rope, copied again by the first comparison or write. The
  // parts themselves stay as they are, for the comparisons of the next write.
  const first = parts[0] as string;
  const last = parts[count - 1] as string;
  parts.length = count;
  parts[0] = `{${first}`;
  parts[count - 1] = `${last}}`;
  const json = parts.join(',');
  parts[0] = first;
  parts[count - 1] = last;
  return json;
}
