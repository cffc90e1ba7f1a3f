import { describe, expect, it } from 'vitest';
import { CapacityIndex, type Resources } from './capacity.js';
import { decidePlacement, type PlacementOptions, type PlacementRequest } from './placement.js';
import { WorkloadSpread } from './spread.js';

const blade = (rack: number, n: number, zone = 1) => `r/z${zone}/rack${rack}/blade/${n}`;
const res = (cores: number, memoryGib = 8, diskGib = 10, networkGbps = 0): Resources => ({
  cores,
  memoryGib,
  diskGib,
  networkGbps,
});

function ready(index: CapacityIndex, path: string, capacity: Resources): void {
  index.define(path, capacity);
  index.setTarget(path, { inService: true });
  index.setHealth(path, { healthy: true });
}

const spreadOptions: PlacementOptions = { strategy: 'spread', candidatesShown: 3, weakWeight: 8 };
const binPack: PlacementOptions = { ...spreadOptions, strategy: 'bin_pack' };
const request = (over: Partial<PlacementRequest> = {}): PlacementRequest => ({
  workload: 'web',
  demand: res(4),
  rule: 'none',
  level: 'blade',
  ...over,
});

/** Places `count` instances one after the other, reserving each, as the reactor does. */
function placeMany(
  index: CapacityIndex,
  spread: WorkloadSpread,
  req: PlacementRequest,
  options: PlacementOptions,
  count: number,
): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const { blade: chosen } = decidePlacement(index, spread, req, options, 1);
    out.push(chosen);
    if (chosen !== undefined) {
      index.reserve(chosen, req.demand);
      spread.add(req.workload, chosen, 1);
    }
  }
  return out;
}

