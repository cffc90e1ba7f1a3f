import { ClockClient } from '@chamber/clock-client';
import { startEtcd, startEtcdCluster } from '@chamber/etcd-process';
import { FaultsClient } from '@chamber/faults-client';
import { InventoryClient } from '@chamber/inventory-client';
import { FaultKind, ObservedRecord, ObservedState, Policy, RunRecord } from '@chamber/protos';
import { maxTxnOps, op, Store } from '@chamber/store';
import { budgets } from '@chamber/testing';
import { deviceKindOf, keys, pathOfViewKey, rackOf, viewKey } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sample } from '../system/inventory-world.js';
import {
  processCpuMs,
  profiledServiceEnv,
  startServiceProcesses,
  type NamedChild,
} from './process-world.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile } from './stats.js';

/** The shard counts compared on one etcd member (`CHAMBER_BENCH_SCALE_SHARDS=1,4` for some). */
const shardCounts = (process.env['CHAMBER_BENCH_SCALE_SHARDS'] ?? '1,2,4')
  .split(',')
  .filter((n) => n !== '')
  .map(Number);
/** The etcd clusters compared with one shard (`CHAMBER_BENCH_SCALE_MEMBERS=3`; empty for none). */
const clusterSizes = (process.env['CHAMBER_BENCH_SCALE_MEMBERS'] ?? '3')
  .split(',')
  .filter((n) => n !== '')
  .map(Number);
/**
 * With `CHAMBER_BENCH_SCALE_PROFILE=<dir>`, the inventory and the monitor
 * write CPU profiles there (cpu-profile.ts), and `window.json` covers the
 * worked ticks: read them with profile-top.js.
 */
const profileDir = process.env['CHAMBER_BENCH_SCALE_PROFILE'];
/** The storm: every blade of these racks of `large` (40 each) crashes at once. */
const stormRacks = Array.from({ length: 25 }, (_, i) => `large/z1/c${i + 1}`);
const stormBlades = stormRacks.length * 40;
/** Worked ticks timed per layout (each a step after a one-blade fault). */
const rounds = 15;

/** A process's resident set now (bytes), from /proc. */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** How many of the storm's blades the monitor observes failed. */
async function observedFailed(store: Store): Promise<number> {
  const racks = new Set(stormRacks);
  let n = 0;
  const { entries } = await store.list(ObservedRecord, viewKey('observed', 'large/z1/'));
  for (const { key, value } of entries) {
    const path = pathOfViewKey('observed', key)!;
    if (deviceKindOf(path) !== 'blade' || !racks.has(rackOf(path))) continue;
    if (value.state === ObservedState.OBSERVED_STATE_FAILED) n++;
  }
  return n;
}

/** What one layout measured. */
interface LayoutFigures {
  readonly shards: number;
  /** Step(1) of a tick with work for every shard (ms), each round. */
  readonly tickMs: number[];
  /** The storm: crash injected to every storm blade observed failed (ms). */
  readonly stormMs: number;
  /** CPU (ms) of each process during the storm. */
  readonly stormCpu: ReadonlyArray<readonly [string, number]>;
  /** Resident set (bytes) of each inventory and monitor shard after the storm. */
  readonly rss: ReadonlyArray<readonly [string, number]>;
  readonly deterministic: boolean;
  /** The run's notes (why it is not deterministic, when it is not). */
  readonly notes: readonly string[];
  /** Keys under the simulation after the storm. */
  readonly keys: number;
}

/**
 * The floors, on the same etcd: a one-key transaction's round trip (ms,
 * p50 of 50), and the raw write of the storm's records (a crashed actual
 * and a failed observation per blade) in {@link maxTxnOps}-key transactions.
 */
async function floors(endpoints: string[]): Promise<{ txnMs: number; stormWriteMs: number }> {
  const store = await Store.connect({
    endpoints,
    simulation: `bench-scale-floor-${randomBytes(3).toString('hex')}`,
  });
  try {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await store.txn([], [op.putRaw('floor/k', JSON.stringify({ i }))]);
      times.push(performance.now() - t);
    }
    const value = JSON.stringify({
      state: 'BLADE_STATE_CRASHED',
      sinceTick: 61,
      reason: 'x'.repeat(60),
    });
    const ops = Array.from({ length: stormBlades * 2 }, (_, i) =>
      op.putRaw(`floor/storm/${i}`, value),
    );
    const t = performance.now();
    for (let i = 0; i < ops.length; i += maxTxnOps)
      await store.txn([], ops.slice(i, i + maxTxnOps));
    return { txnMs: quantile(times, 0.5), stormWriteMs: performance.now() - t };
  } finally {
    store.close();
  }
}

