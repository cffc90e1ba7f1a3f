import {
  BladeState,
  FaultKind,
  InstanceActual,
  InstanceHealth,
  InstanceObserved,
  InstanceRecord,
  InstanceState,
  PlacementRecord,
  RepairStatus,
  TargetState,
} from '@chamber/protos';
import { Participant } from '@chamber/participant';
import { randomStream } from '@chamber/sim';
import { op, type Op } from '@chamber/store';
import { instanceName, keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

// Instances where the hardware is, with real services: the placement and
// instance records are written by a participant standing in for the
// scheduler and the workload repair manager, as their effects at a tick (a
// write between ticks, outside the input protocol, wakes nobody); the
// inventory runs the instances (instance-actual/) and the monitor observes
// them (instance-observed/), checked tick by tick. Blades work from tick 5
// and are heard from 6; the monitor's thresholds: suspect after 2 missed
// heartbeats, failed after 4.
let w: InventoryWorld | undefined;
let managers: Participant | undefined;
let effects: Op[] = [];
async function closeWorld(): Promise<void> {
  await managers?.stop();
  managers = undefined;
  await w?.close();
  w = undefined;
}
afterEach(closeWorld);

/** `w` with the managers' stand-in joined, `twoRacks` loaded, at tick 5. */
async function startWorld(
  label: string,
  options: Parameters<typeof startInventoryWorld>[1],
): Promise<InventoryWorld> {
  w = await startInventoryWorld(label, options);
  effects = [];
  managers = await Participant.join(w.store, {
    name: 'test-managers',
    onTick: ({ tick }) => {
      const ops = effects;
      effects = [];
      return { ops, nextWakeup: tick + 1 };
    },
  });
  await w.load(twoRacks);
  await w.clock.runUntil(5);
  return w;
}

/** Steps the clock one tick, in which the managers' stand-in writes `ops`; resolves with that tick. */
async function writeAtNextTick(ops: Op[]): Promise<number> {
  const tick = (await w!.now()) + 1;
  effects.push(...ops);
  await w!.clock.runUntil(tick);
  expect(effects).toEqual([]);
  return tick;
}

const seed = 3;
const b0 = 'r1/z1/rack1/blade/0';
const b1 = 'r1/z1/rack2/blade/1';

const instance = (n: number, wanted = true): InstanceRecord => ({
  workload: 'web',
  n,
  generation: 1,
  image: 'web-1',
  demand: { cores: 2, memoryGib: 4, diskGib: 10, networkGbps: 0 },
  wanted,
  stopReason: wanted ? '' : 'scaled down to 1',
  createdTick: 6,
  replaces: '',
});

/** Writes instance `web/<n>` and its placement on `blade` for each pair at tick 6, as the two managers would. */
async function place(placements: ReadonlyArray<readonly [number, string]>): Promise<void> {
  const placed = await writeAtNextTick(
    placements.flatMap(([n, blade]) => [
      op.put(InstanceRecord, keys.instance('web', n), instance(n)),
      op.put(PlacementRecord, keys.placement(blade, 'web', n), {
        ...PlacementRecord.fromPartial({}),
        workload: 'web',
        n,
        blade,
        demand: instance(n).demand,
        placedTick: 6,
      }),
    ]),
  );
  expect(placed).toBe(6);
}

/** A world with the monitor watching instances, its blades working from tick 5. */
const startInstances = (label: string): Promise<InventoryWorld> =>
  startWorld(label, {
    seed,
    monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 30 },
    timings: { instanceStartTicks: [2, 4], instanceStopTicks: [2, 2] },
  });

async function actual(n: number): Promise<InstanceActual | undefined> {
  return (await w!.store.get(InstanceActual, keys.instanceActual('web', n)))?.value;
}
async function observed(n: number): Promise<InstanceObserved | undefined> {
  return (await w!.store.get(InstanceObserved, keys.instanceObserved('web', n)))?.value;
}
const state = (a: InstanceActual | undefined): string =>
  a === undefined ? 'none' : InstanceState[a.state].replace('INSTANCE_STATE_', '').toLowerCase();
const health = (o: InstanceObserved | undefined): string =>
  o === undefined ? 'none' : InstanceHealth[o.health].replace('INSTANCE_HEALTH_', '').toLowerCase();

