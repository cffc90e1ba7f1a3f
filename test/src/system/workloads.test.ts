import { ClockClient } from '@chamber/clock-client';
import { FaultsClient } from '@chamber/faults-client';
import { FaultKind, InstanceHealth, type Instance } from '@chamber/protos';
import {
  SchedulerClient,
  WorkloadsClient,
  type WorkloadSpecWords,
} from '@chamber/workloads-client';
import { rackOf } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulationProcesses } from './processes.js';

// Workloads end to end, every service a process as `npm start` runs it: a
// workload is placed by the scheduler, run by the simulated hardware,
// observed by the monitor and kept at strength by the workload repair
// manager, through a rack's power failure.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Ticks a workload may take to be fully running, from its creation or from a loss. */
const settleTicks = 30;

const web: WorkloadSpecWords = {
  name: 'web',
  instances: 6,
  demand: { cores: 4, memoryGib: 8, diskGib: 20 },
  image: 'web-1',
  placement: { rule: 'strong_anti_affinity', level: 'rack' },
  maxUnavailable: 1,
};

async function start(label: string) {
  const processes = await startSimulationProcesses({ label, seed: 5, cleanup });
  const clock = ClockClient.connect(`127.0.0.1:${processes.stepperPort}`);
  const faults = FaultsClient.connect(processes.address('faults'));
  const workloads = WorkloadsClient.connect(processes.address('workload-repair'));
  const scheduler = SchedulerClient.connect(processes.address('scheduler'));
  cleanup.push(() => {
    clock.close();
    faults.close();
    workloads.close();
    scheduler.close();
  });
  await clock.waitForTick(0);
  return { clock, faults, workloads, scheduler, restart: processes.restart };
}

type World = Awaited<ReturnType<typeof start>>;

const running = (instances: readonly Instance[]): Instance[] =>
  instances.filter((i) => i.wanted && i.observed === InstanceHealth.INSTANCE_HEALTH_RUNNING);

/**
 * Steps the clock a tick at a time until every desired instance of `web` is
 * observed running (by its instances and by the workload's own count) and
 * `also` holds, at most {@link settleTicks} ticks; its instances then.
 */
async function stepUntilRunning(
  w: World,
  also: (instances: readonly Instance[]) => boolean = () => true,
): Promise<Instance[]> {
  const from = (await w.clock.getStatus()).tick;
  for (let t = from + 1; t <= from + settleTicks; t++) {
    await w.clock.runUntil(t);
    const instances = await w.workloads.listInstances({ workload: web.name });
    const workload = await w.workloads.get(web.name);
    if (
      running(instances).length === web.instances &&
      workload.observedRunning === web.instances &&
      also(instances)
    )
      return instances;
  }
  throw new Error(`web not running at full strength within ${settleTicks} ticks of tick ${from}`);
}

describe('a workload on the simulated cloud', () => {
  it('is placed one instance per rack with its reasons, runs, and is back at strength after a rack loses power, having lost only the instance there', async () => {
    const w = await start('workloads-e2e');
    await w.clock.runUntil(8); // every blade working and observed healthy
    await w.workloads.create(web);
    const placed = await stepUntilRunning(w);

    const racks = placed.map((i) => rackOf(i.blade));
    expect(new Set(racks).size).toBe(web.instances);
    const why = await w.scheduler.explain(web.name, placed[0]!.n);
    expect(why.placed).toBe(true);
    expect(why.explanation!.blade).toBe(placed[0]!.blade);
    expect(why.explanation!.candidates.length).toBeGreaterThan(0);
    expect(why.explanation!.summary).toMatch(/anti-affinity/);

    // The first instance's rack loses power: that instance alone is lost and replaced elsewhere.
    const dark = racks[0]!;
    await w.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, [`${dark}/pdu/0`]);
    const after = await stepUntilRunning(w, (all) =>
      running(all).every((i) => rackOf(i.blade) !== dark),
    );
    const survivors = running(after).filter((i) => placed.some((p) => p.n === i.n));
    expect(survivors.map((i) => i.n).sort()).toEqual(
      placed
        .slice(1)
        .map((i) => i.n)
        .sort(),
    );
    expect(new Set(running(after).map((i) => rackOf(i.blade))).size).toBe(web.instances);

    // Its availability after recovery: the lost instance's ticks counted (its ramp-up not), one
    // outage, detected and over within the bound.
    const availability = await w.workloads.availability(web.name);
    expect(availability.instanceTicksLost).toBeGreaterThan(0);
    expect(availability.outages).toHaveLength(1);
    expect(availability.outages[0]!.endTick).toBeDefined();
    expect(availability.outages[0]!.detectedTick).toBeDefined();
    expect(availability.worstOutageTicks).toBeLessThanOrEqual(settleTicks);
    expect(availability.availability).toBeLessThan(1);
    expect(availability.rampTicks).toBeGreaterThan(0);
    expect([availability.desired, availability.running]).toEqual([web.instances, web.instances]);
  });

  it('reaches the same digest when the scheduler and the workload repair manager are SIGKILLed mid-run', async () => {
    // A blade under an instance crashes at tick 20; the two services are killed
    // around it, at ticks the reference run passes through undisturbed.
    const run = async (label: string, kills: ReadonlyMap<number, string>) => {
      const w = await start(label);
      await w.clock.runUntil(8);
      await w.workloads.create(web);
      for (let t = 9; t <= 40; t++) {
        const victim = kills.get(t);
        if (victim !== undefined) await w.restart(victim);
        if (t === 20) {
          const [first] = await w.workloads.listInstances({ workload: web.name });
          await w.faults.inject(FaultKind.FAULT_KIND_CRASH, [first!.blade]);
        }
        await w.clock.runUntil(t);
      }
      const status = await w.clock.getStatus();
      const instances = await w.workloads.listInstances({ workload: web.name });
      for (const c of cleanup.splice(0).reverse()) await c();
      return {
        deterministic: status.deterministic,
        digest: status.digest,
        instances: instances.map((i) => ({ n: i.n, blade: i.blade })),
      };
    };
    const reference = await run('workloads-steady', new Map());
    const killed = await run(
      'workloads-killed',
      new Map([
        [12, 'scheduler'],
        [21, 'workload-repair'],
        [23, 'scheduler'],
      ]),
    );
    expect(reference.deterministic).toBe(true);
    // Numbered from 0: the crash cost one instance, replaced by number 6.
    expect(reference.instances.map((i) => i.n)).toContain(web.instances);
    expect(killed).toEqual(reference);
  });
});
