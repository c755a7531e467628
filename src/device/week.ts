// The day-of-week bitfield used by reservations, TOU and recirculation schedules: Sunday = 128 … Saturday = 2,
// bit 0 unused (older docs show Sunday = 1 … Saturday = 64; the code and the vendor app use this order).

export const WEEKDAY_BITS = {
  sunday: 128,
  monday: 64,
  tuesday: 32,
  wednesday: 16,
  thursday: 8,
  friday: 4,
  saturday: 2,
} as const;

export type Weekday = keyof typeof WEEKDAY_BITS;

/** Sunday first, as the bits run from high to low. */
export const WEEKDAYS_IN_ORDER: readonly Weekday[] = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

/** Monday–Friday = 124. */
export const WEEKDAYS_MASK = 124;
/** Saturday + Sunday = 130. */
export const WEEKEND_MASK = 130;
/** Every day = 254. */
export const EVERY_DAY_MASK = 254;

export function weekMask(days: Iterable<Weekday>): number {
  let mask = 0;
  for (const day of days) mask |= WEEKDAY_BITS[day];
  return mask;
}

/** The days set in `mask`, Sunday first; bit 0 and bits above 7 are ignored. */
export function weekDays(mask: number): Weekday[] {
  return WEEKDAYS_IN_ORDER.filter((day) => (mask & WEEKDAY_BITS[day]) !== 0);
}
