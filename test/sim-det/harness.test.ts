// Tests of the simulation harness itself: the virtual clock, the PRNG, that a seed replays to the
// identical trace, and that deliberately broken parts are caught by the invariants.

import { describe, expect, it, vi } from 'vitest';
import { Prng } from './prng.js';
import { runSeed } from './run.js';
import { SimScheduler } from './scheduler.js';
import { topicMatches } from './scriptedCloud.js';

vi.mock('../../src/util/jsonStore.js', async () => {
  const mem = await import('./memStore.js');
  return { JsonStore: mem.MemJsonStore };
});

/** The longest stretch the trace shows one link trying to connect. */
function longestOutageMs(trace: readonly string[]): number {
  let downAt: number | null = null;
  let longest = 0;
  for (const line of trace) {
    const match = /t=([\d.]+)s link (\w+)$/.exec(line);
    if (!match) continue;
    const t = Number(match[1]) * 1000;
    if (match[2] === 'connected' || match[2] === 'stopped') {
      // A restart stops the link: the next one's outage starts afresh, as health sees it.
      if (downAt !== null) longest = Math.max(longest, t - downAt);
      downAt = null;
    } else downAt ??= t;
  }
  return longest;
}

describe('virtual clock', () => {
  it('fires timers in time order, then creation order, with promise reactions between them', async () => {
    const sched = new SimScheduler(1_000_000);
    const clock = sched.clockFor('test');
    const seen: string[] = [];
    clock.setTimeout(() => seen.push('b@20'), 20);
    clock.setTimeout(() => {
      seen.push('a@10');
      void Promise.resolve().then(() => seen.push('reaction of a'));
      clock.setTimeout(() => seen.push('c@15 (set by a)'), 5);
    }, 10);
    clock.setTimeout(() => seen.push('b2@20'), 20);
    const cleared = clock.setTimeout(() => seen.push('never'), 5);
    clock.clearTimeout(cleared);
    expect(sched.pending('test')).toBe(3);
    await sched.advance(19);
    expect(seen).toEqual(['a@10', 'reaction of a', 'c@15 (set by a)']);
    expect(clock.monotonic()).toBe(19);
    expect(clock.now()).toBe(1_000_019);
    await sched.advance(1);
    expect(seen.slice(3)).toEqual(['b@20', 'b2@20']);
    expect(sched.pending()).toBe(0);
  });

  it('moves the wall clock alone on a jump; monotonic time never jumps', async () => {
    const sched = new SimScheduler(5_000);
    const clock = sched.clockFor('test');
    let firedAt = -1;
    clock.setTimeout(() => {
      firedAt = clock.monotonic();
    }, 100);
    sched.jumpWall(-3_600_000);
    expect(clock.now()).toBe(5_000 - 3_600_000);
    expect(clock.monotonic()).toBe(0);
    await sched.advance(100);
    expect(firedAt).toBe(100);
  });

  it('reports a timer callback that throws and a delay that is not a number', async () => {
    const sched = new SimScheduler();
    const clock = sched.clockFor('buggy');
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 1);
    clock.setTimeout(() => undefined, Number.NaN);
    await sched.advance(5);
    expect(sched.faults.join('\n')).toMatch(/buggy set a timer with delay NaN/);
    expect(sched.faults.join('\n')).toMatch(/a timer of buggy threw: Error: boom/);
  });
});

describe('PRNG', () => {
  it('gives the same stream for the same seed and a different one for another', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const draw = (p: Prng) => Array.from({ length: 20 }, () => p.int(0, 1_000_000));
    const fromA = draw(a);
    expect(draw(b)).toEqual(fromA);
    expect(draw(c)).not.toEqual(fromA);
    expect(new Prng(42).fork(1).next()).toBe(new Prng(42).fork(1).next());
    expect(new Prng(42).fork(1).next()).not.toBe(new Prng(42).fork(2).next());
  });

  it('stays in range and honours weights', () => {
    const p = new Prng(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) {
      const n = p.int(3, 5);
      expect(n >= 3 && n <= 5).toBe(true);
      counts[p.weighted({ a: 9, b: 1 })]++;
    }
    expect(counts.a).toBeGreaterThan(8_500);
    expect(counts.b).toBeGreaterThan(500);
  });
});

