// The time-of-use plan registered for a heater (REST `GET /device/tou`), read leniently into the
// parts worth showing: utility, plan name and the priced periods with their months, days and
// times. The ZIP code and the controller serial in the answer are left behind (personal data).

import { z } from 'zod';
import { type Weekday, weekDays } from './week.js';

export interface TouPeriod {
  /** Month bitfield, bit 0 = January … bit 11 = December. */
  season: number;
  /** Day bitfield (week.ts). */
  week: number;
  startHour: number;
  startMinute: number;
  endHour: number;
  endMinute: number;
  /** Prices as integers × 10^decimalPoint. */
  priceMin: number;
  priceMax: number;
  decimalPoint: number;
}

export interface TouPlan {
  utility: string | null;
  name: string | null;
  periods: TouPeriod[];
  problems: string[];
}

/** Far more periods than a plan has (writes allow 16): the rest of a larger answer is not read. */
const MAX_READ_PERIODS = 64;

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const intervalSchema = z.looseObject({
  week: int(0, 255),
  startHour: int(0, 23),
  startMinute: int(0, 59),
  endHour: int(0, 23),
  endMinute: int(0, 59),
  priceMin: z.number().int(),
  priceMax: z.number().int(),
  decimalPoint: int(0, 10),
});
const seasonSchema = z.looseObject({ season: int(0, 4095), interval: z.array(z.unknown()) });
const answerSchema = z.looseObject({
  touInfo: z.looseObject({
    name: z.string().nullable().optional(),
    utility: z.string().nullable().optional(),
    schedule: z.array(z.unknown()).optional(),
  }),
});

/** Reads the `data` of a `GET /device/tou` answer. Never throws; unreadable parts become problems. */
export function decodeTouPlan(data: unknown): TouPlan {
  const parsed = answerSchema.safeParse(data);
  if (!parsed.success) return { utility: null, name: null, periods: [], problems: ['tou: no touInfo'] };
  const { touInfo } = parsed.data;
  const problems: string[] = [];
  const periods: TouPeriod[] = [];
  (touInfo.schedule ?? []).forEach((rawSeason, s) => {
    const season = seasonSchema.safeParse(rawSeason);
    if (!season.success) {
      problems.push(`tou schedule[${s}]: unreadable season`);
      return;
    }
    season.data.interval.forEach((rawInterval, i) => {
      const interval = intervalSchema.safeParse(rawInterval);
      if (!interval.success) {
        problems.push(`tou schedule[${s}].interval[${i}]: unreadable`);
      } else if (periods.length >= MAX_READ_PERIODS) {
        problems.push('tou: too many periods; the rest is ignored');
      } else {
        const { week, startHour, startMinute, endHour, endMinute, priceMin, priceMax, decimalPoint } =
          interval.data;
        periods.push({
          season: season.data.season,
          week,
          startHour,
          startMinute,
          endHour,
          endMinute,
          priceMin,
          priceMax,
          decimalPoint,
        });
      }
    });
  });
  return { utility: touInfo.utility ?? null, name: touInfo.name ?? null, periods, problems };
}

/** Months (1–12) set in a season bitfield. */
export function seasonMonths(season: number): number[] {
  return Array.from({ length: 12 }, (_, i) => i + 1).filter((month) => (season & (1 << (month - 1))) !== 0);
}

export function decodePrice(value: number, decimalPoint: number): number {
  return value / 10 ** decimalPoint;
}

export function periodDays(period: TouPeriod): Weekday[] {
  return weekDays(period.week);
}
