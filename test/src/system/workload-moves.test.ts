import { ClockClient } from '@chamber/clock-client';
import { FaultsClient } from '@chamber/faults-client';
import { InventoryClient } from '@chamber/inventory-client';
import {
  BladeState,
  FaultKind,
  InstanceState,
  TargetState,
  View,
  type Instance,
} from '@chamber/protos';
import {
  SchedulerClient,
  WorkloadsClient,
  type WorkloadSpecWords,
} from '@chamber/workloads-client';
import { rackOf } from '@chamber/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulationProcesses } from './processes.js';

// How workloads move, every service a process as `npm start` runs it, on the
// `standard` sample (8 racks of 8 blades of 32 cores): a rack drained in one
// call, a blade crash, spread against bin-pack, a rolling update, and a
// workload that fits nowhere until capacity appears. The clock is stepped a
// tick at a time and what users rely on is checked at every tick.

/** Ticks one change of one instance may take to settle (placement, start, a move, a stop). */
const settleTicks = 40;
/** Ticks a change of every instance may take: one at a time (maxUnavailable 1), make before break. */
const rollTicks = 120;

const web: WorkloadSpecWords = {
  name: 'web',
  instances: 6,
  demand: { cores: 4, memoryGib: 8, diskGib: 20 },
  image: 'web-1',
  maxUnavailable: 1,
};
const least = web.instances - web.maxUnavailable!;

async function start(label: string, cleanup: Array<() => Promise<void> | void>, strategy = '') {
  const processes = await startSimulationProcesses({
    label,
    seed: 11,
    cleanup,
    ...(strategy === '' ? {} : { env: { scheduler: { CHAMBER_SCHEDULER_STRATEGY: strategy } } }),
  });
  const clock = ClockClient.connect(`127.0.0.1:${processes.stepperPort}`);
  const faults = FaultsClient.connect(processes.address('faults'));
  const inventory = InventoryClient.connect(processes.address('inventory'));
  const workloads = WorkloadsClient.connect(processes.address('workload-repair'));
  const scheduler = SchedulerClient.connect(processes.address('scheduler'));
  cleanup.push(() => {
    clock.close();
    faults.close();
    inventory.close();
    workloads.close();
    scheduler.close();
  });
  await clock.waitForTick(0);
  await clock.runUntil(8); // every blade working and observed healthy
  return { clock, faults, inventory, workloads, scheduler };
}

type World = Awaited<ReturnType<typeof start>>;

