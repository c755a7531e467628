// Energy-usage reply decoding: totals, day numbering, lenient handling of bad figures, bounds.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnergyUsage } from '../../src/device/energy.js';

const reply = {
  total: { hpUsage: 5400, heUsage: 1200, hpTime: 9, heTime: 1 },
  usage: [
    {
      year: 2025,
      month: 9,
      data: [
        { hpUsage: 1800, heUsage: 0, hpTime: 3, heTime: 0 },
        { hpUsage: 3600, heUsage: 1200, hpTime: 6, heTime: 1 },
      ],
    },
  ],
};

describe('decodeEnergyUsage', () => {
  it('reads the totals and numbers days from 1 (data[0] is day 1)', () => {
    expect(decodeEnergyUsage(reply)).toEqual({
      total: { heatPumpWh: 5400, elementWh: 1200, heatPumpHours: 9, elementHours: 1 },
      days: [
        { year: 2025, month: 9, day: 1, heatPumpWh: 1800, elementWh: 0, heatPumpHours: 3, elementHours: 0 },
        {
          year: 2025,
          month: 9,
          day: 2,
          heatPumpWh: 3600,
          elementWh: 1200,
          heatPumpHours: 6,
          elementHours: 1,
        },
      ],
      problems: [],
    });
  });

  it('accepts the whole message with the reply under response', () => {
    expect(decodeEnergyUsage({ clientID: 'c', response: reply }).days).toHaveLength(2);
  });

  it('reads several months in order', () => {
    const twoMonths = {
      total: { hpUsage: 2, heUsage: 0, hpTime: 0, heTime: 0 },
      usage: [
        { year: 2025, month: 8, data: [{ hpUsage: 1 }] },
        { year: 2025, month: 9, data: [{ hpUsage: 1 }] },
      ],
    };
    const decoded = decodeEnergyUsage(twoMonths);
    expect(decoded.days.map((d) => [d.month, d.day, d.heatPumpWh])).toEqual([
      [8, 1, 1],
      [9, 1, 1],
    ]);
    expect(decoded.problems).toEqual([]);
  });

  it('sums the days when the total is missing, and says so', () => {
    const { total: _ignored, ...withoutTotal } = reply;
    const decoded = decodeEnergyUsage(withoutTotal);
    expect(decoded.total).toEqual({ heatPumpWh: 5400, elementWh: 1200, heatPumpHours: 9, elementHours: 1 });
    expect(decoded.problems).toEqual(['total: missing, summed from the daily figures']);
  });

  it('keeps day numbering when one day is unreadable and reports bad figures', () => {
    const decoded = decodeEnergyUsage({
      total: { hpUsage: 'lots', heUsage: 0, hpTime: 0, heTime: 0 },
      usage: [{ year: 2025, month: 9, data: ['junk', { hpUsage: true, heUsage: 5 }] }],
    });
    expect(decoded.total.heatPumpWh).toBe(0);
    expect(decoded.days).toEqual([
      { year: 2025, month: 9, day: 2, heatPumpWh: 0, elementWh: 5, heatPumpHours: 0, elementHours: 0 },
    ]);
    expect(decoded.problems).toEqual([
      'usage[0].data[0]: expected an object',
      'usage[0].data[1].hpUsage: expected a number, got a boolean',
      'total.hpUsage: expected a number, got text that is not a number',
    ]);
  });

  it('skips a month without a usable year or month', () => {
    const decoded = decodeEnergyUsage({
      total: {},
      usage: [
        { month: 13, data: [{}] },
        { year: 2025, month: 1, data: [{}] },
      ],
    });
    expect(decoded.days).toHaveLength(1);
    expect(decoded.problems).toEqual(['usage[0].year: missing', 'usage[0].month: not in 1–12']);
  });

  it('ignores days beyond 31', () => {
    const decoded = decodeEnergyUsage({
      total: {},
      usage: [{ year: 2025, month: 1, data: Array(40).fill({}) }],
    });
    expect(decoded.days).toHaveLength(31);
    expect(decoded.problems).toEqual(['usage[0].data: 9 entries beyond day 31 ignored']);
  });

  it('never throws for arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const decoded = decodeEnergyUsage(input);
        expect(Array.isArray(decoded.days)).toBe(true);
        for (const value of Object.values(decoded.total)) expect(Number.isFinite(value)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
