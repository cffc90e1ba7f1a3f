import { ClockClient } from '@chamber/clock-client';
import type { EtcdProcess } from '@chamber/etcd-process';
import { FaultsClient } from '@chamber/faults-client';
import { InventoryClient } from '@chamber/inventory-client';
import {
  AvailabilitySample,
  FaultKind,
  PlacementRecord,
  Policy,
  SettledRecord,
  TickRecord,
  View,
} from '@chamber/protos';
import { decode, maxTxnOps, op, Store, type WatchHandle } from '@chamber/store';
import { budgets } from '@chamber/testing';
import { WorkloadsClient, type WorkloadSpecWords } from '@chamber/workloads-client';
import { instanceOfKey, instanceName, keys } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sample } from '../system/inventory-world.js';
import { participantServices } from '../system/processes.js';
import {
  processCpuMs,
  profiledServiceEnv,
  startServiceProcesses,
  type NamedChild,
} from './process-world.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile, table } from './stats.js';

/** The issue's goals (issue 18, the workloads benchmark). */
const goals = { cpuPerPlacementMs: 1, tickRatio: 2, recoverySeconds: 30 };
/** Workloads created, one after the other, on each sample. */
const workloadCount = 10;
/**
 * Instances per workload: 10,000 in all on `large`; `standard` has 64 blades
 * of 32 cores (2,048 cores), so 10,000 instances of at least one core cannot
 * fit there: it gets 2,000 of the same demand.
 */
const perWorkload = { standard: 200, large: 1_000 } as const;
type SampleName = keyof typeof perWorkload;
/** The blades crashed at once in the second phase, each holding an instance. */
const faultCount = 1_000;
/** Idle ticks stepped (nothing input, nothing due) before the workloads, their median reported. */
const idleTicks = 5;
/** Past this many ticks a workload or a recovery is stuck, not slow. */
const maxTicks = 60;
/** Past this the run is stuck, not slow: its services' last lines are printed. */
const stallMs = budgets.longTestMs;
/**
 * With `CHAMBER_BENCH_WORKLOADS_PROFILE=<dir>`, the services of the `large`
 * world named in `CHAMBER_BENCH_WORKLOADS_PROFILE_SERVICES` (default: the
 * scheduler) write CPU profiles there (cpu-profile.ts) and every process's
 * output goes to `<dir>/<name>.log`; `node test/dist/src/bench/profile-top.js
 * <dir>` reads them. `window.json` covers the placement of the 10,000, or
 * with `CHAMBER_BENCH_WORKLOADS_PROFILE_PHASE=recovery` the recovery from the
 * 1,000 faults.
 */
const profileDir = process.env['CHAMBER_BENCH_WORKLOADS_PROFILE'];
const isProfiled = profileDir !== undefined && profileDir !== '';
const profiledPhase =
  process.env['CHAMBER_BENCH_WORKLOADS_PROFILE_PHASE'] === 'recovery' ? 'recovery' : 'placement';

/**
 * Starts the profiled window of `phase` (when it is the one profiled):
 * returns what ends it, writing `window.json` (its time span, ticks, the
 * processes and each one's CPU over it) for profile-top.
 */
function profileWindow(
  phase: typeof profiledPhase,
  children: readonly NamedChild[],
  etcd: EtcdProcess,
): (ticks: number) => void {
  if (!isProfiled || phase !== profiledPhase) return () => undefined;
  const cpuBefore = cpuNow(children, etcd);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  return (ticks) => {
    const cpuAfter = cpuNow(children, etcd);
    writeFileSync(
      path.join(profileDir, 'window.json'),
      JSON.stringify({
        startUs,
        endUs: Number(process.hrtime.bigint() / 1000n),
        ticks,
        processes: children.map(({ name, child }) => ({ name, pid: child.process.pid })),
        cpuMs: Object.fromEntries([...cpuAfter].map(([n, ms]) => [n, ms - cpuBefore.get(n)!])),
      }),
    );
  };
}

/**
 * The mix, the same on both samples: one core, 4 GiB and 16 GiB of disk
 * each, with no rule, a weak affinity by zone, or (one workload in ten) a
 * weak anti-affinity by rack.
 */
