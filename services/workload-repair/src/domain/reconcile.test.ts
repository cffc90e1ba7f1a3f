import {
  PlacementLevel,
  PlacementRule,
  WorkloadPhase,
  type Demand,
  type InstanceRecord,
  type WorkloadRecord,
} from '@chamber/protos';
import type { InstanceHealthWord } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { reconcile, type InstanceView, type Reconciled } from './reconcile.js';

const demand: Demand = { cores: 2, memoryGib: 4, diskGib: 10, networkGbps: 0 };

function workload(
  instances: number,
  more: Partial<WorkloadRecord> & { maxUnavailable?: number } = {},
): WorkloadRecord {
  const { maxUnavailable = 1, ...rest } = more;
  return {
    spec: {
      name: 'web',
      instances,
      demand,
      image: 'web:1',
      placement: {
        rule: PlacementRule.PLACEMENT_RULE_NONE,
        level: PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED,
      },
      maxUnavailable,
    },
    generation: 1,
    phase: WorkloadPhase.WORKLOAD_PHASE_PROGRESSING,
    observedRunning: 0,
    createdTick: 1,
    updatedTick: 1,
    reason: '',
    nextInstance: 0,
    ...rest,
  };
}

function instance(n: number, more: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    workload: 'web',
    n,
    generation: 1,
    image: 'web:1',
    demand,
    wanted: true,
    stopReason: '',
    createdTick: 1,
    replaces: '',
    ...more,
  };
}

const running = (n: number, blade = `r/z1/rack1/blade/${n}`, more: Partial<InstanceRecord> = {}) =>
  ({ record: instance(n, more), blade, health: 'running' }) satisfies InstanceView;

/**
 * A small world around the manager: each step it places new instances (on
 * the first blade of `blades` not drained), starts them (observed starting,
 * then running), stops unwanted ones, and applies what the manager decided.
 */
class World {
  readonly views = new Map<number, InstanceView>();
  record: WorkloadRecord | undefined;
  tick = 10;
  readonly history: Reconciled[] = [];

  constructor(
    record: WorkloadRecord,
    views: readonly InstanceView[],
    private readonly blades: readonly string[] = ['r/z1/rack2/blade/0'],
    readonly drained: ReadonlySet<string> = new Set(),
  ) {
    this.record = record;
    for (const v of views) this.views.set(v.record.n, this.drainOf(v));
  }

  private drainOf(v: InstanceView): InstanceView {
    const isDrained = v.blade !== undefined && this.drained.has(v.blade);
    if (isDrained) return { ...v, drain: v.blade };
    const rest = { ...v };
    delete rest.drain;
    return rest;
  }

  /** The manager's tick, then the world's. */
  step(): Reconciled {
    const result = reconcile(this.tick, this.record!, [...this.views.values()]);
    this.history.push(result);
    this.record = result.workload;
    for (const n of result.deleted) this.views.delete(n);
    for (const record of result.instances) {
      const before = this.views.get(record.n);
      this.views.set(record.n, { ...(before ?? {}), record });
    }
    for (const [n, v] of this.views) {
      let next: InstanceView = v;
      if (!v.record.wanted) {
        if (v.blade !== undefined) next = { ...v, health: 'stopped' };
      } else if (v.blade === undefined) {
        const blade = this.blades.find((b) => !this.drained.has(b))!;
        next = { ...v, blade };
      } else if (v.health === undefined) {
        next = { ...v, health: 'starting' };
      } else if (v.health === 'starting') {
        next = { ...v, health: 'running' };
      }
      this.views.set(n, this.drainOf(next));
    }
    this.tick++;
    return result;
  }

  wanted(): InstanceView[] {
    return [...this.views.values()].filter((v) => v.record.wanted);
  }

  runningCount(): number {
    return this.wanted().filter((v) => v.health === 'running').length;
  }
}

const health = (views: readonly InstanceView[], h: InstanceHealthWord | undefined) =>
  views.filter((v) => v.health === h).length;