describe('instances in the simulated hardware', () => {
  it('start, run, are lost with their blade, stop when unwanted and go with their placement', async () => {
    w = await startInstances('instances');
    await place([
      [1, b0],
      [2, b1],
    ]);

    // Placed at 6, seen by the inventory at 7: starting, due at the tick drawn for it.
    await w.clock.runUntil(7);
    const due = (n: number) => 7 + randomStream(seed, instanceName('web', n), 7, 'start').int(2, 4);
    expect(await actual(1)).toEqual({
      state: InstanceState.INSTANCE_STATE_STARTING,
      blade: b0,
      sinceTick: 7,
      dueTick: due(1),
      reason: `starting web-1 on ${b0}`,
    });
    expect((await actual(2))?.dueTick).toBe(due(2));
    expect(health(await observed(1))).toBe('none');
    await w.clock.runUntil(8);
    expect(await observed(1)).toMatchObject({
      health: InstanceHealth.INSTANCE_HEALTH_STARTING,
      sinceTick: 8,
    });
    const timeline: string[] = [];
    const last = Math.max(due(1), due(2)) + 1;
    for (let t = 8; t <= last; t++) {
      await w.clock.runUntil(t);
      timeline.push(`${t}:${state(await actual(1))}/${health(await observed(1))}`);
    }
    expect(timeline).toEqual(
      Array.from({ length: last - 7 }, (_, i) => {
        const t = 8 + i;
        return `${t}:${t >= due(1) ? 'running' : 'starting'}/${t > due(1) ? 'running' : 'starting'}`;
      }),
    );
    expect(state(await actual(2))).toBe('running');

    // Blade 0 crashes at T+1: its instance is lost at once; the other one runs on. The control
    // plane hears nothing from the blade: the instance is observed failed with it, at T+3.
    const t0 = await w.now();
    const fault = await w.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0]);
    const seen: string[] = [];
    for (let t = t0 + 1; t <= t0 + 3; t++) {
      await w.clock.runUntil(t);
      seen.push(`${t - t0}:${state(await actual(1))}/${health(await observed(1))}`);
    }
    expect(seen).toEqual(['1:lost/running', '2:lost/running', '3:lost/failed']);
    expect(await actual(1)).toMatchObject({
      sinceTick: t0 + 1,
      reason: `blade ${b0} crashed (fault ${fault.id})`,
    });
    expect(await observed(1)).toMatchObject({
      sinceTick: t0 + 3,
      reason: `its blade ${b0} is not heard from since tick ${t0}`,
    });
    expect(state(await actual(2))).toBe('running');
    expect(health(await observed(2))).toBe('running');

    // web/2 no longer wanted: stopping for 2 ticks, then stopped; seen a tick later.
    const t1 = await writeAtNextTick([
      op.put(InstanceRecord, keys.instance('web', 2), instance(2, false)),
    ]);
    const stopping: string[] = [];
    for (let t = t1 + 1; t <= t1 + 4; t++) {
      await w.clock.runUntil(t);
      stopping.push(`${t - t1}:${state(await actual(2))}/${health(await observed(2))}`);
    }
    expect(stopping).toEqual([
      '1:stopping/running',
      '2:stopping/running',
      '3:stopped/running',
      '4:stopped/stopped',
    ]);
    expect(await actual(2)).toMatchObject({ reason: 'stopped: scaled down to 1' });

    // The placements deleted (the scheduler's clean-up): the actual records go at the next
    // tick, the observations at the one after.
    const t2 = await writeAtNextTick([
      op.delete(keys.placement(b0, 'web', 1)),
      op.delete(keys.placement(b1, 'web', 2)),
    ]);
    await w.clock.runUntil(t2 + 1);
    expect([await actual(1), await actual(2)]).toEqual([undefined, undefined]);
    expect(health(await observed(2))).toBe('stopped');
    await w.clock.runUntil(t2 + 2);
    expect([await observed(1), await observed(2)]).toEqual([undefined, undefined]);
  });

  it('replay to the same digest when the inventory is killed and restarted mid-run', async () => {
    const run = async (restartAt: number | undefined) => {
      w = await startInstances(`instances-restart-${restartAt ?? 'none'}`);
      await place([
        [1, b0],
        [2, b1],
        [3, b0],
      ]);
      await w.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0], { at: 12 });
      for (let t = 7; t <= 20; t++) {
        if (t === restartAt) await w.restartInventory();
        if (t === 15)
          await writeAtNextTick([
            op.put(InstanceRecord, keys.instance('web', 2), instance(2, false)),
          ]);
        else await w.clock.runUntil(t);
      }
      const out = {
        digest: (await w.clock.getStatus()).digest,
        states: [state(await actual(1)), state(await actual(2)), state(await actual(3))],
      };
      await closeWorld();
      return out;
    };
    const uninterrupted = await run(undefined);
    expect(uninterrupted.states).toEqual(['lost', 'stopped', 'lost']);
    // Killed while the instances start, and again while one stops.
    expect(await run(9)).toEqual(uninterrupted);
    expect(await run(16)).toEqual(uninterrupted);
  });
});

describe('the drain gate', () => {
  it('powers a drained blade down only once no placement remains on it', async () => {
    w = await startWorld('instances-drain', {
      monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
      repair: { rackBudget: 2, powerCycles: 2, technicianTicks: 3 },
    });
    await place([[1, b0]]);
    const effective = await w.inventory.setTarget(b0, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: true,
      reason: 'firmware update',
      drain: true,
    });
    await w.clock.runUntil(effective + 6);
    const [waiting] = await w.repairs();
    expect(waiting).toMatchObject({
      target: b0,
      purpose: 'power-down',
      status: RepairStatus.REPAIR_STATUS_PENDING,
      commandId: '',
      reason: `draining: 1 instance still on ${b0}`,
    });
    expect((await w.blade(b0)).state).toBe(BladeState.BLADE_STATE_WORKING);

    // The last placement goes: the power-off is issued the tick the manager sees it.
    const gone = await writeAtNextTick([op.delete(keys.placement(b0, 'web', 1))]);
    await w.clock.runUntil(gone + 1);
    const [issued] = await w.repairs();
    expect(issued).toMatchObject({ status: RepairStatus.REPAIR_STATUS_RUNNING });
    expect(issued!.commandId).not.toBe('');
    expect(issued!.history.at(-1)).toMatchObject({ tick: gone + 1, outcome: 'issued' });
    await w.clock.runUntil(gone + 8);
    expect((await w.blade(b0)).state).toBe(BladeState.BLADE_STATE_OFF);
  });
});
