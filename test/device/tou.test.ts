// The registered TOU plan (REST GET /device/tou) read leniently; the ZIP code and serial stay behind.

import { describe, expect, it } from 'vitest';
import { decodePrice, decodeTouPlan, seasonMonths } from '../../src/device/tou.js';

const interval = {
  week: 124,
  startHour: 16,
  startMinute: 0,
  endHour: 20,
  endMinute: 59,
  priceMin: 49000,
  priceMax: 52000,
  decimalPoint: 5,
};

describe('decodeTouPlan', () => {
  it('reads utility, plan and every priced period of every season', () => {
    const plan = decodeTouPlan({
      registerPath: 'wifi',
      sourceType: 'openei',
      touInfo: {
        controllerId: 'SERIAL',
        zipCode: '95110',
        utility: 'Example Power & Light',
        name: 'TOU-D',
        schedule: [
          { season: 448, interval: [interval] },
          { season: 3087, interval: [{ ...interval, startHour: 17 }] },
        ],
      },
    });
    expect(plan).toEqual({
      utility: 'Example Power & Light',
      name: 'TOU-D',
      periods: [
        { season: 448, ...interval },
        { season: 3087, ...interval, startHour: 17 },
      ],
      problems: [],
    });
    expect(JSON.stringify(plan)).not.toContain('95110');
    expect(JSON.stringify(plan)).not.toContain('SERIAL');
  });

  it('keeps what it can read and says what it could not', () => {
    const plan = decodeTouPlan({
      touInfo: { schedule: [{ season: 4095, interval: [interval, { ...interval, endHour: 24 }] }, 'junk'] },
    });
    expect(plan.periods).toHaveLength(1);
    expect(plan.problems).toEqual([
      'tou schedule[0].interval[1]: unreadable',
      'tou schedule[1]: unreadable season',
    ]);
    expect(decodeTouPlan(null)).toEqual({
      utility: null,
      name: null,
      periods: [],
      problems: ['tou: no touInfo'],
    });
  });

  it('decodes months and prices', () => {
    expect(seasonMonths(448)).toEqual([7, 8, 9]);
    expect(seasonMonths(3087)).toEqual([1, 2, 3, 4, 11, 12]);
    expect(seasonMonths(4095)).toHaveLength(12);
    expect(decodePrice(49000, 5)).toBe(0.49);
    expect(decodePrice(125, 2)).toBe(1.25);
  });
});
