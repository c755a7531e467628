// Reservation commands as JSON (reservationCommand.ts, scheduleChange.ts): what each parses to (days, times, modes and temperatures in the
// heater's unit and range), what each does to a schedule, and every refusal.

import { describe, expect, it } from 'vitest';
import { reservationHash } from '../../src/device/reservations.js';
import { parseReservationCommand, type ScheduleCommand } from '../../src/ha/reservationCommand.js';
import {
  applyScheduleChange,
  describeChange,
  entryAttributes,
  formatSlot,
} from '../../src/ha/scheduleChange.js';
import { simSnapshot } from './fixtures.js';

const WEEKDAYS = { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 };
const WEEKEND = { enable: 2, week: 130, hour: 8, min: 0, mode: 3, param: 116 };
const fahrenheit = simSnapshot();
const celsius = simSnapshot({ device: { feature: { temperatureType: 1 } }, status: { temperatureType: 1 } });

function parse(payload: unknown, s = fahrenheit) {
  return parseReservationCommand(
    Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
    s,
  );
}

function command(payload: unknown, s = fahrenheit): ScheduleCommand {
  const parsed = parse(payload, s);
  if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.reason}`);
  return parsed.value;
}

const current = { enabled: true, entries: [WEEKDAYS, WEEKEND] };

describe('parseReservationCommand', () => {
  it('reads an add with day names, HH:MM, a mode name and °F, to the wire fields', () => {
    expect(
      command({
        action: 'add',
        days: ['Monday', 'we', 'FRI'],
        time: '6:05',
        mode: 'heat_pump',
        temperature: 120,
      }),
    ).toEqual({
      change: { action: 'add', entry: { enable: 2, week: 84, hour: 6, min: 5, mode: 1, param: 98 } },
      expectedHash: null,
    });
    // Groups of days, a disabled entry, °C in half degrees, the raw bitfield.
    expect(
      command(
        {
          action: 'add',
          days: ['weekend'],
          time: '23:59',
          mode: 'high_demand',
          temperature: 60,
          enabled: false,
        },
        celsius,
      ).change,
    ).toEqual({
      action: 'add',
      entry: { enable: 1, week: 130, hour: 23, min: 59, mode: 4, param: 120 },
    });
    expect(
      command({ action: 'add', week: 254, time: '00:00', mode: 'electric', temperature: 140 }).change,
    ).toMatchObject({
      entry: { week: 254, mode: 2, param: 120 },
    });
  });

  it('lets vacation and off entries leave out the temperature: the heater keeps its setpoint', () => {
    expect(
      command({ action: 'add', days: ['every_day'], time: '09:00', mode: 'vacation' }).change,
    ).toMatchObject({
      entry: { week: 254, mode: 5, param: 120 },
    });
  });

  it('reads update, delete and replace with what they name, and expected_hash', () => {
    expect(
      command({ action: 'update', index: 2, temperature: 130, expected_hash: 'abcdef0123456789' }),
    ).toEqual({
      change: { action: 'update', target: { index: 2 }, patch: { param: 109 } },
      expectedHash: 'abcdef0123456789',
    });
    expect(command({ action: 'delete', match: { days: ['weekdays'], time: '06:30' } }).change).toEqual({
      action: 'delete',
      target: { week: 124, hour: 6, min: 30 },
    });
    expect(command({ action: 'replace', replace_all: true, entries: [] }).change).toEqual({
      action: 'replace',
      entries: [],
    });
  });

  it('refuses what is not a command, naming the problem', () => {
    const refused = (payload: unknown, s = fahrenheit) => {
      const parsed = parse(payload, s);
      return parsed.ok ? 'accepted' : `${parsed.code}: ${parsed.reason}`;
    };
    expect(refused('')).toBe('invalid_payload: the payload is empty');
    expect(refused('{"action":')).toBe('invalid_payload: the payload is not JSON');
    expect(refused({ action: 'wipe' })).toMatch(/action is one of add, update, delete, replace/);
    expect(refused({ action: 'replace', entries: [] })).toMatch(/replace_all/);
    expect(refused({ action: 'add', days: [], time: '06:00', mode: 'heat_pump', temperature: 120 })).toMatch(
      /at least one day/,
    );
    expect(
      refused({
        action: 'add',
        days: ['monday'],
        week: 64,
        time: '06:00',
        mode: 'heat_pump',
        temperature: 120,
      }),
    ).toMatch(/days or week, not both/);
    expect(refused({ action: 'add', week: 1, time: '06:00', mode: 'heat_pump', temperature: 120 })).toMatch(
      /invalid_payload/,
    );
    expect(
      refused({ action: 'add', days: ['monday'], time: '6', mode: 'heat_pump', temperature: 120 }),
    ).toMatch(/HH:MM/);
    expect(refused({ action: 'add', days: ['monday'], time: '06:00', temperature: 120 })).toMatch(
      /needs mode/,
    );
    expect(
      refused({ action: 'add', days: ['monday'], time: '06:00', mode: 'eco', temperature: 120 }),
    ).toMatch(/mode is one of/);
    expect(
      refused({ action: 'add', days: ['monday'], time: '06:00', mode: 'heat_pump', temperature: 151 }),
    ).toBe("out_of_range: temperature 151 °F is outside the heater's range 105–149 °F");
    expect(
      refused(
        { action: 'add', days: ['monday'], time: '06:00', mode: 'heat_pump', temperature: 66 },
        celsius,
      ),
    ).toBe("out_of_range: temperature 66 °C is outside the heater's range 40.5–65 °C");
    expect(refused({ action: 'update', temperature: 120 })).toMatch(/index .* or match/);
    expect(refused({ action: 'update', index: 1 })).toMatch(/names nothing to change/);
    expect(refused({ action: 'delete', index: 0 })).toMatch(/invalid_payload/);
    expect(refused({ action: 'delete', match: { time: '06:30' } })).toMatch(/match needs days/);
    expect(
      refused({
        action: 'add',
        days: ['monday'],
        time: '06:00',
        mode: 'heat_pump',
        temperature: 120,
        extra: 1,
      }),
    ).toMatch(/invalid_payload/);
    expect(
      refused({
        action: 'add',
        expected_hash: 'nothex',
        days: ['monday'],
        time: '06:00',
        mode: 'heat_pump',
        temperature: 120,
      }),
    ).toMatch(/expected_hash/);
    expect(refused(Buffer.alloc(9_000, 0x20).toString())).toMatch(/at most 8192/);
    expect(parseReservationCommand(Buffer.from([0xc3, 0x28]), fahrenheit).ok).toBe(false);
  });
});

describe('applyScheduleChange', () => {
  it('adds to the list as read, keeping the other entries and the program switch', () => {
    for (const enabled of [true, false]) {
      const result = applyScheduleChange(
        { enabled, entries: [WEEKDAYS, WEEKEND] },
        command({ action: 'add', days: ['sunday'], time: '20:00', mode: 'heat_pump', temperature: 120 }),
      );
      expect(result).toEqual({
        ok: true,
        value: {
          reservationUse: enabled ? 2 : 1,
          entries: [WEEKDAYS, WEEKEND, { enable: 2, week: 128, hour: 20, min: 0, mode: 1, param: 98 }],
        },
      });
    }
  });

  it('updates only the named fields of the named entry; deletes only it, even the last one, program kept on', () => {
    expect(applyScheduleChange(current, command({ action: 'update', index: 2, enabled: false }))).toEqual({
      ok: true,
      value: { reservationUse: 2, entries: [WEEKDAYS, { ...WEEKEND, enable: 1 }] },
    });
    expect(
      applyScheduleChange(
        current,
        command({ action: 'delete', match: { days: ['weekdays'], time: '06:30' } }),
      ),
    ).toEqual({
      ok: true,
      value: { reservationUse: 2, entries: [WEEKEND] },
    });
    expect(
      applyScheduleChange({ enabled: true, entries: [WEEKEND] }, command({ action: 'delete', index: 1 })),
    ).toEqual({
      ok: true,
      value: { reservationUse: 2, entries: [] },
    });
  });

  it('turns the program on or off only for the program switch, with the entries as they are', () => {
    const on = applyScheduleChange(
      { enabled: false, entries: [WEEKDAYS] },
      { change: { action: 'program', on: true }, expectedHash: null },
    );
    expect(on).toEqual({ ok: true, value: { reservationUse: 2, entries: [WEEKDAYS] } });
    // Even when the heater did not say: the user asked for it.
    const off = applyScheduleChange(
      { enabled: null, entries: [] },
      { change: { action: 'program', on: false }, expectedHash: null },
    );
    expect(off).toEqual({ ok: true, value: { reservationUse: 1, entries: [] } });
  });

  it('refuses a missing entry, a taken slot, a full list, a changed hash and an unknown switch state', () => {
    const refusal = (
      content: { enabled: boolean | null; entries: (typeof WEEKDAYS)[] },
      payload: unknown,
    ) => {
      const result = applyScheduleChange(content, command(payload));
      return result.ok ? 'applied' : result.code;
    };
    expect(refusal(current, { action: 'delete', index: 3 })).toBe('unknown_entry');
    expect(
      refusal(current, { action: 'update', match: { days: ['monday'], time: '06:30' }, enabled: false }),
    ).toBe('unknown_entry');
    expect(
      refusal(current, { action: 'add', week: 124, time: '06:30', mode: 'heat_pump', temperature: 120 }),
    ).toBe('conflict');
    expect(refusal(current, { action: 'update', index: 2, days: ['weekdays'], time: '06:30' })).toBe(
      'conflict',
    );
    const full = Array.from({ length: 16 }, (_, hour) => ({ ...WEEKDAYS, hour }));
    expect(
      refusal(
        { enabled: true, entries: full },
        { action: 'add', days: ['monday'], time: '20:00', mode: 'heat_pump', temperature: 120 },
      ),
    ).toBe('out_of_range');
    expect(
      refusal(current, {
        action: 'replace',
        replace_all: true,
        entries: [
          { days: ['monday'], time: '06:00', mode: 'heat_pump', temperature: 120 },
          { week: 64, time: '06:00', mode: 'electric', temperature: 120 },
        ],
      }),
    ).toBe('conflict');
    expect(refusal({ enabled: null, entries: [WEEKDAYS] }, { action: 'delete', index: 1 })).toBe(
      'schedule_unknown',
    );
    const hash = reservationHash(true, [WEEKDAYS, WEEKEND]);
    expect(refusal(current, { action: 'delete', index: 1, expected_hash: hash })).toBe('applied');
    expect(
      refusal({ enabled: true, entries: [WEEKDAYS] }, { action: 'delete', index: 1, expected_hash: hash }),
    ).toBe('conflict');
  });
});

describe('how entries read', () => {
  it('describes slots and changes in a few words', () => {
    expect(formatSlot(WEEKDAYS)).toBe('Mon–Fri 06:30');
    expect(formatSlot(WEEKEND)).toBe('Sun Sat 08:00');
    expect(formatSlot({ week: 254, hour: 5, min: 0 })).toBe('every day 05:00');
    expect(describeChange(command({ action: 'delete', index: 2 }).change)).toBe('delete entry 2');
    expect(describeChange({ action: 'program', on: false })).toBe('program off');
  });

  it('lists an entry with readable fields in the heater unit and the raw ones beside them', () => {
    expect(entryAttributes(WEEKDAYS, 1, 'F')).toEqual({
      index: 1,
      enabled: true,
      days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      time: '06:30',
      mode: 'high_demand',
      temperature: 140,
      raw: WEEKDAYS,
    });
    expect(entryAttributes({ ...WEEKEND, param: 97, mode: 9 }, 2, 'C')).toMatchObject({
      mode: 'mode_9',
      temperature: 48.5,
    });
  });
});