function specOf(w: number, instances: number): WorkloadSpecWords {
  const placement: WorkloadSpecWords['placement'] =
    w === 3
      ? { rule: 'weak_anti_affinity', level: 'rack' }
      : w % 2 === 1
        ? { rule: 'weak_affinity', level: 'zone' }
        : { rule: 'none' };
  return {
    name: `bench${w}`,
    instances,
    demand: { cores: 1, memoryGib: 4, diskGib: 16 },
    image: 'bench-1',
    placement,
    maxUnavailable: Math.max(1, instances / 10),
  };
}

/** What one tick cost: its wall time (step to settled) and the CPU of the scheduler and of every process. */
interface TickCost {
  readonly tick: number;
  readonly wallMs: number;
  readonly schedulerMs: number;
  /** Every service process and etcd. */
  readonly allMs: number;
  /** The participants the tick expected. */
  readonly expected: readonly string[];
  /** Each process's CPU (ms), etcd's too. */
  readonly cpuBy: ReadonlyMap<string, number>;
}

/** One workload's placement: the ticks it took, and what its placing ticks cost. */
interface Batch {
  readonly name: string;
  readonly rule: string;
  readonly placed: number;
  /** The ticks in which its instances were placed. */
  readonly placingTicks: number;
  /** Scheduler CPU in the placing ticks, per instance placed. */
  readonly schedulerMsEach: number;
  /** Scheduler CPU from the create to every instance observed running, per instance. */
  readonly schedulerAllMsEach: number;
  /** The placing ticks' wall time and whole-system CPU, per instance placed. */
  readonly wallMsEach: number;
  readonly allMsEach: number;
  /** Ticks from the create's tick to every instance observed running. */
  readonly ticksToRunning: number;
}

/**
 * A world of every participant the launcher runs (stepper, inventory, fault
 * injector, monitor, repair manager, scheduler, workload repair manager),
 * each its own process, with `name` loaded and run (no-wait) until every
 * blade is observed healthy, then left manual; and a watch of the
 * placements (who is on which blade, and when each was placed).
 */
