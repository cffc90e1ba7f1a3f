import {
  InstanceHealth,
  InstanceObserved,
  InstanceRecord,
  PendingRecord,
  PlacementLevel,
  PlacementRecord,
  PlacementRule,
  TargetRecord,
  TargetState,
  WorkloadInput,
  WorkloadInput_Action,
  WorkloadPhase,
  WorkloadRecord,
  type WorkloadSpec,
} from '@chamber/protos';
import {
  encode,
  memorySnapshot,
  op,
  type Codec,
  type Reaction,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { keys, viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';
import { WorkloadRepairReactor } from './reactor.js';

// The manager's tick with no store: a snapshot held in memory, the reaction
// compared with what the store would be asked to write.

const owner = 'workload-repair';
const inbox = keys.inputsOf(owner);

type World = Map<string, string>;

const put = <T>(world: World, codec: Codec<T>, key: string, value: T): void => {
  world.set(key, encode(codec, value));
};

function snapshotOf(world: World): Snapshot {
  return memorySnapshot(
    [...world].map(([key, value]) => ({
      key,
      value,
      modRevision: 1,
      createRevision: 1,
      version: 1,
    })),
  );
}

const tick = (n: number, world: World, changes?: readonly string[]): TickInput => ({
  tick: n,
  run: 1,
  seed: 7,
  snapshot: snapshotOf(world),
  changes: changes === undefined ? undefined : new Set(changes),
});

const spec = (instances: number, image = 'web:1'): WorkloadSpec => ({
  name: 'web',
  instances,
  demand: { cores: 2, memoryGib: 4, diskGib: 0, networkGbps: 0 },
  image,
  placement: {
    rule: PlacementRule.PLACEMENT_RULE_STRONG_ANTI_AFFINITY,
    level: PlacementLevel.PLACEMENT_LEVEL_RACK,
  },
  maxUnavailable: 1,
});

function input(world: World, id: string, effectiveTick: number, value: WorkloadInput): void {
  put(world, PendingRecord, keys.pending(id), { effectiveTick, owner });
  put(world, WorkloadInput, inbox + id, value);
}

/** Applies a reaction's writes to `world`; the keys they changed. */
function apply(world: World, reaction: Reaction): string[] {
  for (const w of reaction.writes) {
    if (w.type === 'put') world.set(w.key, w.value);
    else if (w.type === 'delete') world.delete(w.key);
  }
  return reaction.writes.map((w) => (w.type === 'deletePrefix' ? w.prefix : w.key));
}

const bladeOf = (n: number) => `r/z1/rack${n}/blade/0`;

/** A workload of three instances, each placed on its own rack and observed running. */
function restingWorld(): World {
  const world: World = new Map();
  put(world, WorkloadRecord, keys.workload('web'), {
    spec: spec(3),
    generation: 1,
    phase: WorkloadPhase.WORKLOAD_PHASE_READY,
    observedRunning: 3,
    createdTick: 1,
    updatedTick: 1,
    reason: '3 of 3 running',
    nextInstance: 3,
  });
  for (const n of [0, 1, 2]) {
    const record: InstanceRecord = {
      workload: 'web',
      n,
      generation: 1,
      image: 'web:1',
      demand: spec(3).demand,
      wanted: true,
      stopReason: '',
      createdTick: 1,
      replaces: '',
    };
    put(world, InstanceRecord, keys.instance('web', n), record);
    put(world, PlacementRecord, keys.placement(bladeOf(n), 'web', n), {
      workload: 'web',
      n,
      blade: bladeOf(n),
      demand: record.demand,
      placedTick: 2,
      explanation: undefined,
    });
    put(world, InstanceObserved, keys.instanceObserved('web', n), {
      health: InstanceHealth.INSTANCE_HEALTH_RUNNING,
      blade: bladeOf(n),
      sinceTick: 4,
      reason: 'running',
    });
    put(world, TargetRecord, viewKey('target', bladeOf(n)), {
      state: TargetState.TARGET_STATE_IN_SERVICE,
      powered: true,
      sinceTick: 0,
      reason: 'defined',
      drain: false,
    });
  }
  return world;
}

describe('the workload repair reactor', () => {
  it('applies a create at its tick: the record, its instances, the input gone, decisions threaded', () => {
    const world: World = new Map();
    input(world, 'workload/w5-1', 5, { action: WorkloadInput_Action.ACTION_CREATE, spec: spec(2) });
    const r = new WorkloadRepairReactor(owner);

    const early = r.react(tick(4, world));
    expect(early.writes).toEqual([]);
    expect(early.nextWakeup).toBeNull();

    const reaction = r.react(tick(5, world, []));
    const keysWritten = reaction.writes.map((w) => (w.type === 'deletePrefix' ? '' : w.key));
    expect(keysWritten).toEqual([
      keys.pending('workload/w5-1'),
      inbox + 'workload/w5-1',
      keys.instance('web', 0),
      keys.instance('web', 1),
      keys.workload('web'),
    ]);
    apply(world, reaction);
    const record = WorkloadRecord.fromJSON(JSON.parse(world.get(keys.workload('web'))!));
    expect(record).toMatchObject({
      generation: 1,
      createdTick: 5,
      nextInstance: 2,
      phase: WorkloadPhase.WORKLOAD_PHASE_PROGRESSING,
      reason: '0 of 2 running; scaled up to 2: created web/0, web/1',
    });
    expect(reaction.decisions.map((d) => [d.target, d.reason])).toEqual([
      ['web', 'created web (2 instances of web:1)'],
      ['web/0', 'created web/0: scaled up to 2'],
      ['web/1', 'created web/1: scaled up to 2'],
    ]);
    expect(new Set(reaction.decisions.map((d) => d.thread?.id))).toEqual(
      new Set([keys.workload('web')]),
    );
    expect(reaction.nextWakeup).toBe(6);

    // The next tick follows up on its own writes and finds nothing to do.
    const after = r.react(tick(6, world, keysWritten));
    expect(after.writes).toEqual([]);
    expect(after.nextWakeup).toBeNull();
  });

  it('applies the inputs of one tick in the order they were written (w5-2 before w5-10)', () => {
    const world: World = new Map();
    input(world, 'workload/w5-1', 5, { action: WorkloadInput_Action.ACTION_CREATE, spec: spec(1) });
    input(world, 'workload/w5-10', 5, {
      action: WorkloadInput_Action.ACTION_UPDATE,
      spec: spec(3, 'web:2'),
    });
    input(world, 'workload/w5-2', 5, { action: WorkloadInput_Action.ACTION_UPDATE, spec: spec(2) });
    const reaction = new WorkloadRepairReactor(owner).react(tick(5, world));
    expect(reaction.decisions.slice(0, 3).map((d) => d.reason)).toEqual([
      'created web (1 instance of web:1)',
      'updated web (2 instances)',
      'updated web to generation 2 (web:2): its instances are replaced, at most 1 at a time',
    ]);
    apply(world, reaction);
    const record = WorkloadRecord.fromJSON(JSON.parse(world.get(keys.workload('web'))!));
    expect([record.generation, record.spec?.instances, record.nextInstance]).toEqual([2, 3, 3]);
  });

  it('ignores an update of a workload that does not exist, saying so, and drops the input', () => {
    const world: World = new Map();
    input(world, 'workload/w5-1', 5, { action: WorkloadInput_Action.ACTION_UPDATE, spec: spec(1) });
    const reaction = new WorkloadRepairReactor(owner).react(tick(5, world));
    expect(reaction.writes).toEqual([
      op.delete(keys.pending('workload/w5-1')),
      op.delete(inbox + 'workload/w5-1'),
    ]);
    expect(reaction.decisions).toMatchObject([
      { reason: 'ignored a change to web: it does not exist', severity: 'warn' },
    ]);
  });

  it('decides the same from a rebuilt memory as from the incremental path: a lost instance and a drain', () => {
    const world = restingWorld();
    const incremental = new WorkloadRepairReactor(owner);
    expect(incremental.react(tick(6, world)).writes).toEqual([]);

    // Instance 0 is lost; rack 1 goes out of service with drain.
    put(world, InstanceObserved, keys.instanceObserved('web', 0), {
      health: InstanceHealth.INSTANCE_HEALTH_FAILED,
      blade: bladeOf(0),
      sinceTick: 7,
      reason: `blade ${bladeOf(0)} observed failed`,
    });
    put(world, TargetRecord, viewKey('target', 'r/z1/rack1'), {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: true,
      sinceTick: 7,
      reason: 'maintenance',
      drain: true,
    });
    const changes = [keys.instanceObserved('web', 0), viewKey('target', 'r/z1/rack1')];
    const a = incremental.react(tick(7, world, changes));
    const b = new WorkloadRepairReactor(owner).react(tick(7, world));
    expect(a).toEqual(b);
    expect(a.decisions.map((d) => d.reason)).toEqual([
      `stopping web/0: lost: blade ${bladeOf(0)} observed failed`,
      `created web/3: replaces web/0 (lost: blade ${bladeOf(0)} observed failed)`,
      `web is progressing: 2 of 3 running; replacing web/0 by web/3 (lost: blade ${bladeOf(0)} observed failed)`,
    ]);
    // The lost one takes the budget: the drain of web/1 waits for web/3 to run.
    const written = apply(world, a);
    put(world, PlacementRecord, keys.placement(bladeOf(3), 'web', 3), {
      workload: 'web',
      n: 3,
      blade: bladeOf(3),
      demand: spec(3).demand,
      placedTick: 8,
      explanation: undefined,
    });
    put(world, InstanceObserved, keys.instanceObserved('web', 3), {
      health: InstanceHealth.INSTANCE_HEALTH_RUNNING,
      blade: bladeOf(3),
      sinceTick: 9,
      reason: 'running',
    });
    const later = [keys.placement(bladeOf(3), 'web', 3), keys.instanceObserved('web', 3)];
    const c = incremental.react(tick(9, world, [...written, ...later]));
    const d = new WorkloadRepairReactor(owner).react(tick(9, world));
    expect(c).toEqual(d);
    expect(c.decisions.map((x) => x.reason)).toContain(
      'created web/4: replaces web/1 (drained off r/z1/rack1/blade/0 (r/z1/rack1 is out of service with drain))',
    );
  });

  it('takes no observation older than the instance for its own (a name used again)', () => {
    const world: World = new Map();
    input(world, 'workload/w20-1', 20, {
      action: WorkloadInput_Action.ACTION_CREATE,
      spec: spec(1),
    });
    const r = new WorkloadRepairReactor(owner);
    const created = r.react(tick(20, world));
    const written = apply(world, created);
    // The monitor's record of the earlier web/0, deleted with its workload, lingers a tick.
    put(world, InstanceObserved, keys.instanceObserved('web', 0), {
      health: InstanceHealth.INSTANCE_HEALTH_STOPPED,
      blade: bladeOf(0),
      sinceTick: 17,
      reason: 'stopped',
    });
    const next = r.react(tick(21, world, [...written, keys.instanceObserved('web', 0)]));
    expect(next.writes).toEqual([]);
  });

  it('reconciles the instances placed under a target that starts draining, and only those', () => {
    const world = restingWorld();
    const r = new WorkloadRepairReactor(owner);
    r.react(tick(6, world));
    put(world, TargetRecord, viewKey('target', 'r/z1/rack2'), {
      state: TargetState.TARGET_STATE_RETIRED,
      powered: true,
      sinceTick: 7,
      reason: 'retired',
      drain: true,
    });
    const reaction = r.react(tick(7, world, [viewKey('target', 'r/z1/rack2')]));
    // web/2 (rack 2) gets a replacement; the workload stops being ready.
    expect(reaction.decisions.map((d) => d.target)).toEqual(['web/3', 'web']);
    expect(reaction.decisions[0]?.reason).toBe(
      'created web/3: replaces web/2 (drained off r/z1/rack2/blade/0 (r/z1/rack2 is out of service with drain))',
    );
    expect(reaction.writes.map((w) => (w.type === 'put' ? w.key : ''))).toEqual([
      keys.instance('web', 3),
      keys.workload('web'),
    ]);
  });
});