describe('a placement decision', () => {
  it('spreads onto the emptiest blade and bin-packs onto the fullest that fits', () => {
    const index = new CapacityIndex();
    ready(index, blade(1, 0), res(32, 64, 100));
    ready(index, blade(1, 1), res(8, 64, 100));
    ready(index, blade(1, 2), res(2, 64, 100));
    const spread = new WorkloadSpread();
    const a = decidePlacement(index, spread, request(), spreadOptions, 7);
    const b = decidePlacement(index, spread, request(), binPack, 7);
    expect(a.blade).toBe(blade(1, 0));
    expect(b.blade).toBe(blade(1, 1));
    expect(a.explanation.candidates).toEqual([
      { blade: blade(1, 0), score: 28, components: [{ name: 'spread', value: 28 }] },
      { blade: blade(1, 1), score: 4, components: [{ name: 'spread', value: 4 }] },
    ]);
    expect(b.explanation.candidates.map((c) => [c.blade, c.score])).toEqual([
      [blade(1, 1), -4],
      [blade(1, 0), -28],
    ]);
    expect(a.explanation).toMatchObject({
      tick: 7,
      blade: blade(1, 0),
      filtered: [{ filter: 'cores', blades: 1, reason: '1 blade lacks 4 free cores' }],
      summary:
        'placed on r/z1/rack1/blade/0 by spread, the best of 2 blades examined; 1 blade lacks 4 free cores',
    });
  });

  it('breaks ties by blade path', () => {
    const index = new CapacityIndex();
    for (const path of [blade(3, 0), blade(1, 5), blade(2, 0)]) ready(index, path, res(16));
    const spread = new WorkloadSpread();
    expect(decidePlacement(index, spread, request(), spreadOptions, 1).blade).toBe(blade(1, 5));
    expect(decidePlacement(index, spread, request(), binPack, 1).blade).toBe(blade(1, 5));
  });

  it('counts every filter, each with its sentence, with thousands separators', () => {
    const index = new CapacityIndex();
    for (let i = 0; i < 1204; i++) ready(index, blade(1 + Math.floor(i / 100), i % 100), res(2));
    ready(index, blade(20, 0), res(16, 1));
    ready(index, blade(20, 1), res(16, 64, 1));
    ready(index, blade(20, 2), res(16, 64, 100, 1));
    for (let i = 0; i < 3; i++) {
      ready(index, blade(21, i), res(16, 64, 100, 100));
      index.setHealth(blade(21, i), { healthy: false, words: 'failed' });
    }
    ready(index, blade(22, 0), res(16, 64, 100, 100));
    index.setTarget(blade(22, 0), { inService: false, words: 'draining' });
    ready(index, blade(22, 1), res(16, 64, 100, 100));
    index.setTarget(blade(22, 1), { inService: false, words: 'out for repair' });
    const out = decidePlacement(
      index,
      new WorkloadSpread(),
      request({ demand: res(8, 16, 20, 10) }),
      spreadOptions,
      3,
    );
    expect(out.blade).toBeUndefined();
    expect(out.explanation.blade).toBe('');
    expect(out.explanation.filtered).toEqual([
      {
        filter: 'not_in_service',
        blades: 2,
        reason: '2 blades not in service (1 draining, 1 out for repair)',
      },
      { filter: 'observed_unhealthy', blades: 3, reason: '3 blades observed failed' },
      { filter: 'cores', blades: 1204, reason: '1,204 blades lack 8 free cores' },
      { filter: 'memory', blades: 1, reason: '1 blade lacks 16 GiB of free memory' },
      { filter: 'disk', blades: 1, reason: '1 blade lacks 20 GiB of free disk' },
      { filter: 'network', blades: 1, reason: '1 blade lacks 10 Gbps of free network' },
    ]);
    expect(out.explanation.summary).toBe(
      'no blade fits 8 cores, 16 GiB memory, 20 GiB disk, 10 Gbps network by spread: ' +
        '2 blades not in service (1 draining, 1 out for repair); 3 blades observed failed; ' +
        '1,204 blades lack 8 free cores; 1 blade lacks 16 GiB of free memory; ' +
        '1 blade lacks 20 GiB of free disk; 1 blade lacks 10 Gbps of free network',
    );
    // Only the three blades with enough cores were looked at.
    expect(out.examined).toBe(3);
  });

  it('never puts two instances of a strong anti-affinity by rack in one rack', () => {
    const index = new CapacityIndex();
    for (let rack = 1; rack <= 4; rack++)
      for (let n = 0; n < 5; n++) ready(index, blade(rack, n), res(64, 256, 1000));
    const spread = new WorkloadSpread();
    const req = request({ rule: 'strong_anti_affinity', level: 'rack' });
    const placed = placeMany(index, spread, req, binPack, 5);
    expect(placed.slice(0, 4).map((p) => p?.slice(0, 'r/z1/rackN'.length))).toEqual([
      'r/z1/rack1',
      'r/z1/rack2',
      'r/z1/rack3',
      'r/z1/rack4',
    ]);
    expect(placed[4]).toBeUndefined();
    const fifth = decidePlacement(index, spread, req, binPack, 1);
    expect(fifth.explanation.filtered).toEqual([
      {
        filter: 'anti_affinity',
        blades: 20,
        reason: '20 blades would break strong anti-affinity by rack',
      },
    ]);
  });

  it('keeps a strong affinity in the zone of the instances already placed', () => {
    const index = new CapacityIndex();
    ready(index, blade(1, 0, 1), res(8, 64, 100));
    ready(index, blade(1, 0, 2), res(64, 64, 100));
    const spread = new WorkloadSpread();
    const req = request({ rule: 'strong_affinity', level: 'zone' });
    // The first instance goes where spread says; the others follow it.
    expect(placeMany(index, spread, req, spreadOptions, 3)).toEqual([
      blade(1, 0, 2),
      blade(1, 0, 2),
      blade(1, 0, 2),
    ]);
    spread.add('web', blade(1, 0, 2), -1);
    spread.add('web', blade(1, 0, 2), -1);
    spread.add('web', blade(1, 0, 2), -1);
    spread.add('web', blade(1, 0, 1), 1);
    const out = decidePlacement(index, spread, req, spreadOptions, 1);
    expect(out.blade).toBe(blade(1, 0, 1));
    expect(out.explanation.filtered).toEqual([
      { filter: 'affinity', blades: 1, reason: '1 blade would break strong affinity by zone' },
    ]);
  });

  it('looks only at the blade of a strong affinity by blade, and counts the others from the index', () => {
    const index = new CapacityIndex();
    for (let rack = 1; rack <= 20; rack++)
      for (let n = 0; n < 20; n++) ready(index, blade(rack, n), res(64, 256, 1000));
    const spread = new WorkloadSpread();
    const req = request({ rule: 'strong_affinity', level: 'blade' });
    index.reserve(blade(1, 1), req.demand);
    spread.add('web', blade(1, 1), 1);
    // rack1/blade/10 to 19 start like rack1/blade/1, and have more free cores: not taken.
    const next = decidePlacement(index, spread, req, spreadOptions, 2);
    expect(next.blade).toBe(blade(1, 1));
    expect(next.examined).toBe(1);
    expect(next.explanation.filtered).toEqual([
      {
        filter: 'affinity',
        blades: 399,
        reason: '399 blades would break strong affinity by blade',
      },
    ]);
  });

  it('keeps path order across the racks of a strong affinity, whatever their names', () => {
    const index = new CapacityIndex();
    for (const rack of ['r/z1/rack1', 'r/z1/rack1-a'])
      for (const n of [0, 1]) ready(index, `${rack}/blade/${n}`, res(16, 64, 100));
    const spread = new WorkloadSpread();
    spread.add('web', 'r/z1/rack1/blade/0', 1);
    spread.add('web', 'r/z1/rack1-a/blade/0', 1);
    const out = decidePlacement(
      index,
      spread,
      request({ rule: 'strong_affinity', level: 'rack' }),
      { ...spreadOptions, candidatesShown: 1 },
      1,
    );
    expect(out.blade).toBe('r/z1/rack1-a/blade/0');
  });

  it('lets weak rules change the score, never the eligibility', () => {
    const index = new CapacityIndex();
    ready(index, blade(1, 0), res(20));
    ready(index, blade(2, 0), res(16));
    const spread = new WorkloadSpread();
    spread.add('web', blade(2, 0), 1);
    // Weak affinity: rack2 has 4 free cores less, but 8 points of affinity.
    const near = decidePlacement(
      index,
      spread,
      request({ rule: 'weak_affinity', level: 'rack' }),
      spreadOptions,
      1,
    );
    expect(near.blade).toBe(blade(2, 0));
    expect(near.explanation.candidates).toEqual([
      {
        blade: blade(2, 0),
        score: 20,
        components: [
          { name: 'spread', value: 12 },
          { name: 'affinity', value: 8 },
        ],
      },
      {
        blade: blade(1, 0),
        score: 16,
        components: [
          { name: 'spread', value: 16 },
          { name: 'affinity', value: 0 },
        ],
      },
    ]);
    // Weak anti-affinity: the other rack; with the other rack full, still rack2.
    const apart = request({ rule: 'weak_anti_affinity', level: 'rack' });
    expect(decidePlacement(index, spread, apart, binPack, 1).blade).toBe(blade(1, 0));
    index.reserve(blade(1, 0), res(20));
    const only = decidePlacement(index, spread, apart, binPack, 1);
    expect(only.blade).toBe(blade(2, 0));
    expect(only.explanation.filtered.map((f) => f.filter)).toEqual(['cores']);
  });

  it('stops examining once enough candidates pass and none after could beat them', () => {
    const index = new CapacityIndex();
    for (let i = 0; i < 1000; i++) ready(index, blade(1 + (i % 50), Math.floor(i / 50)), res(16));
    const out = decidePlacement(index, new WorkloadSpread(), request(), spreadOptions, 1);
    expect(out.examined).toBe(3);
    expect(out.explanation.candidates).toHaveLength(3);
    expect(out.blade).toBe(blade(1, 0));
  });

  it('passes over the rest of a rack that a weak anti-affinity puts below the candidates', () => {
    // 50 racks of 40 blades, the workload in every rack but rack50: the
    // candidates are rack50's, found without examining each blade of the others.
    const index = new CapacityIndex();
    const spread = new WorkloadSpread();
    for (let r = 1; r <= 50; r++) for (let n = 0; n < 40; n++) ready(index, blade(r, n), res(16));
    for (let r = 1; r < 50; r++) spread.add('web', blade(r, 0), 1);
    const out = decidePlacement(
      index,
      spread,
      request({ rule: 'weak_anti_affinity', level: 'rack' }),
      spreadOptions,
      1,
    );
    const rack50 = Array.from({ length: 40 }, (_, n) => blade(50, n)).sort();
    expect(out.blade).toBe(rack50[0]);
    expect(out.explanation.candidates.map((c) => [c.blade, c.score])).toEqual(
      rack50.slice(0, 3).map((b) => [b, 12]),
    );
    // rack1's first three blades, then one blade of each of the 45 racks that
    // sort before rack50 (rack1's fourth), then rack50's three: not the
    // 1,800 blades of those racks.
    expect(out.examined).toBe(3 + 45 + 3);
  });

  it('says so when no blade is defined', () => {
    const out = decidePlacement(
      new CapacityIndex(),
      new WorkloadSpread(),
      request(),
      spreadOptions,
      1,
    );
    expect(out.explanation.summary).toBe(
      'no blade fits 4 cores, 8 GiB memory, 10 GiB disk: no blade is defined',
    );
  });
});
