// The collector's totals as one typed set: every counter is named once, here, and snapshot,
// restore and the persisted schema are loops over those names, so a new counter cannot be saved
// but forgotten on restore (or the other way round).

import { z } from 'zod';

/** Plain totals (nwp500-python's names where it has them, in camelCase as persisted). */
export const COUNTER_NAMES = [
  'totalConnections',
  'totalDisconnects',
  'totalConnectionDrops',
  'totalReconnectAttempts',
  'deepReconnectAttempts',
  'reconnectFailures',
  'connectionRecovered',
  'messagesPublished',
  'messagesQueued',
  'messagesIn',
  'messagesOut',
  'credentialRenewals',
  'unplannedCredentialRenewals',
  'queueDroppedOverflow',
  'queueDroppedExpired',
  'systemEvents',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Totals broken down by a key that comes from outside (an error name, a refusal reason, …). */
export const KEYED_COUNTER_NAMES = [
  'dropsByError',
  'awsErrorCounts',
  'reconnectFailuresByError',
  'commandsRefusedByReason',
  'systemEventsByKind',
  'attemptDistribution',
] as const;
export type KeyedCounterName = (typeof KEYED_COUNTER_NAMES)[number];

/** A map keyed by outside text must stay bounded: beyond this many keys, new ones count as OTHER. */
export const MAX_DISTINCT_KEYS = 100;
export const OVERFLOW_KEY = 'OTHER';

const count = z.number().int().nonnegative();
const counts = z.record(z.string(), count);

export const countersSchema = z.object(
  Object.fromEntries(COUNTER_NAMES.map((name) => [name, count])) as Record<CounterName, typeof count>,
);
export type CounterValues = z.infer<typeof countersSchema>;

export const keyedCountersSchema = z.object(
  Object.fromEntries(KEYED_COUNTER_NAMES.map((name) => [name, counts])) as Record<
    KeyedCounterName,
    typeof counts
  >,
);
export type KeyedCounterValues = z.infer<typeof keyedCountersSchema>;

export class CounterSet {
  // A plain object, not a Map: messagesIn/messagesOut are bumped for every message on the wire.
  private readonly values = Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Record<
    CounterName,
    number
  >;
  private readonly keyed = new Map<KeyedCounterName, Map<string, number>>(
    KEYED_COUNTER_NAMES.map((name) => [name, new Map<string, number>()]),
  );

  add(name: CounterName, n = 1): void {
    this.values[name] += n;
  }

  get(name: CounterName): number {
    return this.values[name];
  }

  /** Counts one more under `key`; a key beyond the bound counts as OTHER. */
  bump(name: KeyedCounterName, key: string, n = 1): void {
    const map = this.keyedMap(name);
    const target = map.has(key) || map.size < MAX_DISTINCT_KEYS ? key : OVERFLOW_KEY;
    map.set(target, (map.get(target) ?? 0) + n);
  }

  /** Key → count, largest first (ties by key), a fresh object every call. */
  byKey(name: KeyedCounterName): Record<string, number> {
    const out: Record<string, number> = {};
    const sorted = [...this.keyedMap(name)].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [key, n] of sorted) out[key] = n;
    return out;
  }

  keyCount(name: KeyedCounterName, key: string): number {
    return this.keyedMap(name).get(key) ?? 0;
  }

  sumOf(name: KeyedCounterName): number {
    let total = 0;
    for (const n of this.keyedMap(name).values()) total += n;
    return total;
  }

  snapshot(): { counters: CounterValues; keyed: KeyedCounterValues } {
    const counters = {} as CounterValues;
    for (const name of COUNTER_NAMES) counters[name] = this.get(name);
    const keyed = {} as KeyedCounterValues;
    for (const name of KEYED_COUNTER_NAMES) keyed[name] = Object.fromEntries(this.keyedMap(name));
    return { counters, keyed };
  }

  /** Adds a saved run's totals to this run's. */
  restore(saved: { counters: CounterValues; keyed: KeyedCounterValues }): void {
    for (const name of COUNTER_NAMES) this.add(name, saved.counters[name]);
    for (const name of KEYED_COUNTER_NAMES) {
      for (const [key, n] of Object.entries(saved.keyed[name])) this.bump(name, key, n);
    }
  }

  private keyedMap(name: KeyedCounterName): Map<string, number> {
    return this.keyed.get(name) as Map<string, number>;
  }
}
