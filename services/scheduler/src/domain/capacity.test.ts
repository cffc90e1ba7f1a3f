import { describe, expect, it } from 'vitest';
import { CapacityIndex, type Resources } from './capacity.js';

const blade = (rack: number, n: number) => `r/z1/rack${rack}/blade/${n}`;
const cap = (cores: number, memoryGib = 64): Resources => ({
  cores,
  memoryGib,
  diskGib: 500,
  networkGbps: 10,
});

/** A blade defined, in service and observed healthy. */
function ready(index: CapacityIndex, path: string, capacity: Resources): void {
  index.define(path, capacity);
  index.setTarget(path, { inService: true });
  index.setHealth(path, { healthy: true });
}

const order = (index: CapacityIndex, o: 'most_free' | 'least_free', min: number) =>
  [...index.slots(o, min)].map((s) => `${s.blade}:${s.freeCores}`);

describe('the capacity index', () => {
  it('gives eligible blades best-first for either strategy, ties in path order', () => {
    const index = new CapacityIndex();
    ready(index, blade(2, 0), cap(16));
    ready(index, blade(1, 1), cap(32));
    ready(index, blade(1, 0), cap(16));
    ready(index, blade(1, 2), cap(8));
    expect(order(index, 'most_free', 10)).toEqual([
      'r/z1/rack1/blade/1:32',
      'r/z1/rack1/blade/0:16',
      'r/z1/rack2/blade/0:16',
    ]);
    expect(order(index, 'least_free', 10)).toEqual([
      'r/z1/rack1/blade/0:16',
      'r/z1/rack2/blade/0:16',
      'r/z1/rack1/blade/1:32',
    ]);
  });

  it('counts blades lacking cores from its tree, and moves a blade as placements take and free cores', () => {
    const index = new CapacityIndex();
    for (let i = 0; i < 10; i++) ready(index, blade(1, i), cap(8));
    ready(index, blade(2, 0), cap(100));
    expect(index.countLackingCores(9)).toBe(10);
    expect(index.countLackingCores(8)).toBe(0);
    index.reserve(blade(2, 0), cap(95, 1));
    expect(index.free(blade(2, 0))).toMatchObject({ cores: 5, memoryGib: 63 });
    expect(index.countLackingCores(8)).toBe(1);
    expect(order(index, 'least_free', 0)[0]).toBe('r/z1/rack2/blade/0:5');
    index.release(blade(2, 0), cap(95, 1));
    expect(index.countLackingCores(8)).toBe(0);
    expect(index.free(blade(2, 0))).toEqual(cap(100));
    expect(index.eligibleCount).toBe(11);
  });

  it('sets aside blades out of service, draining or not observed healthy, counted by why', () => {
    const index = new CapacityIndex();
    for (let i = 0; i < 5; i++) ready(index, blade(1, i), cap(8));
    index.setTarget(blade(1, 0), { inService: false, words: 'out for repair' });
    index.setTarget(blade(1, 1), { inService: false, words: 'draining' });
    index.setHealth(blade(1, 2), { healthy: false, words: 'failed' });
    index.setHealth(blade(1, 3), undefined);
    index.define(blade(9, 0), cap(8));
    expect(index.ineligibleCounts()).toEqual(
      new Map([
        [
          'not_in_service',
          new Map([
            ['draining', 1],
            ['out for repair', 1],
            ['without a target', 1],
          ]),
        ],
        [
          'observed_unhealthy',
          new Map([
            ['failed', 1],
            ['not observed yet', 1],
          ]),
        ],
      ]),
    );
    expect(order(index, 'most_free', 0)).toEqual(['r/z1/rack1/blade/4:8']);
    // Back in service and healthy: eligible again; undefined: gone.
    index.setTarget(blade(1, 0), { inService: true });
    index.setHealth(blade(1, 2), { healthy: true });
    index.define(blade(9, 0), undefined);
    expect(order(index, 'most_free', 0)).toEqual([
      'r/z1/rack1/blade/0:8',
      'r/z1/rack1/blade/2:8',
      'r/z1/rack1/blade/4:8',
    ]);
  });

  it('keeps the capacity placements took on a blade that is redefined', () => {
    const index = new CapacityIndex();
    index.reserve(blade(1, 0), cap(4, 4));
    ready(index, blade(1, 0), cap(16));
    expect(index.free(blade(1, 0))).toMatchObject({ cores: 12, memoryGib: 60 });
    expect(order(index, 'most_free', 0)).toEqual(['r/z1/rack1/blade/0:12']);
  });

  it('passes over the rest of a rack in a bucket, counting what it passed', () => {
    const index = new CapacityIndex();
    for (let rack = 1; rack <= 3; rack++)
      for (let n = 0; n < 4; n++) ready(index, blade(rack, n), cap(8));
    index.reserve(blade(1, 2), cap(8));
    const cursor = index.cursor('most_free', 0);
    expect(cursor.next()?.blade).toBe(blade(1, 0));
    // rack1/blade/1 and rack1/blade/3 (blade/2 is full, in another bucket).
    expect(cursor.skip('r/z1/rack1/')).toBe(2);
    expect(cursor.next()?.blade).toBe(blade(2, 0));
    expect(cursor.skip('r/z1/rack2/')).toBe(3);
    expect(cursor.next()?.blade).toBe(blade(3, 0));
  });

  it('keeps every bucket in path order through any sequence of placements and releases', () => {
    const index = new CapacityIndex();
    const paths: string[] = [];
    for (let rack = 0; rack < 30; rack++)
      for (let n = 0; n < 100; n++) {
        paths.push(blade(rack, n));
        ready(index, blade(rack, n), cap(4));
      }
    // A fixed pseudo-random walk (a linear congruential generator).
    let x = 12345;
    const draw = (k: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % k;
    };
    const used = new Map<string, number>();
    for (let step = 0; step < 20_000; step++) {
      const path = paths[draw(paths.length)]!;
      const taken = used.get(path) ?? 0;
      if (taken < 4 && draw(2) === 0) {
        index.reserve(path, cap(1, 0));
        used.set(path, taken + 1);
      } else if (taken > 0) {
        index.release(path, cap(1, 0));
        used.set(path, taken - 1);
      }
    }
    const expected = [...paths]
      .sort()
      .map((p) => ({ p, free: 4 - (used.get(p) ?? 0) }))
      .sort((a, b) => b.free - a.free)
      .map(({ p, free }) => `${p}:${free}`);
    expect(order(index, 'most_free', 0)).toEqual(expected);
    expect(index.countLackingCores(4)).toBe(paths.filter((p) => (used.get(p) ?? 0) > 0).length);
  });
});