describe('reconcile: scale', () => {
  it('creates the instances missing, numbered from next_instance, of the current generation', () => {
    const r = reconcile(5, workload(3, { nextInstance: 4, generation: 2 }), []);
    expect(r.instances.map((i) => [i.n, i.wanted, i.generation, i.createdTick])).toEqual([
      [4, true, 2, 5],
      [5, true, 2, 5],
      [6, true, 2, 5],
    ]);
    expect(r.workload?.nextInstance).toBe(7);
    expect(r.workload?.reason).toBe('0 of 3 running; scaled up to 3: created web/4, web/5, web/6');
    expect(r.decisions.map((d) => d.target)).toEqual(['web/4', 'web/5', 'web/6']);
  });

  it('scales down by unwanting the highest-numbered instances first, saying why', () => {
    const r = reconcile(
      5,
      workload(2, { nextInstance: 4 }),
      [0, 1, 2, 3].map((n) => running(n)),
    );
    expect(r.instances.map((i) => [i.n, i.wanted, i.stopReason])).toEqual([
      [2, false, 'scaled down to 2'],
      [3, false, 'scaled down to 2'],
    ]);
    expect(r.deleted).toEqual([]);
    expect(r.workload?.nextInstance).toBe(4);
  });

  it('names the first few instances of a large scale up in its reason, and counts the rest', () => {
    const r = reconcile(5, workload(1000), []);
    expect(r.instances).toHaveLength(1000);
    expect(r.workload?.reason).toBe(
      '0 of 1000 running; scaled up to 1000: created web/0, web/1, web/2 and 997 more',
    );
  });

  it('never reuses a number: a scale up after a scale down takes new ones', () => {
    const r = reconcile(9, workload(2, { nextInstance: 4 }), [running(0)]);
    expect(r.instances.map((i) => i.n)).toEqual([4]);
  });

  it('is at rest when every desired instance runs: nothing written, phase ready', () => {
    const w = workload(2, { nextInstance: 2 });
    const first = reconcile(5, w, [running(0), running(1)]);
    expect(first.instances).toEqual([]);
    expect(first.workload?.phase).toBe(WorkloadPhase.WORKLOAD_PHASE_READY);
    expect(first.workload?.reason).toBe('2 of 2 running');
    expect(reconcile(6, first.workload!, [running(0), running(1)])).toEqual({
      ...first,
      decisions: [],
    });
  });
});

describe('reconcile: lost instances', () => {
  it('unwants an instance observed failed and creates its replacement at once, naming it', () => {
    const lost: InstanceView = {
      record: instance(1),
      blade: 'r/z1/rack1/blade/3',
      health: 'failed',
      observedReason: 'blade r/z1/rack1/blade/3 observed failed',
    };
    const r = reconcile(7, workload(3, { nextInstance: 3 }), [running(0), lost, running(2)]);
    expect(r.instances).toEqual([
      instance(1, {
        wanted: false,
        stopReason: 'lost: blade r/z1/rack1/blade/3 observed failed',
      }),
      instance(3, { createdTick: 7, replaces: 'web/1' }),
    ]);
    expect(r.workload?.reason).toBe(
      '2 of 3 running; replacing web/1 by web/3 (lost: blade r/z1/rack1/blade/3 observed failed)',
    );
    expect(r.workload?.phase).toBe(WorkloadPhase.WORKLOAD_PHASE_PROGRESSING);
  });

  it('replaces every lost instance at once, whatever max_unavailable says', () => {
    const lost = (n: number): InstanceView => ({ ...running(n), health: 'failed' });
    const r = reconcile(7, workload(3, { nextInstance: 3, maxUnavailable: 1 }), [
      lost(0),
      lost(1),
      lost(2),
    ]);
    expect(r.instances.filter((i) => i.wanted).map((i) => i.replaces)).toEqual([
      'web/0',
      'web/1',
      'web/2',
    ]);
  });

  it('drops a lost replacement of an instance still wanted without replacing it twice', () => {
    const old = running(0, 'r/z1/rack1/blade/0', { generation: 1 });
    const surge: InstanceView = {
      record: instance(1, { generation: 2, replaces: 'web/0' }),
      blade: 'r/z1/rack1/blade/1',
      health: 'failed',
    };
    const r = reconcile(7, workload(1, { nextInstance: 2, generation: 2 }), [old, surge]);
    // web/1 is dropped; web/0 runs on and gets a new replacement under the budget.
    expect(r.instances.map((i) => [i.n, i.wanted, i.replaces])).toEqual([
      [1, false, 'web/0'],
      [2, true, 'web/0'],
    ]);
  });

  it('replaces an instance once when it and its replacement are lost together', () => {
    const old: InstanceView = { ...running(0), health: 'failed' };
    const surge: InstanceView = {
      record: instance(1, { generation: 2, replaces: 'web/0' }),
      blade: 'r/z1/rack1/blade/1',
      health: 'failed',
    };
    const r = reconcile(7, workload(1, { nextInstance: 2, generation: 2 }), [old, surge]);
    expect(r.instances.map((i) => [i.n, i.wanted, i.replaces])).toEqual([
      [0, false, ''],
      [1, false, 'web/0'],
      [2, true, 'web/0'],
    ]);
  });
});