/**
 * One layout: the stepper, the inventory and the monitor as `shards`
 * shards each, the fault injector and the repair manager, as processes;
 * `large` loaded and booted; then `rounds` worked ticks (a one-blade crash,
 * then Step(1) for the inventory's tick and Step(1) for the monitor's,
 * each timed), and the storm.
 */
async function runLayout(endpoints: string[], shards: number): Promise<LayoutFigures> {
  const simulation = `bench-scale-${shards}-${randomBytes(3).toString('hex')}`;
  const children: NamedChild[] = [];
  const store = await Store.connect({ endpoints, simulation });
  let clock: ClockClient | undefined;
  let inventory: InventoryClient | undefined;
  let faults: FaultsClient | undefined;
  try {
    const { stepperPort, addresses } = await startServiceProcesses(
      endpoints,
      simulation,
      children,
      profiledServiceEnv(profileDir, 'inventory,monitor'),
      undefined,
      shards,
    );
    clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
    inventory = InventoryClient.connect(addresses['inventory']!, { timeoutMs: budgets.longTestMs });
    faults = FaultsClient.connect(addresses['faults']!);
    await clock.waitForTick(0);
    const load = await inventory.loadDefinition(sample('large'), 'large.yaml');
    await clock.setPolicy(Policy.POLICY_NO_WAIT);
    // Every blade up (see large.ts), and the world at rest.
    const booted = load.effectiveTick + 1 + 2 + 12 + 1 + 5;
    await clock.runUntil(booted, { timeoutMs: budgets.longTestMs });
    await clock.setPolicy(Policy.POLICY_MANUAL);

    const tickMs: number[] = [];
    const cpuAtStart = children.map(({ child }) => processCpuMs(child.process.pid!));
    const startUs = Number(process.hrtime.bigint() / 1000n);
    for (let i = 0; i < rounds; i++) {
      await faults.inject(FaultKind.FAULT_KIND_CRASH, [`large/z2/c${i + 1}/blade/0`]);
      for (let step = 0; step < 2; step++) {
        const t = performance.now();
        await clock.step(1);
        tickMs.push(performance.now() - t);
      }
    }

    if (profileDir !== undefined && profileDir !== '') {
      writeFileSync(
        path.join(profileDir, 'window.json'),
        JSON.stringify({
          startUs,
          endUs: Number(process.hrtime.bigint() / 1000n),
          ticks: rounds * 2,
          processes: children.map(({ name, child }) => ({ name, pid: child.process.pid })),
          cpuMs: Object.fromEntries(
            children.map(({ name, child }, i) => [
              name,
              processCpuMs(child.process.pid!) - cpuAtStart[i]!,
            ]),
          ),
        }),
      );
    }
    const cpuBefore = children.map(({ child }) => processCpuMs(child.process.pid!));
    const started = performance.now();
    const storm = await faults.inject(FaultKind.FAULT_KIND_CRASH, stormRacks);
    await clock.setPolicy(Policy.POLICY_NO_WAIT);
    // Crashed at its tick, failed after the monitor's 4 missed heartbeats.
    let failed = 0;
    for (let tick = storm.createdTick + 4; failed < stormBlades; tick++) {
      await clock.runUntil(tick, { timeoutMs: budgets.longTestMs });
      failed = await observedFailed(store);
      if (tick > storm.createdTick + 30) throw new Error(`storm: ${failed} observed failed`);
    }
    const stormMs = performance.now() - started;
    await clock.setPolicy(Policy.POLICY_MANUAL);
    const stormCpu = children.map(
      ({ name, child }, i) => [name, processCpuMs(child.process.pid!) - cpuBefore[i]!] as const,
    );
    const run = (await store.get(RunRecord, keys.clockRun))?.value;
    return {
      shards,
      tickMs,
      stormMs,
      stormCpu,
      rss: children
        .filter(({ name }) => /^(inventory|monitor)\b/.test(name))
        .map(({ name, child }) => [name, rss(child.process.pid!)] as const),
      deterministic: run?.deterministic ?? false,
      notes: run?.notes ?? [],
      keys: (await store.listKeys('')).length,
    };
  } catch (error) {
    for (const { name, child } of children)
      console.log(`--- ${name}, last lines:\n${child.output().split('\n').slice(-10).join('\n')}`);
    throw error;
  } finally {
    clock?.close();
    inventory?.close();
    faults?.close();
    for (const { child } of children.reverse()) await child.kill('SIGTERM');
    store.close();
  }
}

