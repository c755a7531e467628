// Turns an entity table and a snapshot into the device's JSON state: one key per entity that shows
// a value. A key HA reads is always there, null while unknown, because a missing key makes HA log a
// template error on every message; a made-up value (a 0, an "off") is never put in its place.

import { type Attributes, type EntityDef, entitiesFor, onOff, type StateValue } from './entityModel.js';

export type StateJson = Record<string, StateValue | Attributes | null>;

function clean(value: StateValue): StateValue {
  // JSON has no NaN or Infinity; a value that is not a number is not known.
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

export function buildState<S>(table: readonly EntityDef<S>[], s: S): StateJson {
  const state: StateJson = {};
  for (const def of entitiesFor(table, s)) {
    switch (def.platform) {
      case 'sensor':
        state[def.key] = clean(def.read(s));
        if (def.attributes) state[`${def.key}_attributes`] = def.attributes(s);
        break;
      case 'binary_sensor':
      case 'switch':
        state[def.key] = onOff(def.read(s));
        break;
      case 'number':
        state[def.key] = clean(def.read(s));
        break;
      case 'select':
        state[def.key] = def.read(s);
        if (def.attributes) state[`${def.key}_attributes`] = def.attributes(s);
        break;
      case 'update':
        // HA ignores `{}` (unknown versions); `null` would break its JSON handling.
        state[def.key] = { ...(def.read(s) ?? {}) };
        if (def.attributes) state[`${def.key}_attributes`] = def.attributes(s);
        break;
      case 'water_heater':
        state[def.modeKey] = def.readMode(s);
        break;
      case 'button':
        break;
    }
  }
  return state;
}