async function startWorld(
  etcd: EtcdProcess,
  name: SampleName,
  children: NamedChild[],
  env: Record<string, string>,
) {
  const endpoints = [...etcd.endpoints];
  const simulation = `bench-workloads-${name}-${randomBytes(3).toString('hex')}`;
  const store = await Store.connect({ endpoints, simulation });
  const { stepperPort, addresses } = await startServiceProcesses(
    endpoints,
    simulation,
    children,
    env,
    participantServices,
  );
  const clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
  // A loaded machine takes longer than the interactive 30 s to validate 100,000 blades.
  const inventory = InventoryClient.connect(addresses['inventory']!, { timeoutMs: stallMs });
  const workloads = WorkloadsClient.connect(addresses['workload-repair']!, { timeoutMs: stallMs });
  const faults = FaultsClient.connect(addresses['faults']!, { timeoutMs: stallMs });

  /** Each instance's placement (`<workload>/<n>` → blade, placed tick), as the watch saw it. */
  const placements = new Map<string, { blade: string; tick: number }>();
  /** Each workload's latest availability sample, as the watch saw it. */
  const availability = new Map<string, AvailabilitySample>();
  /** The last settled tick the watch saw: the maps above hold the world through it. */
  let settled = -1;
  const settleWaiters = new Set<() => void>();
  // One watch of the whole simulation, so its events come in revision order:
  // every write of a tick arrives before the tick's settled record.
  const watch: WatchHandle = await store.watch('', {}, (events) => {
    for (const e of events) {
      if (e.key.startsWith(keys.placementsPrefix)) {
        const at = instanceOfKey(e.key);
        if (at === undefined) continue;
        const id = instanceName(at.workload, at.n);
        if (e.value === undefined) placements.delete(id);
        else
          placements.set(id, {
            blade: at.blade ?? '',
            tick: Number(decode(PlacementRecord, e.key, e.value).placedTick),
          });
      } else if (e.key.startsWith(keys.availabilityPrefix) && e.value !== undefined) {
        const sample = decode(AvailabilitySample, e.key, e.value);
        availability.set(sample.workload, sample);
      } else if (e.key === keys.clockSettled && e.value !== undefined) {
        settled = Number(decode(SettledRecord, e.key, e.value).tick);
        for (const wake of [...settleWaiters]) wake();
      }
    }
  });
  /** Resolves once the watch has seen tick `tick` settle. */
  const seenSettled = (tick: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        if (settled < tick) return;
        settleWaiters.delete(wake);
        resolve();
      };
      settleWaiters.add(wake);
      wake();
    });
  const close = (): void => {
    void watch.cancel();
    clock.close();
    inventory.close();
    workloads.close();
    faults.close();
    store.close();
  };
  try {
    await clock.waitForTick(0);
    const started = Date.now();
    const load = await inventory.loadDefinition(sample(name), `${name}.yaml`);
    await clock.setPolicy(Policy.POLICY_NO_WAIT);
    // Every blade is up by the load's tick + 1 (powered) + the longest
    // firmware start + the longest boot + 1 (working), as in large.ts; the
    // monitor observes it healthy a tick or so after.
    let tick = load.effectiveTick + 1 + 2 + 12 + 1;
    await clock.runUntil(tick, { timeoutMs: stallMs });
    let blades = 0;
    for (;;) {
      const observed = await inventory.getSummary({ view: View.VIEW_OBSERVED });
      blades = Number(observed.blades);
      const healthy = Number(observed.bladeStates['OBSERVED_STATE_HEALTHY'] ?? 0);
      if (blades > 0 && healthy === blades) break;
      if (tick > load.effectiveTick + maxTicks)
        throw new Error(
          `${name}: not every blade observed healthy by tick ${tick}: ${JSON.stringify(observed.bladeStates)}`,
        );
      tick += 1;
      await clock.runUntil(tick, { timeoutMs: stallMs });
    }
    await clock.setPolicy(Policy.POLICY_MANUAL);
    console.log(
      `${name}: ${blades.toLocaleString('en')} blades loaded and observed healthy by tick ${tick} in ${fmt((Date.now() - started) / 1000, 1)} s`,
    );
    return {
      store,
      clock,
      workloads,
      faults,
      placements,
      availability,
      seenSettled,
      blades,
      tick,
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

type World = Awaited<ReturnType<typeof startWorld>>;

/** Each process's CPU so far (ms), etcd's too. */
function cpuNow(children: readonly NamedChild[], etcd: EtcdProcess): Map<string, number> {
  return new Map([
    ...children.map(({ name, child }) => [name, processCpuMs(child.process.pid!)] as const),
    ['etcd', processCpuMs(etcd.pid)] as const,
  ]);
}

/** Steps the clock to `tick` (manual), measuring its wall time and the CPU spent meanwhile. */
async function stepMeasured(
  world: World,
  tick: number,
  children: readonly NamedChild[],
  etcd: EtcdProcess,
): Promise<TickCost> {
  const before = cpuNow(children, etcd);
  const started = performance.now();
  await world.clock.runUntil(tick, { timeoutMs: stallMs });
  const wallMs = performance.now() - started;
  const after = cpuNow(children, etcd);
  const cpuBy = new Map([...after].map(([name, ms]) => [name, ms - before.get(name)!] as const));
  const allMs = [...cpuBy.values()].reduce((a, b) => a + b, 0);
  const published = await world.store.get(TickRecord, keys.clockTick);
  return {
    tick,
    wallMs,
    schedulerMs: after.get('scheduler')! - before.get('scheduler')!,
    allMs,
    expected: published?.value.expected ?? [],
    cpuBy,
  };
}

/**
 * Phase 1 on one sample: the {@link workloadCount} workloads created one
 * after the other, each stepped a tick at a time until every instance is
 * observed running; what each cost. Also the cost of {@link idleTicks} idle ticks first.
 */
async function placeAll(
  world: World,
  name: SampleName,
  children: readonly NamedChild[],
  etcd: EtcdProcess,
): Promise<{ batches: Batch[]; idle: TickCost[] }> {
  let tick = world.tick;
  const idle: TickCost[] = [];
  for (let i = 0; i < idleTicks; i++) idle.push(await stepMeasured(world, ++tick, children, etcd));
  const batches: Batch[] = [];
  for (let w = 0; w < workloadCount; w++) {
    const spec = specOf(w, perWorkload[name]);
    const created = await world.workloads.create(spec);
    const costs = new Map<number, TickCost>();
    for (;;) {
      tick++;
      costs.set(tick, await stepMeasured(world, tick, children, etcd));
      if ((await world.workloads.get(spec.name)).observedRunning === spec.instances) break;
      if (tick > created + maxTicks)
        throw new Error(`${name}: ${spec.name} not running by tick ${tick}`);
    }
    const ticks = [...world.placements]
      .filter(([id]) => id.startsWith(`${spec.name}/`))
      .map(([, p]) => p.tick);
    const placing = [...new Set(ticks)].map((t) => costs.get(t));
    if (placing.some((c) => c === undefined))
      throw new Error(`${name}: ${spec.name} placed at a tick not stepped`);
    const sum = (f: (c: TickCost) => number): number =>
      placing.reduce((n, c) => n + f(c!), 0) / ticks.length;
    batches.push({
      name: spec.name,
      rule: `${spec.placement?.rule ?? 'none'}${spec.placement?.level === undefined ? '' : ` by ${spec.placement.level}`}`,
      placed: ticks.length,
      placingTicks: placing.length,
      schedulerMsEach: sum((c) => c.schedulerMs),
      schedulerAllMsEach: [...costs.values()].reduce((n, c) => n + c.schedulerMs, 0) / ticks.length,
      wallMsEach: sum((c) => c.wallMs),
      allMsEach: sum((c) => c.allMs),
      ticksToRunning: tick - created,
    });
    const b = batches[batches.length - 1]!;
    console.log(
      `  ${name} ${b.name} (${b.rule}): ${b.placed} placed in ${b.placingTicks} tick(s), scheduler ${fmt(b.schedulerMsEach * 1000, 0)} µs each, running after ${b.ticksToRunning} ticks`,
    );
  }
  world.tick = tick;
  return { batches, idle };
}

/** Prints one sample's batches, and returns their medians. */
function report(
  name: SampleName,
  blades: number,
  batches: readonly Batch[],
  idleCosts: readonly TickCost[],
) {
  const us = (ms: number): string => fmt(ms * 1000, 0);
  console.log(
    `\n${name} (${blades.toLocaleString('en')} blades): ${workloadCount} workloads of ${perWorkload[name].toLocaleString('en')} instances (1 core, 4 GiB, 16 GiB each), each created then stepped until observed running`,
  );
  console.log(
    table([
      [
        'workload',
        'rule',
        'placed',
        'placing ticks',
        'scheduler µs/inst (placing)',
        'scheduler µs/inst (to running)',
        'tick wall µs/inst',
        'all CPU µs/inst',
        'ticks to running',
      ],
      ...batches.map((b) => [
        b.name,
        b.rule,
        String(b.placed),
        String(b.placingTicks),
        us(b.schedulerMsEach),
        us(b.schedulerAllMsEach),
        us(b.wallMsEach),
        us(b.allMsEach),
        String(b.ticksToRunning),
      ]),
    ]),
  );
  const median = (f: (b: Batch) => number): number => quantile(batches.map(f), 0.5);
  const m = {
    schedulerMsEach: median((b) => b.schedulerMsEach),
    schedulerAllMsEach: median((b) => b.schedulerAllMsEach),
    wallMsEach: median((b) => b.wallMsEach),
    allMsEach: median((b) => b.allMsEach),
  };
  const idle = {
    wallMs: quantile(
      idleCosts.map((c) => c.wallMs),
      0.5,
    ),
    allMs: quantile(
      idleCosts.map((c) => c.allMs),
      0.5,
    ),
  };
  console.log(
    `medians: scheduler ${us(m.schedulerMsEach)} µs per placement in its placing tick (${us(m.schedulerAllMsEach)} µs from create to running); placing tick ${us(m.wallMsEach)} µs wall and ${us(m.allMsEach)} µs CPU (all processes + etcd) per instance; an idle tick (median of ${idleCosts.length}): ${fmt(idle.wallMs, 1)} ms wall, ${fmt(idle.allMs, 1)} ms CPU; expected: ${idleCosts.map((c) => `${c.tick} [${c.expected.join(' ')}]`).join(', ')}`,
  );
  return m;
}

/**
 * Phase 2 on `large`: {@link faultCount} blades that hold instances (spread
 * over the region) crash at once, in one call; the clock is stepped a tick
 * at a time until no placement is left on them and every workload has all
 * its instances running and observed running again (its availability
 * samples, as the world's watch holds them once the tick settled: nothing is
 * read per tick, so the figure is the system's, not the bench's reads').
 */
async function recover(
  world: World,
  children: readonly NamedChild[],
  etcd: EtcdProcess,
): Promise<{
  wallMs: number;
  injectMs: number;
  ticks: number;
  displaced: number;
  costs: TickCost[];
}> {
  const held = [...new Set([...world.placements.values()].map((p) => p.blade))].sort();
  if (held.length < faultCount)
    throw new Error(`only ${held.length} blades hold instances, fewer than ${faultCount}`);
  const step = held.length / faultCount;
  const crashed = new Set(
    Array.from({ length: faultCount }, (_, i) => held[Math.floor(i * step)]!),
  );
  const onCrashed = (): number =>
    [...world.placements.values()].filter((p) => crashed.has(p.blade)).length;
  const displaced = onCrashed();
  const desired = new Map(
    (await world.workloads.list()).map((w) => [w.spec!.name, w.spec!.instances]),
  );
  const whole = (): boolean =>
    [...desired].every(([name, n]) => {
      const sample = world.availability.get(name);
      return sample?.running === n && sample.observedRunning === n;
    });
  const started = performance.now();
  await world.faults.inject(FaultKind.FAULT_KIND_CRASH, [...crashed], {}, 'bench');
  const injectMs = performance.now() - started;
  let tick = world.tick;
  const costs: TickCost[] = [];
  for (;;) {
    costs.push(await stepMeasured(world, ++tick, children, etcd));
    await world.seenSettled(tick);
    if (onCrashed() === 0 && whole()) break;
    if (tick > world.tick + maxTicks)
      throw new Error(
        `not recovered by tick ${tick}: ${onCrashed()} instances still on crashed blades; ${[...desired].map(([name, n]) => `${name} ${world.availability.get(name)?.observedRunning ?? '?'}/${n}`).join(', ')}`,
      );
  }
  const wallMs = performance.now() - started;
  return { wallMs, injectMs, ticks: tick - world.tick, displaced, costs };
}

/**
 * The baseline: `count` keys of `bytes` each put straight to etcd in
 * {@link maxTxnOps}-key transactions, one after the other; ms per key.
 */
async function rawPutMsEach(etcd: EtcdProcess, count: number, bytes: number): Promise<number> {
  const store = await Store.connect({
    endpoints: [...etcd.endpoints],
    simulation: `bench-workloads-floor-${randomBytes(3).toString('hex')}`,
  });
  try {
    const value = JSON.stringify({ pad: 'x'.repeat(Math.max(0, bytes - 10)) });
    const started = performance.now();
    for (let i = 0; i < count; i += maxTxnOps)
      await store.txn(
        [],
        Array.from({ length: Math.min(maxTxnOps, count - i) }, (_, k) =>
          op.putRaw(`${keys.placementsPrefix}k${i + k}`, value),
        ),
      );
    return (performance.now() - started) / count;
  } finally {
    store.close();
  }
}

/** A placement record's size (bytes), from one stored record. */
async function placementBytes(world: World): Promise<number> {
  const { entries } = await world.store.listRaw(keys.placementsPrefix, { limit: 1 });
  return entries[0] === undefined ? 0 : entries[0].key.length + entries[0].value.length;
}

/**
 * Issue 18: `npm run bench -- workloads`. Every participant the launcher
 * runs, each its own process. Phase 1, on `standard` then on `large`: ten
 * workloads of the same mix created one after the other (2,000 instances on
 * `standard`, which has room for no more than 2,048 one-core instances;
 * 10,000 on `large`), each stepped until observed running; per workload, the
 * scheduler's CPU (its process's, from /proc) in the ticks that placed its
 * instances per instance placed, and those ticks' wall time and CPU of every
 * process and etcd per instance. Medians over the workloads, and the ratio
 * large / standard. Phase 2, on `large`: 1,000 blades holding instances
 * crash at once; the wall time and ticks until every displaced instance is
 * replaced and observed running. Baseline in the same run: placement-sized
 * keys put straight to etcd in {@link maxTxnOps}-key transactions.
 */
export async function benchWorkloads(etcd: EtcdProcess): Promise<BenchRow[]> {
  const results = new Map<SampleName, ReturnType<typeof report>>();
  let recovery: Awaited<ReturnType<typeof recover>> | undefined;
  let bytes = 0;
  for (const name of ['standard', 'large'] as const) {
    const children: NamedChild[] = [];
    let world: World | undefined;
    try {
      // The probe in every service (as large.ts), the profiler in large's when asked.
      const env = profiledServiceEnv(
        name === 'large' ? profileDir : undefined,
        process.env['CHAMBER_BENCH_WORKLOADS_PROFILE_SERVICES'] ?? 'scheduler',
      );
      world = await startWorld(etcd, name, children, env);
      const firstTick = world.tick;
      const endPlacement =
        name === 'large' ? profileWindow('placement', children, etcd) : () => undefined;
      const { batches, idle } = await placeAll(world, name, children, etcd);
      endPlacement(world.tick - firstTick);
      results.set(name, report(name, world.blades, batches, idle));
      bytes = await placementBytes(world);
      if (name === 'large') {
        const endRecovery = profileWindow('recovery', children, etcd);
        recovery = await recover(world, children, etcd);
        endRecovery(recovery.ticks);
        console.log(
          `\nlarge: ${faultCount.toLocaleString('en')} blades holding ${recovery.displaced.toLocaleString('en')} instances crashed at once: every one replaced and observed running after ${recovery.ticks} ticks, ${fmt(recovery.wallMs / 1000, 1)} s (the inject call ${fmt(recovery.injectMs / 1000, 1)} s); per tick, wall ms and each busy process's CPU ms:\n${recovery.costs
            .map(
              (c) =>
                `  ${c.tick}: ${fmt(c.wallMs, 0)} ms; ${[...c.cpuBy]
                  .filter(([, ms]) => ms > 0)
                  .map(([n, ms]) => `${n} ${fmt(ms, 0)}`)
                  .join(', ')}`,
            )
            .join('\n')}`,
        );
      }
    } catch (error) {
      // Say what the services said: their last lines.
      for (const { name: service, child } of children) {
        const lines = child
          .output()
          .split('\n')
          .filter((l) => !l.startsWith('{"probe"'));
        console.log(`--- ${service}, last lines:\n${lines.slice(-15).join('\n')}`);
      }
      throw error;
    } finally {
      world?.close();
      for (const { child } of [...children].reverse()) await child.kill('SIGTERM');
      if (name === 'large' && isProfiled)
        for (const { name: service, child } of children)
          writeFileSync(path.join(profileDir, `${service}.log`), child.output());
    }
  }
  const count = perWorkload.large * workloadCount;
  const rawMs = await rawPutMsEach(etcd, count, bytes);
  console.log(
    `\nbaseline: ${count.toLocaleString('en')} keys of ${bytes} bytes (a placement record) put to etcd in ${maxTxnOps}-key transactions: ${fmt(rawMs * 1000, 0)} µs each`,
  );
  const standard = results.get('standard')!;
  const large = results.get('large')!;
  const wallRatio = large.wallMsEach / standard.wallMsEach;
  const cpuRatio = large.allMsEach / standard.allMsEach;
  const schedulerRatio = large.schedulerMsEach / standard.schedulerMsEach;
  console.log(
    `large / standard, per instance placed: scheduler CPU ${fmt(schedulerRatio)}x, placing tick wall ${fmt(wallRatio)}x, all CPU ${fmt(cpuRatio)}x (blades: ${fmt(100_000 / 64, 0)}x)`,
  );
  const rows: BenchRow[] = [
    {
      figure: 'workloads: scheduler CPU per placement, large',
      value: `${fmt(large.schedulerMsEach * 1000, 0)} µs median`,
      baseline: `standard ${fmt(standard.schedulerMsEach * 1000, 0)} µs; raw put ${fmt(rawMs * 1000, 0)} µs/key`,
      goal: `<= ${goals.cpuPerPlacementMs} ms`,
      isMet: large.schedulerMsEach <= goals.cpuPerPlacementMs,
    },
    {
      figure: 'workloads: placing tick per instance, large / standard',
      value: `wall ${fmt(wallRatio)}x, CPU ${fmt(cpuRatio)}x`,
      baseline: `standard ${fmt(standard.wallMsEach * 1000, 0)} µs wall/inst, ${fmt(standard.wallMsEach / rawMs, 1)}x raw put`,
      goal: `<= ${goals.tickRatio}x (blades 1,562x)`,
      isMet: wallRatio <= goals.tickRatio && cpuRatio <= goals.tickRatio,
    },
  ];
  if (recovery !== undefined)
    rows.push({
      figure: `workloads: ${faultCount} blade faults, displaced running again`,
      value: `${fmt(recovery.wallMs / 1000, 1)} s, ${recovery.ticks} ticks`,
      baseline: `${recovery.displaced} instances; placing tick ${fmt((large.wallMsEach * recovery.displaced) / 1000, 1)} s for as many`,
      goal: `<= ${goals.recoverySeconds} s`,
      isMet: recovery.wallMs <= goals.recoverySeconds * 1000,
    });
  return rows;
}