/**
 * `npm run bench -- scale` (issue 20, point 6): the `large` region
 * (100,000 blades) with the inventory and the monitor as 1, 2 and 4
 * shards, each its own process: the wall time of a worked tick (p50 of
 * Step(1) over ticks where every shard has work) and of a fault storm
 * (1,000 blades crashed at once, to every one observed failed), with each
 * process's CPU over the storm and each shard's memory; then one shard on
 * a 3-member etcd cluster on loopback. Each layout on a fresh etcd, against
 * etcd's own figures measured first on it (a one-key transaction, and the
 * storm's records written raw). Nothing is judged but that each run stays
 * deterministic: on a 2-core machine shards and members share the same two
 * cores, so the figures say where the time goes, not how far it scales out.
 */
export async function benchScale(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const layouts = [
    ...shardCounts.map((shards) => ({ shards, members: 1 })),
    ...clusterSizes.map((members) => ({ shards: 1, members })),
  ];
  for (const { shards, members } of layouts) {
    const label = `${shards} shard(s), ${members} etcd member(s)`;
    // A fresh etcd each: 400,000 keys of a run before would weigh on the next.
    const etcd = members === 1 ? await startEtcd() : await startEtcdCluster({ members });
    const dataDir = 'dataDir' in etcd ? etcd.dataDir : etcd.members[0]!.dataDir;
    const pid = 'pid' in etcd ? etcd.pid : etcd.members[0]!.pid()!;
    let floor: Awaited<ReturnType<typeof floors>>;
    let f: LayoutFigures;
    try {
      floor = await floors([...etcd.endpoints]);
      f = await runLayout([...etcd.endpoints], shards);
      const db = statSync(path.join(dataDir, 'member/snap/db')).size;
      console.log(
        `\n${label} — the store: ${f.keys.toLocaleString('en')} keys, etcd db ${fmt(db / 2 ** 20, 0)} MiB, RSS of an etcd member ${fmt(rss(pid) / 2 ** 20, 0)} MiB`,
      );
    } finally {
      await etcd.stop();
    }
    const tick = quantile(f.tickMs, 0.5);
    console.log(
      `${label} — etcd alone: one-key transaction ${fmt(floor.txnMs, 2)} ms p50, the storm's ${(stormBlades * 2).toLocaleString('en')} records written raw in ${fmt(floor.stormWriteMs, 0)} ms`,
    );
    console.log(
      `${label}: worked tick ${fmt(tick, 1)} ms p50 (${fmt(tick / floor.txnMs, 1)}x a one-key transaction); ` +
        `storm ${fmt(f.stormMs / 1000, 1)} s (${fmt(f.stormMs / floor.stormWriteMs, 1)}x its raw write); deterministic: ${f.deterministic}${f.notes.length === 0 ? '' : ` (${f.notes.join('; ')})`}`,
    );
    console.log(
      `  CPU over the storm: ${f.stormCpu.map(([n, ms]) => `${n} ${fmt(ms / 1000, 1)} s`).join(', ')}`,
    );
    console.log(`  memory: ${f.rss.map(([n, b]) => `${n} ${fmt(b / 2 ** 20, 0)} MiB`).join(', ')}`);
    rows.push(
      {
        figure: `large, ${label}: worked tick`,
        value: `${fmt(tick, 1)} ms p50`,
        baseline: `etcd txn ${fmt(floor.txnMs, 2)} ms, ${fmt(tick / floor.txnMs, 1)}x`,
        goal: 'reported',
        isMet: undefined,
      },
      {
        figure: `large, ${label}: 1,000-blade storm`,
        value: `${fmt(f.stormMs / 1000, 1)} s`,
        baseline: `raw write ${fmt(floor.stormWriteMs / 1000, 2)} s, ${fmt(f.stormMs / floor.stormWriteMs, 1)}x`,
        goal: 'deterministic',
        isMet: f.deterministic,
      },
    );
  }
  return rows;
}
