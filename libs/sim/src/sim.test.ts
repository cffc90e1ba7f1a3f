import { Code } from '@chamber/errors';
import { describe, expect, it } from 'vitest';
import { randomStream, TimerWheel } from './index.js';

describe('randomStream', () => {
  it('gives the same draws for the same seed, entity, tick and purpose', () => {
    const a = randomStream(42, 'r1/b7', 100, 'boot');
    const b = randomStream(42, 'r1/b7', 100, 'boot');
    const draws = (s: ReturnType<typeof randomStream>) => [
      s.float(),
      s.int(1, 6),
      s.exponential(10),
      s.pick(['x', 'y', 'z']),
    ];
    expect(draws(a)).toEqual(draws(b));
  });

  it('gives independent streams when any part differs', () => {
    const first = (seed: number, entity: string, tick: number, purpose: string) =>
      randomStream(seed, entity, tick, purpose).float();
    const base = first(42, 'r1/b7', 100, 'boot');
    expect(first(43, 'r1/b7', 100, 'boot')).not.toBe(base);
    expect(first(42, 'r1/b8', 100, 'boot')).not.toBe(base);
    expect(first(42, 'r1/b7', 101, 'boot')).not.toBe(base);
    expect(first(42, 'r1/b7', 100, 'fault')).not.toBe(base);
  });

  it('draws within range with a plausible spread', () => {
    const s = randomStream(1, 'e', 0, 'p');
    const n = 20_000;
    let sum = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const v = s.int(1, 6);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(6);
      sum += s.exponential(5);
      if (s.chance(0.25)) hits++;
    }
    expect(sum / n).toBeGreaterThan(4.5);
    expect(sum / n).toBeLessThan(5.5);
    expect(hits / n).toBeGreaterThan(0.22);
    expect(hits / n).toBeLessThan(0.28);
  });

  it('refuses bad arguments', () => {
    const s = randomStream(1, 'e', 0, 'p');
    expect(() => s.chance(1.5)).toThrow(expect.objectContaining({ code: Code.InvalidArgument }));
    expect(() => s.int(5, 1)).toThrow(/min <= max/);
    expect(() => s.exponential(0)).toThrow(/above 0/);
    expect(() => s.pick([])).toThrow(/no items/);
  });
});

describe('TimerWheel', () => {
  it('returns keys due by tick, then key, and moves rescheduled keys', () => {
    const w = new TimerWheel();
    w.schedule(10, 'b');
    w.schedule(5, 'z');
    w.schedule(10, 'a');
    w.schedule(7, 'c');
    w.schedule(20, 'c');
    expect(w.next()).toBe(5);
    expect(w.tickOf('c')).toBe(20);
    expect(w.takeDue(4)).toEqual([]);
    expect(w.takeDue(10)).toEqual(['z', 'a', 'b']);
    expect(w.size).toBe(1);
    expect(w.next()).toBe(20);
  });

  it('forgets cancelled keys, including a tick left empty', () => {
    const w = new TimerWheel();
    w.schedule(3, 'x');
    w.schedule(9, 'y');
    expect(w.cancel('x')).toBe(true);
    expect(w.cancel('x')).toBe(false);
    expect(w.next()).toBe(9);
    expect(w.has('x')).toBe(false);
    expect(w.takeDue(100)).toEqual(['y']);
    expect(w.next()).toBeUndefined();
  });
});
