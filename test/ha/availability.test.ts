// The availability policy on a virtual clock: offline at once unless the link dropped while the
// heater's data was fresh, then online for the grace period, and each change published once.

import { describe, expect, it } from 'vitest';
import { AvailabilityPolicy } from '../../src/ha/availability.js';
import { ManualClock } from '../../src/util/clock.js';

const MAC = '04786332fca0';

function policy(graceMs: number) {
  const clock = new ManualClock();
  let linkUp = true;
  const published: Array<[string, boolean]> = [];
  const p = new AvailabilityPolicy({
    graceMs,
    clock,
    linkUp: () => linkUp,
    publish: (mac, online) => published.push([mac, online]),
  });
  return {
    p,
    clock,
    published,
    drop: () => {
      linkUp = false;
    },
    recover: () => {
      linkUp = true;
    },
  };
}

describe('AvailabilityPolicy', () => {
  it('publishes the first word and every change once', () => {
    const { p, published } = policy(120_000);
    p.update(MAC, false);
    p.update(MAC, false);
    p.update(MAC, true);
    p.update(MAC, true);
    expect(published).toEqual([
      [MAC, false],
      [MAC, true],
    ]);
  });

  it('holds a heater online through a link drop for the grace period, and no longer', () => {
    const { p, clock, published, drop } = policy(120_000);
    p.update(MAC, true);
    drop();
    p.update(MAC, false);
    expect(p.inGrace(MAC)).toBe(true);
    clock.advance(119_999);
    expect(published).toEqual([[MAC, true]]);
    clock.advance(1);
    expect(published).toEqual([
      [MAC, true],
      [MAC, false],
    ]);
    expect(p.inGrace(MAC)).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('shows nothing of a drop that recovers within the grace period', () => {
    const { p, clock, published, drop, recover } = policy(120_000);
    p.update(MAC, true);
    drop();
    p.update(MAC, false);
    clock.advance(400);
    recover();
    p.update(MAC, true);
    clock.advance(600_000);
    expect(published).toEqual([[MAC, true]]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('does not hold a heater whose data went stale with the link up, or one that was offline already', () => {
    const stale = policy(120_000);
    stale.p.update(MAC, true);
    stale.p.update(MAC, false);
    expect(stale.published).toEqual([
      [MAC, true],
      [MAC, false],
    ]);
    const offline = policy(120_000);
    offline.p.update(MAC, false);
    offline.drop();
    offline.p.update(MAC, false);
    expect(offline.p.inGrace(MAC)).toBe(false);
  });

  it('with a grace of 0, marks the heater offline at the drop', () => {
    const { p, published, drop } = policy(0);
    p.update(MAC, true);
    drop();
    p.update(MAC, false);
    expect(published).toEqual([
      [MAC, true],
      [MAC, false],
    ]);
  });

  it('a second drop during the grace period does not extend it', () => {
    const { p, clock, published, drop } = policy(10_000);
    p.update(MAC, true);
    drop();
    p.update(MAC, false);
    clock.advance(6_000);
    p.update(MAC, false);
    clock.advance(4_000);
    expect(published.at(-1)).toEqual([MAC, false]);
  });

  it('leaves no timer behind when a heater is forgotten or the policy stops', () => {
    const { p, clock, drop } = policy(10_000);
    p.update(MAC, true);
    p.update('aabbccddeeff', true);
    drop();
    p.update(MAC, false);
    p.update('aabbccddeeff', false);
    p.forget(MAC);
    expect(clock.pendingTimers()).toBe(1);
    p.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
