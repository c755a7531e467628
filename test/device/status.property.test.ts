// Property-based checks that status decoding survives any input and isolates bad fields.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DeviceStatus, decodeStatus } from '../../src/device/status.js';
import { STATUS_FIELDS } from '../../src/device/statusFields.js';

const WIRE_KEYS = STATUS_FIELDS.map((f) => f.wire);
// Display settings change how other fields convert, so they are corrupted only in their own property.
const SETTINGS = new Set(['temperatureType', 'tempFormulaType']);
const CORRUPTIBLE = WIRE_KEYS.filter((k) => !SETTINGS.has(k));

function expectWellFormed(status: DeviceStatus): void {
  for (const value of Object.values(status.values.toRecord())) {
    if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    else expect(value === null || typeof value === 'boolean' || typeof value === 'string').toBe(true);
  }
  for (const problem of status.problems) expect(typeof problem).toBe('string');
  expect(['C', 'F']).toContain(status.temperatureUnit);
  // The state published to MQTT is JSON; it must survive a round trip unchanged.
  expect(JSON.parse(JSON.stringify(status.values.toRecord()))).toEqual(status.values.toRecord());
  expect(() => JSON.stringify(status.raw)).not.toThrow();
}

/** Values that are not numbers in any accepted form. */
const corruptValue = fc.oneof(
  fc.boolean(),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(Number.NEGATIVE_INFINITY),
  fc.constantFrom('', ' ', 'abc', '12abc', '0x10', 'NaN', 'Infinity', '1e999', '--1'),
  fc.string().map((s) => `x${s}`),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
);

const validBase = fc.record(
  Object.fromEntries(WIRE_KEYS.map((k) => [k, fc.integer({ min: -5000, max: 100_000 })])) as Record<
    string,
    fc.Arbitrary<number>
  >,
);

describe('decodeStatus under random and malformed input', () => {
  it('never throws and always returns well-formed values for arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true }),
        (input) => {
          expectWellFormed(decodeStatus(input));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws for objects that use the real wire keys with values of any type', () => {
    const wireObject = fc.dictionary(fc.constantFrom(...WIRE_KEYS), fc.anything({ withBigInt: true }), {
      maxKeys: 40,
    });
    fc.assert(
      fc.property(wireObject, (input) => {
        expectWellFormed(decodeStatus(input));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws for huge, tiny and negative numbers, reporting overflow as a problem', () => {
    const numbers = fc.dictionary(fc.constantFrom(...WIRE_KEYS), fc.double(), { maxKeys: 30 });
    fc.assert(
      fc.property(numbers, (input) => {
        const status = decodeStatus(input);
        expectWellFormed(status);
        const finiteInputs = Object.values(input).filter((v) => Number.isFinite(v)).length;
        expect(Object.keys(status.values.toRecord()).length).toBeLessThanOrEqual(finiteInputs + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws for deeply nested junk around a status', () => {
    const nested = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(validBase, nested, (base, junk) => {
        expectWellFormed(decodeStatus({ ...base, junk, nested: { status: junk } }));
      }),
      { numRuns: 200 },
    );
  });

  it('still decodes untouched fields correctly when a random subset of fields is corrupted', () => {
    fc.assert(
      fc.property(
        validBase,
        fc.subarray(CORRUPTIBLE, { minLength: 1 }),
        fc.array(corruptValue, { minLength: CORRUPTIBLE.length, maxLength: CORRUPTIBLE.length }),
        (base, corrupted, junk) => {
          const clean = decodeStatus(base);
          const dirtyInput: Record<string, unknown> = { ...base };
          corrupted.forEach((wire, i) => {
            dirtyInput[wire] = junk[i];
          });
          const dirty = decodeStatus(dirtyInput);
          expectWellFormed(dirty);
          const broken = new Set(corrupted);
          for (const field of STATUS_FIELDS) {
            if (broken.has(field.wire)) {
              expect(dirty.values.has(field.key)).toBe(false);
              expect(dirty.problems.some((p) => p.startsWith(`${field.wire}: `))).toBe(true);
            } else {
              expect(dirty.values.get(field.key)).toEqual(clean.values.get(field.key));
            }
          }
          expect(dirty.problems).toHaveLength(corrupted.length);
          expect(dirty.temperatureUnit).toBe(clean.temperatureUnit);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('falls back to °F and the asymmetric rule when the display settings are corrupted', () => {
    fc.assert(
      fc.property(validBase, corruptValue, corruptValue, (base, unit, formula) => {
        const status = decodeStatus({ ...base, temperatureType: unit, tempFormulaType: formula });
        const reference = decodeStatus({ ...base, temperatureType: 2, tempFormulaType: 0 });
        expect(status.temperatureUnit).toBe('F');
        expect(status.values.get('dhw_temperature')).toBe(reference.values.get('dhw_temperature'));
        expect(status.values.get('outside_temperature')).toBe(reference.values.get('outside_temperature'));
        expect(status.problems).toHaveLength(2);
      }),
      { numRuns: 200 },
    );
  });

  it('matches the textbook formulas on a °C device for every field of each conversion', () => {
    fc.assert(
      fc.property(validBase, (base) => {
        const status = decodeStatus({ ...base, temperatureType: 1 });
        for (const field of STATUS_FIELDS) {
          const raw = field.wire === 'temperatureType' ? 1 : (base[field.wire] as number);
          const value = status.values.get(field.key);
          switch (field.conversion) {
            case 'half_c':
            case 'outside':
              expect(value).toBeCloseTo(raw * 0.5, 9);
              break;
            case 'deci_c':
            case 'deci_c_delta':
            case 'flow':
              expect(value).toBeCloseTo(raw * 0.1, 9);
              break;
            case 'energy4':
              expect(value).toBe(raw * 4);
              break;
            case 'bool':
              expect(value).toBe(raw === 2);
              break;
            case 'tristate':
              expect(value).toBe(raw === 2 ? true : raw === 1 ? false : null);
              break;
            case 'tou_status':
              expect(value).toBe(raw !== 0);
              break;
            case 'tou_override':
              expect(value).toBe(raw === 1);
              break;
            default:
              expect(value).toBe(raw);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('matches the textbook formulas on a °F device within rounding to 2 decimals', () => {
    fc.assert(
      fc.property(validBase, (base) => {
        const status = decodeStatus({ ...base, temperatureType: 2 });
        for (const field of STATUS_FIELDS) {
          const raw = base[field.wire] as number;
          const value = status.values.get(field.key) as number;
          if (field.conversion === 'half_c')
            expect(Math.abs(value - (raw * 0.9 + 32))).toBeLessThanOrEqual(0.005);
          if (field.conversion === 'deci_c')
            expect(Math.abs(value - (raw * 0.18 + 32))).toBeLessThanOrEqual(0.005);
          if (field.conversion === 'deci_c_delta')
            expect(Math.abs(value - raw * 0.18)).toBeLessThanOrEqual(0.005);
          if (field.conversion === 'flow') expect(value).toBeCloseTo(raw * 0.1, 9);
        }
        const full = (base.totalEnergyCapacity as number) * 4;
        const needed = (base.availableEnergyCapacity as number) * 4;
        expect(status.values.get('usable_energy')).toBe(Math.max(0, full - needed));
      }),
      { numRuns: 100 },
    );
  });
});
