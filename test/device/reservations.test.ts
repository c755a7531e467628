// Reservation hex and reply decoding, and the day-of-week bitfield helpers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalReservations,
  decodeReservationHex,
  decodeReservationResponse,
  reservationHash,
  sameReservations,
} from '../../src/device/reservations.js';
import { EVERY_DAY_MASK, WEEKDAYS_MASK, WEEKEND_MASK, weekDays, weekMask } from '../../src/device/week.js';

describe('decodeReservationHex', () => {
  it('decodes the reference entry: "023e061e0478" → enable 2, week 62, 06:30, mode 4, param 120', () => {
    expect(decodeReservationHex('023e061e0478')).toEqual({
      entries: [{ enable: 2, week: 62, hour: 6, min: 30, mode: 4, param: 120 }],
      problems: [],
    });
  });

  it('skips all-zero slots and reads upper-case hex', () => {
    const decoded = decodeReservationHex('000000000000027C0700037801821600020C');
    expect(decoded.entries).toEqual([
      { enable: 2, week: 124, hour: 7, min: 0, mode: 3, param: 120 },
      { enable: 1, week: 130, hour: 22, min: 0, mode: 2, param: 12 },
    ]);
    expect(decoded.problems).toEqual([]);
  });

  it('ignores a trailing partial entry and reports it', () => {
    expect(decodeReservationHex('023e061e0478ffff')).toEqual({
      entries: [{ enable: 2, week: 62, hour: 6, min: 30, mode: 4, param: 120 }],
      problems: ['reservation: trailing 4 hex digits ignored (not a whole 6-byte entry)'],
    });
    expect(decodeReservationHex('023e061e0478f').problems).toHaveLength(1);
  });

  it('refuses text that is not hex', () => {
    expect(decodeReservationHex('023e061e04zz')).toEqual({
      entries: [],
      problems: ['reservation: not a hex string'],
    });
    expect(decodeReservationHex(42)).toEqual({
      entries: [],
      problems: ['reservation: expected a hex string'],
    });
  });

  it('decodes an empty schedule to no entries', () => {
    expect(decodeReservationHex('')).toEqual({ entries: [], problems: [] });
  });

  it('bounds the number of entries', () => {
    const decoded = decodeReservationHex('027c07000378'.repeat(100));
    expect(decoded.entries).toHaveLength(64);
    expect(decoded.problems).toEqual(['reservation: entries beyond 64 ignored']);
  });

  it('decodes every 6-byte entry it is given, byte for byte', () => {
    const entry = fc.tuple(...Array.from({ length: 6 }, () => fc.integer({ min: 0, max: 255 })));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 16 }), (entries) => {
        const hex = entries
          .map((bytes) => bytes.map((b) => b.toString(16).padStart(2, '0')).join(''))
          .join('');
        const expected = entries
          .filter((bytes) => bytes.some((b) => b !== 0))
          .map(([enable, week, hour, min, mode, param]) => ({ enable, week, hour, min, mode, param }));
        expect(decodeReservationHex(hex)).toEqual({ entries: expected, problems: [] });
      }),
    );
  });
});

describe('decodeReservationResponse', () => {
  it('reads the enable flag and the hex schedule of a reply', () => {
    expect(decodeReservationResponse({ reservationUse: 2, reservation: '023e061e0478' })).toEqual({
      reservationUse: 2,
      enabled: true,
      entries: [{ enable: 2, week: 62, hour: 6, min: 30, mode: 4, param: 120 }],
      problems: [],
    });
  });

  it('accepts the whole message and a disabled schedule', () => {
    const decoded = decodeReservationResponse({ response: { reservationUse: 1, reservation: '' } });
    expect(decoded).toEqual({ reservationUse: 1, enabled: false, entries: [], problems: [] });
  });

  it('accepts an entry list as written, reporting unreadable entries', () => {
    const decoded = decodeReservationResponse({
      reservationUse: 2,
      reservation: [
        { enable: 2, week: 124, hour: 6, min: 30, mode: 3, param: 120, extra: 'x' },
        { enable: 2, week: 'weekdays', hour: 6, min: 30, mode: 3, param: 120 },
      ],
    });
    expect(decoded.entries).toEqual([{ enable: 2, week: 124, hour: 6, min: 30, mode: 3, param: 120 }]);
    expect(decoded.problems).toEqual(['reservation[1]: unreadable week']);
  });

  it('reports a missing enable flag as unknown and odd shapes as problems', () => {
    expect(decodeReservationResponse({ reservation: '' })).toMatchObject({
      reservationUse: null,
      enabled: null,
    });
    expect(decodeReservationResponse({ reservationUse: 2, reservation: 5 }).problems).toEqual([
      'reservation: expected a hex string or a list of entries',
    ]);
    expect(decodeReservationResponse('nope').problems).toEqual(['reservation reply: expected an object']);
  });

  it('never throws for arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        expect(Array.isArray(decodeReservationResponse(input).entries)).toBe(true);
        expect(Array.isArray(decodeReservationResponse({ reservation: input }).entries)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('week bitfield', () => {
  it('uses Sunday = 128 … Saturday = 2: Mon–Fri = 124, weekend = 130, every day = 254', () => {
    expect(weekMask(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'])).toBe(WEEKDAYS_MASK);
    expect(WEEKDAYS_MASK).toBe(124);
    expect(weekMask(['saturday', 'sunday'])).toBe(WEEKEND_MASK);
    expect(WEEKEND_MASK).toBe(130);
    expect(weekMask(weekDays(255))).toBe(EVERY_DAY_MASK);
    expect(EVERY_DAY_MASK).toBe(254);
  });

  it('reads 62 as Tuesday–Saturday under the current encoding', () => {
    expect(weekDays(62)).toEqual(['tuesday', 'wednesday', 'thursday', 'friday', 'saturday']);
  });

  it('round-trips any mask without bit 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 127 }), (bits) => {
        const mask = bits * 2;
        expect(weekMask(weekDays(mask))).toBe(mask);
      }),
    );
  });
});

describe('canonical form and hash', () => {
  const a = { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 };
  const b = { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 116 };

  it('hashes like ha_nwp500 (SHA-256 of the compact canonical JSON, 16 hex digits), in any entry order', () => {
    // The Python reference: json.dumps((True, tuple(sorted(keys))), separators=(",", ":")).
    expect(JSON.stringify(canonicalReservations(true, [b, a]))).toBe(
      '[true,[[2,124,6,30,4,120],[2,130,8,0,3,116]]]',
    );
    expect(reservationHash(true, [b, a])).toBe('3a61dd54fe12be48');
    expect(reservationHash(true, [a, b])).toBe('3a61dd54fe12be48');
    expect(reservationHash(false, [a, b])).not.toBe('3a61dd54fe12be48');
    expect(reservationHash(null, [])).toBe(reservationHash(false, []));
  });

  it('compares programs by switch state and entries, not by order', () => {
    expect(sameReservations({ enabled: true, entries: [a, b] }, { enabled: true, entries: [b, a] })).toBe(
      true,
    );
    expect(sameReservations({ enabled: true, entries: [a, b] }, { enabled: false, entries: [a, b] })).toBe(
      false,
    );
    expect(sameReservations({ enabled: true, entries: [a] }, { enabled: true, entries: [a, b] })).toBe(false);
    expect(
      sameReservations({ enabled: true, entries: [a] }, { enabled: true, entries: [{ ...a, param: 121 }] }),
    ).toBe(false);
  });
});
