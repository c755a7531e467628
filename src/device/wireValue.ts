// Lenient readers for single values in device JSON: numbers (also numeric strings), text, objects, and a
// JSON-only copy of a payload; each reports why a value was refused instead of throwing.

import { z } from 'zod';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type NumberRead =
  | { state: 'missing' }
  | { state: 'ok'; value: number }
  | { state: 'bad'; reason: string };
export type TextRead =
  | { state: 'missing' }
  | { state: 'ok'; value: string }
  | { state: 'bad'; reason: string };

const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

// zod 4's number() refuses NaN and ±Infinity, so "1e999" and NaN both fail here.
const wireNumber = z.union([z.number(), z.string().regex(NUMERIC_TEXT).transform(Number).pipe(z.number())]);

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'string') return 'text that is not a number';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : 'an infinite number';
  return `a ${typeof value}`;
}

/** A number from the wire; `null`/absent are "missing" (the vendor app treats them alike). */
export function readWireNumber(value: unknown): NumberRead {
  if (value === undefined || value === null) return { state: 'missing' };
  // The wire's usual case, a finite JSON number, is decided here: a status has ~150 of them per message.
  if (typeof value === 'number' && Number.isFinite(value)) return { state: 'ok', value };
  const parsed = wireNumber.safeParse(value);
  if (parsed.success) return { state: 'ok', value: parsed.data };
  return { state: 'bad', reason: `expected a number, got ${kindOf(value)}` };
}

/** Text from the wire; numbers are accepted and turned into text (serial numbers sometimes arrive as numbers). */
export function readWireText(value: unknown, maxLength = 256): TextRead {
  if (value === undefined || value === null) return { state: 'missing' };
  if (typeof value === 'string') {
    if (value.length > maxLength) return { state: 'bad', reason: `text longer than ${maxLength} characters` };
    return { state: 'ok', value };
  }
  if (typeof value === 'number' && Number.isFinite(value)) return { state: 'ok', value: String(value) };
  const kind = Array.isArray(value)
    ? 'an array'
    : typeof value === 'object'
      ? 'an object'
      : `a ${typeof value}`;
  return { state: 'bad', reason: `expected text, got ${kind}` };
}

/** The value as a plain object (not an array, not null), or undefined. */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/** An own property only: a wire key named like an Object.prototype member must not read the prototype. */
export function ownField(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

const MAX_DEPTH = 32;
const MAX_NODES = 20_000;

/**
 * A copy holding only JSON values (finite numbers, strings, booleans, null, arrays, plain objects), bounded in
 * depth and size. Keys are copied as own data properties, so `__proto__` stays an ordinary key.
 */
export function toPlainJson(value: unknown): JsonValue | undefined {
  const budget = { nodes: MAX_NODES };
  return copyJson(value, 0, budget);
}

function copyJson(value: unknown, depth: number, budget: { nodes: number }): JsonValue | undefined {
  if (budget.nodes <= 0) return undefined;
  budget.nodes -= 1;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value) {
      const copied = copyJson(item, depth + 1, budget);
      items.push(copied === undefined ? null : copied);
    }
    return items;
  }
  const copy: { [key: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    const copied = copyJson((value as Record<string, unknown>)[key], depth + 1, budget);
    if (copied === undefined) continue;
    // Plain assignment is the fast path; only `__proto__` would run a setter instead of making a key.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: copied,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = copied;
  }
  return copy;
}
