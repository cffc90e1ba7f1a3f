import {
  BladeDefinition,
  InstanceRecord,
  ObservedRecord,
  ObservedState,
  PlacementRecord,
  PlacementRule,
  TargetRecord,
  TargetState,
  UnplacedRecord,
  WorkloadRecord,
  WorkloadSpec,
  type Demand,
  type PlacementLevel,
} from '@chamber/protos';
import {
  decode,
  encode,
  memorySnapshot,
  type Codec,
  type Reaction,
  type TickInput,
} from '@chamber/reactor';
import { keys, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import type { PlacementOptions } from './placement.js';
import { SchedulerReactor } from './reactor.js';

// The scheduler's ticks with no store: a world held in memory, each
// reaction applied to it as the host would write it. Every tick is also
// decided by a fresh reactor that rebuilds its memory from the snapshot (a
// restarted scheduler): both must give the same reaction.

const options: PlacementOptions = { strategy: 'spread', candidatesShown: 3, weakWeight: 8 };
const blade = (rack: number, n: number) => `r/z1/rack${rack}/blade/${n}`;
const demand = (cores: number): Demand => ({
  cores,
  memoryGib: 4,
  diskGib: 10,
  networkGbps: 0,
});

class World {
  private readonly records = new Map<string, string>();
  private changed = new Set<string>();
  private revision = 1;
  private first = true;
  readonly reactor = new SchedulerReactor(options);

  put<T>(codec: Codec<T>, key: string, value: T): this {
    this.records.set(key, encode(codec, value));
    this.changed.add(key);
    return this;
  }

  delete(key: string): this {
    this.records.delete(key);
    this.changed.add(key);
    return this;
  }

  get<T>(codec: Codec<T>, key: string): T | undefined {
    const text = this.records.get(key);
    return text === undefined ? undefined : decode(codec, key, text);
  }

  keysUnder(prefix: string): string[] {
    return [...this.records.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** A blade defined with `cores`, in service and observed in `state`. */
  blade(path: string, cores: number, state = ObservedState.OBSERVED_STATE_HEALTHY): this {
    this.put(BladeDefinition, viewKey('definition', path), {
      ...BladeDefinition.fromPartial({ index: 0 }),
      capacity: {
        cores,
        memoryGib: 64,
        diskGib: 500,
        networkGbps: 10,
        arch: 'x86_64',
        accelerators: [],
      },
    });
    this.put(TargetRecord, viewKey('target', path), {
      state: TargetState.TARGET_STATE_IN_SERVICE,
      powered: true,
      sinceTick: 0,
      reason: 'defined',
      drain: false,
    });
    return this.observe(path, state);
  }

  observe(path: string, state: ObservedState): this {
    return this.put(ObservedRecord, viewKey('observed', path), {
      state,
      sinceTick: 0,
      reason: '',
      lastHeartbeatTick: 0,
    });
  }

  workload(name: string, rule = PlacementRule.PLACEMENT_RULE_NONE, level = 1): this {
    return this.put(WorkloadRecord, keys.workload(name), {
      ...WorkloadRecord.fromPartial({}),
      spec: {
        ...WorkloadSpec.fromPartial({ name, instances: 1, maxUnavailable: 1 }),
        placement: { rule, level: level as PlacementLevel },
      },
    });
  }

  instance(workload: string, n: number, cores: number, wanted = true): this {
    return this.put(InstanceRecord, keys.instance(workload, n), {
      ...InstanceRecord.fromPartial({ workload, n, generation: 1, image: 'img' }),
      demand: demand(cores),
      wanted,
    });
  }

  /** One tick: decided incrementally and by a rebuilt reactor, which must agree; then written. */
  async tick(tick: number): Promise<Reaction> {
    const snapshot = memorySnapshot(
      [...this.records].map(([key, value]) => ({
        key,
        value,
        modRevision: this.revision,
        createRevision: this.revision,
        version: 1,
      })),
    );
    const input = (changes: ReadonlySet<string> | undefined): TickInput => ({
      tick,
      run: 1,
      seed: 7,
      snapshot,
      changes,
    });
    const incremental = await this.reactor.react(input(this.first ? undefined : this.changed));
    const rebuilt = await new SchedulerReactor(options).react(input(undefined));
    expect(rebuilt).toEqual(incremental);
    this.first = false;
    this.changed = new Set();
    this.revision++;
    for (const w of incremental.writes) {
      if (w.type === 'put') {
        this.records.set(w.key, w.value);
        this.changed.add(w.key);
      } else if (w.type === 'delete') this.delete(w.key);
    }
    return incremental;
  }

  /** Where each instance is: its blade, or `unplaced`. */
  where(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of this.keysUnder(keys.placementsPrefix)) {
      const p = this.get(PlacementRecord, key)!;
      out[`${p.workload}/${p.n}`] = p.blade;
    }
    for (const key of this.keysUnder(keys.unplacedPrefix)) {
      const u = this.get(UnplacedRecord, key)!;
      out[`${u.workload}/${u.n}`] = 'unplaced';
    }
    return out;
  }
}

describe('the scheduler reactor', () => {
  it('places wanted instances in key order, never two on the same last cores, and explains each', async () => {
    const world = new World().blade(blade(1, 0), 8).blade(blade(1, 1), 12).workload('web');
    world.instance('web', 1, 8).instance('web', 2, 8).instance('web', 3, 8);
    world.instance('web', 4, 1, false);
    const first = await world.tick(1);
    expect(world.where()).toEqual({
      'web/1': blade(1, 1),
      'web/2': blade(1, 0),
      'web/3': 'unplaced',
    });
    expect(first.nextWakeup).toBeNull();
    expect(first.decisions.map((d) => [d.target, d.severity, d.attributes])).toEqual([
      ['web/1', 'info', { 'chamber.blade': blade(1, 1), 'chamber.examined': 2 }],
      ['web/2', 'info', { 'chamber.blade': blade(1, 0), 'chamber.examined': 1 }],
      ['web/3', 'warn', { 'chamber.blade': '', 'chamber.examined': 0 }],
    ]);
    expect(first.decisions[2]).toMatchObject({
      name: 'scheduler.placement',
      tick: 1,
      thread: { id: 'web/3' },
      reason:
        'no blade fits 8 cores, 4 GiB memory, 10 GiB disk by spread: 2 blades lack 8 free cores',
    });
    const placed = world.get(PlacementRecord, keys.placement(blade(1, 1), 'web', 1))!;
    expect(placed).toMatchObject({ placedTick: 1, demand: demand(8) });
    expect(placed.explanation?.summary).toBe(
      'placed on r/z1/rack1/blade/1 by spread, the best of 2 blades examined',
    );
  });

  it('rewrites an unplaced record only when its explanation changes, and places it at the tick capacity appears', async () => {
    const world = new World()
      .blade(blade(1, 0), 16, ObservedState.OBSERVED_STATE_FAILED)
      .workload('web')
      .instance('web', 1, 8);
    await world.tick(1);
    expect(world.get(UnplacedRecord, keys.unplaced('web', 1))?.explanation?.summary).toBe(
      'no blade fits 8 cores, 4 GiB memory, 10 GiB disk by spread: 1 blade observed failed',
    );
    // Something unrelated: nothing written.
    world.instance('web', 2, 1, false);
    expect((await world.tick(2)).writes).toEqual([]);
    // The blade is suspect now: the same instance, a new explanation, no new decision.
    world.observe(blade(1, 0), ObservedState.OBSERVED_STATE_SUSPECT);
    const suspect = await world.tick(3);
    expect(suspect.decisions).toEqual([]);
    const rewritten = world.get(UnplacedRecord, keys.unplaced('web', 1));
    expect(rewritten).toMatchObject({ sinceTick: 1, explanation: { tick: 3 } });
    expect(rewritten?.explanation?.summary).toContain('1 blade observed suspect');
    // Observed healthy again: placed at once, its unplaced record gone.
    world.observe(blade(1, 0), ObservedState.OBSERVED_STATE_HEALTHY);
    const healed = await world.tick(4);
    expect(healed.decisions).toMatchObject([{ target: 'web/1', severity: 'info' }]);
    expect(world.where()).toEqual({ 'web/1': blade(1, 0) });
  });

  it('frees a deleted instance capacity for the next one in the same tick', async () => {
    const world = new World().blade(blade(1, 0), 8).workload('a').workload('b');
    world.instance('a', 1, 8).instance('b', 1, 8);
    await world.tick(1);
    expect(world.where()).toEqual({ 'a/1': blade(1, 0), 'b/1': 'unplaced' });
    // Unwanted (stopping): still occupies its blade.
    world.instance('a', 1, 8, false);
    expect((await world.tick(2)).writes).toEqual([]);
    world.delete(keys.instance('a', 1));
    const freed = await world.tick(3);
    expect(freed.writes.map((w) => [w.type, 'key' in w ? w.key : ''])).toEqual([
      ['delete', keys.placement(blade(1, 0), 'a', 1)],
      ['put', keys.placement(blade(1, 0), 'b', 1)],
      ['delete', keys.unplaced('b', 1)],
    ]);
    expect(world.where()).toEqual({ 'b/1': blade(1, 0) });
  });

  it('decides once for a workload instances that fit nowhere, until a placement changes the index', async () => {
    const world = new World().blade(blade(1, 0), 8).workload('big').workload('web');
    world.instance('big', 1, 16).instance('big', 2, 16).instance('web', 1, 8);
    const first = await world.tick(1);
    expect(first.decisions.map((d) => [d.target, d.attributes?.['chamber.examined']])).toEqual([
      ['big/1', 0],
      ['big/2', 0],
      ['web/1', 1],
    ]);
    const one = world.get(UnplacedRecord, keys.unplaced('big', 1))?.explanation;
    expect(world.get(UnplacedRecord, keys.unplaced('big', 2))?.explanation).toEqual(one);
    expect(one?.filtered.map((f) => f.reason)).toEqual(['1 blade lacks 16 free cores']);
    // A blade that fits arrives: both go there.
    world.blade(blade(1, 1), 32);
    await world.tick(2);
    expect(world.where()).toMatchObject({ 'big/1': blade(1, 1), 'big/2': blade(1, 1) });
  });

  it('deletes the unplaced record of an unwanted instance at once', async () => {
    const world = new World().workload('web').instance('web', 1, 8);
    await world.tick(1);
    expect(world.where()).toEqual({ 'web/1': 'unplaced' });
    world.instance('web', 1, 8, false);
    await world.tick(2);
    expect(world.where()).toEqual({});
  });

  it('keeps a strong anti-affinity by rack across ticks, and lets a replacement take its lost instance rack', async () => {
    const world = new World()
      .blade(blade(1, 0), 32)
      .blade(blade(1, 1), 32)
      .blade(blade(2, 0), 16)
      .workload('db', PlacementRule.PLACEMENT_RULE_STRONG_ANTI_AFFINITY, 2)
      .instance('db', 1, 4);
    await world.tick(1);
    world.instance('db', 2, 4).instance('db', 3, 4);
    await world.tick(2);
    expect(world.where()).toEqual({
      'db/1': blade(1, 0),
      'db/2': blade(2, 0),
      'db/3': 'unplaced',
    });
    expect(
      world.get(UnplacedRecord, keys.unplaced('db', 3))?.explanation?.filtered.map((f) => f.reason),
    ).toEqual(['3 blades would break strong anti-affinity by rack']);
    // db/1's blade fails: the manager no longer wants db/1; db/3 may use rack1 now.
    world.observe(blade(1, 0), ObservedState.OBSERVED_STATE_FAILED);
    world.instance('db', 1, 4, false);
    await world.tick(3);
    expect(world.where()).toEqual({
      'db/1': blade(1, 0),
      'db/2': blade(2, 0),
      'db/3': blade(1, 1),
    });
  });

  it('starts afresh on a new run', async () => {
    const world = new World().blade(blade(1, 0), 8).workload('web').instance('web', 1, 8);
    await world.tick(1);
    // A new run: the world is reloaded (here: the same records) and tick 0 decided from scratch.
    const again = await world.reactor.react({
      tick: 0,
      run: 2,
      seed: 7,
      snapshot: memorySnapshot([]),
      changes: new Set(),
    });
    expect(again.writes).toEqual([]);
    expect(world.reactor.bladeOf('web', 1)).toBeUndefined();
  });
});