describe('reconcile: clean-up and delete', () => {
  it('removes an unwanted instance once it is observed stopped or failed, or was never placed', () => {
    const unwanted = { wanted: false, stopReason: 'scaled down to 1' };
    const r = reconcile(8, workload(1, { nextInstance: 5 }), [
      running(0),
      { ...running(1, undefined, unwanted), health: 'stopped' },
      { ...running(2, undefined, unwanted), health: 'failed' },
      { record: instance(3, unwanted) },
      running(4, undefined, unwanted),
    ]);
    expect(r.deleted).toEqual([1, 2, 3]);
    expect(r.instances).toEqual([]);
  });

  it('stops every instance of a deleted workload and removes the workload with its last instance', () => {
    const deleting = workload(2, {
      nextInstance: 2,
      phase: WorkloadPhase.WORKLOAD_PHASE_DELETING,
    });
    const first = reconcile(8, deleting, [running(0), running(1)]);
    expect(first.instances.map((i) => [i.n, i.wanted, i.stopReason])).toEqual([
      [0, false, 'its workload is deleted'],
      [1, false, 'its workload is deleted'],
    ]);
    expect(first.workload?.reason).toBe('deleting: 2 instances left to stop');

    const stopped = first.instances.map((record) => ({
      record,
      blade: 'r/z1/rack1/blade/0',
      health: 'stopped' as const,
    }));
    const last = reconcile(9, first.workload!, stopped);
    expect(last.deleted).toEqual([0, 1]);
    expect(last.workload).toBeUndefined();
    expect(last.decisions.at(-1)).toEqual({
      target: 'web',
      reason: 'deleted web: its last instance is gone',
    });
  });
});

describe('reconcile: rolling update', () => {
  for (const maxUnavailable of [1, 2]) {
    it(`replaces every instance of an older generation, never more than ${maxUnavailable} at a time (max_unavailable ${maxUnavailable})`, () => {
      const world = new World(
        workload(4, { nextInstance: 4, generation: 2, maxUnavailable }),
        [0, 1, 2, 3].map((n) => running(n)),
      );
      for (let i = 0; i < 40 && world.record?.phase !== WorkloadPhase.WORKLOAD_PHASE_READY; i++) {
        world.step();
        const wanted = world.wanted();
        // Replacements started but not running yet: at most max_unavailable.
        expect(wanted.length - health(wanted, 'running')).toBeLessThanOrEqual(maxUnavailable);
        // And the workload never has fewer running than desired minus the budget.
        expect(world.runningCount()).toBeGreaterThanOrEqual(4 - maxUnavailable);
      }
      expect(world.record?.phase).toBe(WorkloadPhase.WORKLOAD_PHASE_READY);
      expect(world.wanted().map((v) => [v.record.generation, v.health])).toEqual(
        Array(4).fill([2, 'running']),
      );
      // Every old instance was stopped only after its replacement ran, then removed.
      world.step();
      world.step();
      expect([...world.views.keys()].every((n) => n >= 4)).toBe(true);
      const stops = world.history.flatMap((h) => h.instances.filter((i) => !i.wanted));
      expect(stops.map((i) => i.stopReason)).toEqual(
        [0, 1, 2, 3].map((_, k) => `replaced by web/${4 + k} (rolling update to generation 2)`),
      );
    });
  }

  it('says the workload is updating while instances of an older generation remain', () => {
    const r = reconcile(5, workload(2, { nextInstance: 2, generation: 2 }), [
      running(0),
      running(1),
    ]);
    expect(r.workload?.phase).toBe(WorkloadPhase.WORKLOAD_PHASE_UPDATING);
    expect(r.instances.map((i) => [i.n, i.replaces])).toEqual([[2, 'web/0']]);
  });

  it('waits while a lost instance already uses the budget', () => {
    const r = reconcile(5, workload(3, { nextInstance: 4, generation: 2 }), [
      running(0),
      running(1),
      { record: instance(3, { generation: 2, replaces: 'web/2' }), blade: 'r/z1/rack2/blade/0' },
    ]);
    expect(r.instances).toEqual([]);
  });
});

