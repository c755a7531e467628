import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/diagnostics/ringBuffer.js';

describe('RingBuffer', () => {
  it('keeps the newest items in order and hands back the one it evicts', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.push(1)).toBeUndefined();
    ring.push(2);
    ring.push(3);
    expect(ring.push(4)).toBe(1);
    expect(ring.push(5)).toBe(2);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect([...ring]).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.at(0)).toBe(3);
    expect(ring.at(3)).toBeUndefined();
    expect(ring.newest()).toBe(5);
    expect(ring.last(2)).toEqual([4, 5]);
    expect(ring.last(10)).toEqual([3, 4, 5]);
    expect(ring.last(0)).toEqual([]);
  });

  it('empties on clear and refuses a capacity that is not a positive integer', () => {
    const ring = new RingBuffer<string>(2);
    ring.push('a');
    ring.clear();
    expect(ring.toArray()).toEqual([]);
    expect(ring.newest()).toBeUndefined();
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it('evicts in constant time: a full buffer of 100 000 pushes as fast as one of 10', () => {
    const time = (capacity: number): number => {
      const ring = new RingBuffer<number>(capacity);
      for (let i = 0; i < capacity; i++) ring.push(i);
      const started = performance.now();
      for (let i = 0; i < 300_000; i++) ring.push(i);
      return performance.now() - started;
    };
    time(10); // warm up the JIT
    const small = Math.min(time(10), time(10));
    const large = Math.min(time(100_000), time(100_000));
    // An O(n) shift per eviction would make the large buffer ~10 000× slower.
    expect(large).toBeLessThan(small * 10 + 20);
  });
});