/** A world shared by a `describe`'s tests (they run in order, each on what the last left). */
function sharedWorld(label: string, strategy = ''): () => World {
  const cleanup: Array<() => Promise<void> | void> = [];
  let world: World | undefined;
  beforeAll(async () => {
    world = await start(label, cleanup, strategy);
  });
  afterAll(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  return () => world!;
}

const isRunning = (i: Instance): boolean => i.state === InstanceState.INSTANCE_STATE_RUNNING;
const running = (instances: readonly Instance[]): Instance[] => instances.filter(isRunning);

/**
 * Steps the clock a tick at a time, at most `limit` ticks, calling
 * `each` with the tick and `name`'s instances after every one, until `done`
 * holds for them; its instances then.
 */
async function stepUntil(
  w: World,
  name: string,
  done: (instances: readonly Instance[]) => boolean,
  each: (tick: number, instances: readonly Instance[]) => Promise<void> | void = () => {},
  limit = settleTicks,
): Promise<Instance[]> {
  const from = (await w.clock.getStatus()).tick;
  for (let t = from + 1; t <= from + limit; t++) {
    await w.clock.runUntil(t);
    const instances = await w.workloads.listInstances({ workload: name });
    await each(t, instances);
    if (done(instances)) return instances;
  }
  const left = await w.workloads.listInstances({ workload: name });
  throw new Error(
    `${name} did not settle within ${limit} ticks of tick ${from}: ${JSON.stringify(left.map((i) => [i.n, InstanceState[i.state], i.blade, i.reason]))}`,
  );
}

/** Every desired instance running, none other still placed. */
const atStrength =
  (spec: WorkloadSpecWords) =>
  (instances: readonly Instance[]): boolean =>
    running(instances).length === spec.instances &&
    instances.every(
      (i) => isRunning(i) || !i.wanted || i.state === InstanceState.INSTANCE_STATE_STOPPED,
    );

describe('workloads on a spread scheduler', () => {
  const world = sharedWorld('moves-spread');

  it('spreads a workload over distinct blades, each placement explained as spread', async () => {
    const w = world();
    await w.workloads.create(web);
    const placed = await stepUntil(w, web.name, atStrength(web));
    expect(new Set(placed.map((i) => i.blade)).size).toBe(web.instances);
    for (const i of placed) {
      const why = await w.scheduler.explain(web.name, i.n);
      expect(why.explanation!.blade).toBe(i.blade);
      expect(why.explanation!.summary).toMatch(/^placed on \S+ by spread, /);
    }
  });

  it('replaces only the instances of a crashed blade; the others keep their blade and number', async () => {
    const w = world();
    const before = running(await w.workloads.listInstances({ workload: web.name }));
    const crashed = before[0]!.blade;
    const lost = before.filter((i) => i.blade === crashed).map((i) => i.n);
    const kept = before.filter((i) => i.blade !== crashed).map((i) => ({ n: i.n, blade: i.blade }));
    await w.faults.inject(FaultKind.FAULT_KIND_CRASH, [crashed]);
    const after = await stepUntil(w, web.name, (all) => {
      const up = running(all);
      return up.length === web.instances && up.every((i) => !lost.includes(i.n));
    });
    const up = running(after).map((i) => ({ n: i.n, blade: i.blade }));
    expect(up.filter((i) => kept.some((k) => k.n === i.n))).toEqual(kept);
    const replacements = up.filter((i) => !kept.some((k) => k.n === i.n));
    expect(replacements).toHaveLength(lost.length);
    const highest = Math.max(...before.map((i) => i.n));
    for (const r of replacements) {
      expect(r.n).toBeGreaterThan(highest);
      expect(r.blade).not.toBe(crashed);
    }
  });

  it('rolls a new image over every instance, never more than maxUnavailable short at any tick', async () => {
    const w = world();
    const old = await w.workloads.get(web.name);
    await w.workloads.update({ ...web, image: 'web-2' });
    const shortfalls: string[] = [];
    const rolled = await stepUntil(
      w,
      web.name,
      (all) => atStrength(web)(all) && running(all).every((i) => i.generation > old.generation),
      (tick, all) => {
        if (running(all).length < least)
          shortfalls.push(`tick ${tick}: ${running(all).length} running`);
      },
      rollTicks,
    );
    expect(shortfalls).toEqual([]);
    const generation = (await w.workloads.get(web.name)).generation;
    expect(generation).toBeGreaterThan(old.generation);
    expect(running(rolled).map((i) => i.generation)).toEqual(Array(web.instances).fill(generation));
  });

  it('drains a rack in one call: its instances move first, within maxUnavailable, then its blades power down', async () => {
    const w = world();
    const before = running(await w.workloads.listInstances({ workload: web.name }));
    // The rack holding most of them (the first such in key order).
    const racks = [...new Set(before.map((i) => rackOf(i.blade)))].sort();
    const onRackOf = (r: string) => before.filter((i) => rackOf(i.blade) === r);
    const rack = racks.reduce((a, b) => (onRackOf(b).length > onRackOf(a).length ? b : a));
    const onRack = onRackOf(rack);
    const blades = Array.from({ length: 8 }, (_, i) => `${rack}/blade/${i}`);
    const bladeStates = async () =>
      Promise.all(
        blades.map(async (b) => {
          const e = await w.inventory.getElement(b, { view: View.VIEW_ACTUAL });
          return [b, e.bladeActual!.state] as const;
        }),
      );
    const isDown = (s: BladeState) =>
      s === BladeState.BLADE_STATE_STOPPING || s === BladeState.BLADE_STATE_OFF;

    await w.inventory.setTarget(rack, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: false,
      reason: 'rack maintenance',
      drain: true,
    });
    // Every instance on the rack moves (runs elsewhere) before any blade of
    // it goes down; none is ever lost; the rack ends dark.
    const broken: string[] = [];
    let allDown = false;
    const moved = await stepUntil(
      w,
      web.name,
      (all) => allDown && atStrength(web)(all),
      async (tick, all) => {
        const up = running(all);
        if (up.length < least) broken.push(`tick ${tick}: ${up.length} running`);
        for (const i of all)
          if (i.state === InstanceState.INSTANCE_STATE_LOST)
            broken.push(`tick ${tick}: instance ${i.n} lost on ${i.blade}`);
        const states = await bladeStates();
        const down = states.filter(([, state]) => isDown(state));
        if (down.length > 0) {
          const still = all.filter(
            (i) => rackOf(i.blade) === rack && i.state !== InstanceState.INSTANCE_STATE_STOPPED,
          );
          for (const i of still)
            broken.push(
              `tick ${tick}: ${down[0]![0]} is ${BladeState[down[0]![1]]} with instance ${i.n} ${InstanceState[i.state]} on ${i.blade}`,
            );
          const elsewhere = up.filter((i) => rackOf(i.blade) !== rack).length;
          if (elsewhere < web.instances)
            broken.push(`tick ${tick}: ${down[0]![0]} is down with ${elsewhere} running elsewhere`);
        }
        allDown = states.every(([, s]) => s === BladeState.BLADE_STATE_OFF);
      },
      rollTicks,
    );
    expect(broken).toEqual([]);
    expect(onRack.length).toBeGreaterThan(0);
    expect(running(moved).filter((i) => rackOf(i.blade) === rack)).toEqual([]);
    for (const i of onRack) expect(running(moved).some((m) => m.n === i.n)).toBe(false);
  });
});