describe('reconcile: drain', () => {
  it('moves every instance off a drained blade, within the budget, and only then has none on it', () => {
    const drained = 'r/z1/rack1/blade/0';
    const world = new World(
      workload(4, { nextInstance: 4, maxUnavailable: 1 }),
      [
        running(0, drained),
        running(1, drained),
        running(2, 'r/z1/rack1/blade/1'),
        running(3, drained),
      ],
      [drained, 'r/z1/rack2/blade/0'],
      new Set([drained]),
    );
    for (let i = 0; i < 40; i++) {
      world.step();
      expect(world.runningCount()).toBeGreaterThanOrEqual(3);
      const onBlade = [...world.views.values()].filter((v) => v.blade === drained);
      // Running on the drained blade until its replacement runs elsewhere.
      expect(onBlade.filter((v) => v.record.wanted).every((v) => v.health === 'running')).toBe(
        true,
      );
      if (onBlade.length === 0) break;
    }
    expect([...world.views.values()].filter((v) => v.blade === drained)).toEqual([]);
    expect(world.wanted().map((v) => [v.record.n, v.blade, v.health])).toEqual([
      [2, 'r/z1/rack1/blade/1', 'running'],
      [4, 'r/z1/rack2/blade/0', 'running'],
      [5, 'r/z1/rack2/blade/0', 'running'],
      [6, 'r/z1/rack2/blade/0', 'running'],
    ]);
    const stops = world.history.flatMap((h) => h.instances.filter((i) => !i.wanted));
    expect(stops[0]?.stopReason).toBe(
      `replaced by web/4 (drained off ${drained} (${drained} is out of service with drain))`,
    );
  });
});

describe('reconcile: phase and reason', () => {
  it('is degraded while an instance cannot be placed, saying why', () => {
    const r = reconcile(5, workload(2, { nextInstance: 2 }), [
      running(0),
      { record: instance(1), unplaced: '4 blades lack 2 free cores' },
    ]);
    expect(r.workload?.phase).toBe(WorkloadPhase.WORKLOAD_PHASE_DEGRADED);
    expect(r.workload?.reason).toBe('1 of 2 running; web/1 pending: 4 blades lack 2 free cores');
    expect(r.decisions).toEqual([
      {
        target: 'web',
        reason: 'web is degraded: 1 of 2 running; web/1 pending: 4 blades lack 2 free cores',
      },
    ]);
  });

  it('keeps its latest decision in the reason while the counts move', () => {
    const w = workload(2, {
      nextInstance: 2,
      reason: '0 of 2 running; scaled up to 2: created web/0, web/1',
    });
    const r = reconcile(6, w, [
      running(0),
      { record: instance(1), blade: 'x', health: 'starting' },
    ]);
    expect(r.workload?.reason).toBe('1 of 2 running; scaled up to 2: created web/0, web/1');
  });
});