describe('scripted cloud', () => {
  it('matches MQTT topic filters', () => {
    expect(topicMatches('cmd/52/navilink-abc/#', 'cmd/52/navilink-abc/st')).toBe(true);
    expect(topicMatches('cmd/52/navilink-abc/#', 'cmd/52/navilink-abd/st')).toBe(false);
    expect(topicMatches('cmd/+/x', 'cmd/52/x')).toBe(true);
    expect(topicMatches('cmd/+/x', 'cmd/52/x/y')).toBe(false);
  });
});

describe('simulation runs', () => {
  it('replays a seed to the identical trace, and another seed differs', async () => {
    const first = await runSeed(11);
    const again = await runSeed(11);
    const other = await runSeed(12);
    expect(first.trace.length).toBeGreaterThan(50);
    expect(again.trace).toEqual(first.trace);
    expect(again.violation).toEqual(first.violation);
    expect(other.trace).not.toEqual(first.trace);
  });

  it('exercises what it claims: faults, reconnects and commands happen', async () => {
    let connections = 0;
    let commands = 0;
    const kinds = new Set<string>();
    for (let seed = 1; seed <= 10; seed++) {
      const result = await runSeed(seed);
      connections += result.connections;
      commands += result.acceptedCommands;
      for (const line of result.trace) {
        for (const k of [
          'blackhole',
          'PUBACK lost',
          'connect hangs',
          'hangs forever',
          'wall clock jumps',
          'device list answers',
          'missing from the device list',
          'REST sign-in',
        ]) {
          if (line.includes(k)) kinds.add(k);
        }
      }
    }
    expect(connections).toBeGreaterThan(50);
    expect(commands).toBeGreaterThan(60);
    expect([...kinds].sort()).toEqual(
      [
        'PUBACK lost',
        'REST sign-in',
        'blackhole',
        'connect hangs',
        'device list answers',
        'hangs forever',
        'missing from the device list',
        'wall clock jumps',
      ].sort(),
    );
  });

  it('catches a health verdict that ignores a long outage', async () => {
    // Seeds with an outage longer than unhealthy_after_secs that the code under test passes.
    const outageSeeds: number[] = [];
    for (let seed = 1; outageSeeds.length < 2 && seed <= 200; seed++) {
      const result = await runSeed(seed);
      if (result.ok && longestOutageMs(result.trace) > 601_000) outageSeeds.push(seed);
    }
    expect(outageSeeds.length).toBe(2);
    for (const seed of outageSeeds) {
      const result = await runSeed(seed, { sabotage: 'health-always-ok' });
      expect(result.violation?.invariant, `seed ${seed}`).toBe('health matches the state');
    }
  }, 60_000);

  // Seeds the code under test passes as it is: there, a sabotaged part must be what breaks.
  async function healthySeeds(count: number): Promise<number[]> {
    const seeds: number[] = [];
    for (let seed = 1; seeds.length < count && seed <= 200; seed++)
      if ((await runSeed(seed, { steps: 25 })).ok) seeds.push(seed);
    return seeds;
  }

  it.each([
    ['lose-commands', ['no command lost without a counter']],
    ['timers-never-fire', ['the engine is connected or has a timer pending', 'reconnected when quiet']],
    ['leak-timers', ['no timer leak']],
  ] as const)(
    'catches a deliberately broken part: %s',
    async (sabotage, expected) => {
      const seeds = await healthySeeds(3);
      expect(seeds.length).toBe(3);
      for (const seed of seeds) {
        const result = await runSeed(seed, { steps: 25, sabotage });
        expect(result.violation?.invariant, `seed ${seed}`).toBeOneOf([...expected]);
      }
    },
    60_000,
  );
});