describe('workloads on a bin-packing scheduler', () => {
  const world = sharedWorld('moves-binpack', 'bin_pack');

  it('packs the same workload onto the fewest blades, each placement explained as bin-pack', async () => {
    const w = world();
    await w.workloads.create(web);
    const placed = await stepUntil(w, web.name, atStrength(web));
    // 6 × 4 cores fit one 32-core blade.
    expect(new Set(placed.map((i) => i.blade)).size).toBe(1);
    for (const i of placed) {
      const why = await w.scheduler.explain(web.name, i.n);
      expect(why.explanation!.summary).toMatch(/^placed on \S+ by bin-pack, /);
    }
  });

  it('keeps a workload that fits nowhere pending, saying why, and places it when capacity appears', async () => {
    const w = world();
    // A whole blade each: with web's blade, every blade is too full for 16 cores.
    const hog: WorkloadSpecWords = {
      name: 'hog',
      instances: 63,
      demand: { cores: 32, memoryGib: 8, diskGib: 20 },
      image: 'hog-1',
      maxUnavailable: 1,
    };
    await w.workloads.create(hog);
    await stepUntil(w, hog.name, atStrength(hog));
    const late: WorkloadSpecWords = { ...web, name: 'late', instances: 1, demand: { cores: 16 } };
    await w.workloads.create(late);
    const why = 'no blade fits 16 cores by bin-pack: 64 blades lack 16 free cores';
    // It stays pending, tick after tick, for that reason.
    await w.clock.step(5);
    const [pending] = await w.workloads.listInstances({ workload: late.name });
    expect(pending!.state).toBe(InstanceState.INSTANCE_STATE_PENDING);
    expect(pending!.reason).toContain(why);
    const explained = await w.scheduler.explain(late.name, pending!.n);
    expect(explained.placed).toBe(false);
    expect(explained.explanation!.summary).toBe(why);

    // One hog instance fewer frees a blade: late is placed there, woken by the change.
    const hogs = await w.workloads.listInstances({ workload: hog.name });
    await w.workloads.update({ ...hog, instances: hog.instances - 1 });
    // The last tick each blade held a hog instance (until the manager removes it, stopped).
    const listedUntil = new Map<string, number>();
    const placed = await stepUntil(
      w,
      late.name,
      (all) => running(all).length === 1,
      async (tick) => {
        for (const h of await w.workloads.listInstances({ workload: hog.name }))
          listedUntil.set(h.blade, tick);
      },
    );
    const blade = running(placed)[0]!.blade;
    expect(hogs.filter((h) => h.blade === blade)).toHaveLength(1);
    // The manager removed the hog there at the tick after it was last listed;
    // the scheduler placed late at the next (effects are seen a tick later):
    // woken by the change, not by a timer.
    const placedAt = (await w.scheduler.explain(late.name, placed[0]!.n)).explanation!.tick;
    expect(placedAt).toBe(listedUntil.get(blade)! + 2);
    const now = await w.workloads.listInstances({ workload: hog.name });
    expect(running(now).filter((h) => h.blade === blade)).toEqual([]);
    expect(running(now)).toHaveLength(hog.instances - 1);
  });
});
