// The schedule keeper on a virtual clock, against a cloud stand-in: one job at a time, a fresh read
// before every write, a read-back after it, and a deadline on every wait.

import { afterEach, describe, expect, it } from 'vitest';
import type { ReservationEntry, ReservationSchedule } from '../../src/device/reservations.js';
import type { ScheduleCommand } from '../../src/ha/reservationCommand.js';
import { ReservationSync } from '../../src/ha/reservationSync.js';
import { ManualClock } from '../../src/util/clock.js';
import { captureLog } from '../helpers/logCapture.js';
import { CloudDouble } from './doubles.js';

const MAC = '04786332fca0';
const WEEKDAYS: ReservationEntry = { enable: 2, week: 124, hour: 6, min: 30, mode: 4, param: 120 };
const ADDED: ReservationEntry = { enable: 2, week: 128, hour: 20, min: 0, mode: 1, param: 98 };
const ADD: ScheduleCommand = { change: { action: 'add', entry: ADDED }, expectedHash: null };

function reply(entries: ReservationEntry[], reservationUse: number | null = 2): ReservationSchedule {
  return {
    reservationUse,
    enabled: reservationUse === null ? null : reservationUse === 2,
    entries,
    problems: [],
  };
}

/** Lets promise continuations run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

let keeper: ReservationSync | undefined;

afterEach(() => keeper?.stop());

function setUp(options: { linkUp?: boolean } = {}) {
  const clock = new ManualClock();
  const cloud = new CloudDouble();
  cloud.readsSent = options.linkUp ?? true;
  const log = captureLog('debug');
  const refused: Array<[string, string]> = [];
  let changes = 0;
  keeper = new ReservationSync({
    cloud,
    clock,
    log: log.logger,
    linkUp: () => cloud.readsSent,
    onChange: () => {
      changes++;
    },
    refuse: (_mac, code, reason) => refused.push([code, reason]),
    readTimeoutMs: 1_000,
    confirmReads: 2,
    confirmDelayMs: 100,
  });
  keeper.start();
  return { clock, cloud, log, refused, changes: () => changes, keeper };
}

describe('ReservationSync', () => {
  it('reads, writes the changed list, reads it back and reports the change confirmed', async () => {
    const { cloud, clock, keeper: k, refused } = setUp();
    k.change(MAC, ADD);
    expect(cloud.reservationReads).toEqual([MAC]);
    cloud.events.emit('reservations', null, reply([WEEKDAYS]));
    await settle();
    expect(cloud.sent).toEqual([
      { mac: MAC, command: { kind: 'reservation_write', reservationUse: 2, entries: [WEEKDAYS, ADDED] } },
    ]);
    clock.advance(100);
    await settle();
    expect(cloud.reservationReads).toHaveLength(2);
    cloud.events.emit('reservations', null, reply([ADDED, WEEKDAYS]));
    await settle();
    expect(k.lastWrite(MAC)).toMatchObject({ action: 'add Sun 20:00', outcome: 'confirmed', reason: null });
    expect(k.schedule(MAC)).toMatchObject({ enabled: true, entries: [ADDED, WEEKDAYS] });
    expect(refused).toEqual([]);
    expect(clock.pendingTimers()).toBe(1); // the periodic refresh only
  });

  it('refuses without writing when the heater does not answer the read in time', async () => {
    const { cloud, clock, keeper: k, refused } = setUp();
    k.change(MAC, ADD);
    clock.advance(1_000);
    await settle();
    expect(cloud.sent).toEqual([]);
    expect(refused).toEqual([
      ['schedule_unknown', 'reservations (add Sun 20:00): the heater did not answer a read of its list'],
    ]);
    expect(k.lastWrite(MAC)?.outcome).toBe('refused');
  });

  it('refuses at once while the link is down', async () => {
    const { cloud, keeper: k, refused } = setUp({ linkUp: false });
    k.change(MAC, ADD);
    await settle();
    expect(cloud.sent).toEqual([]);
    expect(refused[0]?.[0]).toBe('offline');
  });

  it('reports a write the read-backs never show as unconfirmed, after its read-backs', async () => {
    const { cloud, clock, keeper: k, log } = setUp();
    k.change(MAC, ADD);
    cloud.events.emit('reservations', null, reply([WEEKDAYS]));
    await settle();
    for (let i = 0; i < 2; i++) {
      clock.advance(100);
      await settle();
      cloud.events.emit('reservations', null, reply([WEEKDAYS]));
      await settle();
    }
    expect(k.lastWrite(MAC)).toMatchObject({ outcome: 'unconfirmed' });
    expect(log.text()).toContain('reservation write unconfirmed');
    expect(cloud.sent).toHaveLength(1);
  });

  it('writes nothing when the change is already there, and passes a cloud refusal on uncounted', async () => {
    const { cloud, keeper: k, refused } = setUp();
    k.change(MAC, ADD);
    cloud.events.emit('reservations', null, reply([WEEKDAYS, ADDED]));
    await settle();
    expect(k.lastWrite(MAC)?.outcome).toBe('refused');
    expect(refused[0]?.[0]).toBe('conflict');
    k.change(MAC, { change: { action: 'program', on: true }, expectedHash: null });
    cloud.events.emit('reservations', null, reply([WEEKDAYS]));
    await settle();
    expect(k.lastWrite(MAC)?.outcome).toBe('unchanged');
    expect(cloud.sent).toEqual([]);
    cloud.outcome = { ok: false, code: 'unsupported', reason: 'not on this heater' };
    k.change(MAC, { change: { action: 'program', on: false }, expectedHash: null });
    cloud.events.emit('reservations', null, reply([WEEKDAYS]));
    await settle();
    expect(k.lastWrite(MAC)).toMatchObject({ outcome: 'refused', reason: 'not on this heater' });
    // The cloud counted its own refusal; the keeper did not count it again.
    expect(refused).toHaveLength(1);
  });

  it('does one job at a time: a second change waits for the first and works on its result', async () => {
    const { cloud, clock, keeper: k } = setUp();
    const second: ScheduleCommand = {
      change: { action: 'delete', target: { week: 124, hour: 6, min: 30 } },
      expectedHash: null,
    };
    k.change(MAC, ADD);
    k.change(MAC, second);
    expect(cloud.reservationReads).toHaveLength(1);
    cloud.events.emit('reservations', null, reply([WEEKDAYS]));
    await settle();
    clock.advance(100);
    await settle();
    cloud.events.emit('reservations', null, reply([WEEKDAYS, ADDED]));
    await settle();
    // The second job's own fresh read.
    expect(cloud.reservationReads).toHaveLength(3);
    cloud.events.emit('reservations', null, reply([WEEKDAYS, ADDED]));
    await settle();
    expect(cloud.sent.map((s) => s.command)).toEqual([
      { kind: 'reservation_write', reservationUse: 2, entries: [WEEKDAYS, ADDED] },
      { kind: 'reservation_write', reservationUse: 2, entries: [ADDED] },
    ]);
  });

  it('refuses a change beyond the pending bound, as busy', async () => {
    const { keeper: k, refused } = setUp();
    for (let i = 0; i < 22; i++) k.change(MAC, ADD);
    expect(refused.filter(([code]) => code === 'busy')).toHaveLength(1);
  });

  it('ignores a reply no read waits for and names no heater; keeps the list on an unreadable one', async () => {
    const { cloud, keeper: k, log } = setUp();
    cloud.events.emit('reservations', null, reply([WEEKDAYS]));
    expect(k.schedule(MAC)).toBeNull();
    expect(log.text()).toContain('no read was waiting for');
    cloud.events.emit('reservations', MAC, reply([WEEKDAYS]));
    expect(k.schedule(MAC)?.entries).toEqual([WEEKDAYS]);
    cloud.events.emit('reservations', MAC, {
      reservationUse: null,
      enabled: null,
      entries: [],
      problems: ['reservation: not a hex string'],
    });
    expect(k.schedule(MAC)?.entries).toEqual([WEEKDAYS]);
    expect(log.text()).toContain('unreadable reservation reply');
  });

  it('reads every known heater again on the refresh interval', async () => {
    const { cloud, clock, keeper: k } = setUp();
    cloud.events.emit('reservations', MAC, reply([WEEKDAYS]));
    clock.advance(30 * 60_000);
    expect(cloud.reservationReads).toEqual([MAC]);
    k.forget(MAC);
    clock.advance(30 * 60_000);
    expect(cloud.reservationReads).toEqual([MAC]);
  });

  it('ends every wait on stop, leaving no timer behind', async () => {
    const { clock, keeper: k, cloud } = setUp();
    k.change(MAC, ADD);
    k.change(MAC, ADD);
    k.stop();
    await settle();
    expect(clock.pendingTimers()).toBe(0);
    expect(cloud.sent).toEqual([]);
  });
});
