import { ClockClient } from '@chamber/clock-client';
import type { EtcdProcess } from '@chamber/etcd-process';
import { FaultsClient } from '@chamber/faults-client';
import { InventoryClient } from '@chamber/inventory-client';
import { CommandAction, FaultKind, Policy } from '@chamber/protos';
import { op, Store } from '@chamber/store';
import { budgets, freePortRun } from '@chamber/testing';
import { keys } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  patientStepperEnv,
  repo,
  startServiceProcess,
  startStepperProcess,
  type Child,
} from '../system/processes.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile } from './stats.js';

/** The `small` sample's blades: one zone, two racks of four. */
const smallBlades = Array.from(
  { length: 8 },
  (_, i) => `small/z1/rack${1 + (i % 2)}/blade/${Math.floor(i / 2)}`,
);

/** The burst sizes, inputs of each kind: the second is twice the first, so their ratio shows the growth. */
const sizes = [250, 500] as const;
const rounds = 3;

/** One burst measured: submitting it, and the tick it takes effect at. */
interface Burst {
  readonly inputs: number;
  readonly submitMs: number;
  readonly stepMs: number;
}

/**
 * The input burst of issue 16: the stepper, the inventory (`small`) and the
 * fault injector as processes, the way the launcher starts them; `n` fault
 * injections and `n` commands sent at once over gRPC to a paused clock, then
 * one step, at which they all take effect (test/src/system/inputs.test.ts).
 * Timed: the burst's submission (first call to last answer) and the step. Run
 * at two sizes, the second twice the first, three rounds each (a fresh
 * simulation each): a linear cost makes the ratio about 2, a quadratic one 4.
 * Baseline in the same run: as many single-put transactions as the burst has
 * inputs, all sent at once, on the same etcd. With
 * `CHAMBER_BENCH_BURST_PROFILE=<dir>` the three services are CPU-profiled
 * (cpu-profile.ts) and write their profiles there at exit; one burst of the
 * larger size is run, nothing judged.
 */
export async function benchBurst(etcd: EtcdProcess): Promise<BenchRow[]> {
  const profileDir = process.env['CHAMBER_BENCH_BURST_PROFILE'];
  if (profileDir !== undefined) {
    fs.mkdirSync(profileDir, { recursive: true });
    const burst = await oneBurst(etcd, sizes[1], profileDir);
    console.log(
      `${burst.inputs} inputs: submitted in ${fmt(burst.submitMs / 1000)} s, took effect in ${fmt(burst.stepMs / 1000)} s; profiles in ${profileDir}`,
    );
    return [];
  }
  const done = new Map<number, Burst[]>();
  const bases = new Map<number, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const n of sizes) {
      const burst = await oneBurst(etcd, n, profileDir);
      const base = await rawBurst(etcd, 2 * n);
      done.set(n, [...(done.get(n) ?? []), burst]);
      bases.set(n, [...(bases.get(n) ?? []), base]);
      console.log(
        `round ${r + 1}, ${2 * n} inputs: submitted in ${fmt(burst.submitMs / 1000)} s, ` +
          `took effect (one step) in ${fmt(burst.stepMs / 1000)} s; raw etcd ${fmt(base / 1000)} s`,
      );
    }
  }
  const median = (n: number, f: (b: Burst) => number) => quantile(done.get(n)!.map(f), 0.5);
  const total = (b: Burst) => b.submitMs + b.stepMs;
  const [small, large] = sizes;
  const growth = median(large, total) / median(small, total);
  const baseLarge = quantile(bases.get(large)!, 0.5);
  console.log(`\nmedians of ${rounds} rounds:`);
  for (const n of sizes) {
    console.log(
      `  ${2 * n} inputs: submit ${fmt(median(n, (b) => b.submitMs) / 1000)} s, ` +
        `step ${fmt(median(n, (b) => b.stepMs) / 1000)} s, ` +
        `raw etcd ${fmt(quantile(bases.get(n)!, 0.5) / 1000)} s`,
    );
  }
  console.log(`  ${2 * large} against ${2 * small} inputs: ${fmt(growth)}x (linear: 2x)`);
  return [
    {
      figure: `input burst: ${2 * large} inputs submitted and in effect`,
      value: `${fmt(median(large, total) / 1000)} s (${2 * small}: ${fmt(median(small, total) / 1000)} s, ${fmt(growth)}x for twice the inputs)`,
      baseline: `raw etcd, ${2 * large} single puts at once: ${fmt(baseLarge / 1000)} s, ${fmt(median(large, total) / baseLarge, 1)}x`,
      goal: 'linear: twice the inputs <= 2.5x the time',
      isMet: growth <= 2.5,
    },
  ];
}

/** Starts the three processes on a simulation of their own, sends the burst, steps once. */
async function oneBurst(
  etcd: EtcdProcess,
  n: number,
  profileDir: string | undefined,
): Promise<Burst> {
  const endpoints = [...etcd.endpoints];
  const simulation = `bench-burst-${randomBytes(3).toString('hex')}`;
  const profileEnv: Record<string, string> =
    profileDir === undefined
      ? {}
      : {
          // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload profiles instead.
          NODE_OPTIONS: `--import=${pathToFileURL(path.join(repo, 'test/dist/src/bench/cpu-profile.js')).href}`,
          CHAMBER_BENCH_CPU_PROFILE_DIR: path.resolve(profileDir),
          CHAMBER_BENCH_CPU_PROFILE_SERVICES: 'stepper,inventory,faults',
        };
  const port = await freePortRun(1);
  const children: Child[] = [];
  const closers: Array<() => void> = [];
  try {
    const stepper = startStepperProcess({
      endpoints,
      simulation,
      port,
      instance: simulation,
      extraEnv: {
        CHAMBER_STEPPER_PARTICIPANTS: 'inventory,faults',
        ...patientStepperEnv,
        ...profileEnv,
      },
    });
    children.push(stepper);
    await stepper.waitForLine(/stepper serving/);
    const clock = ClockClient.connect(`127.0.0.1:${port}`);
    closers.push(() => clock.close());
    const [inventoryProcess, faultsProcess] = await Promise.all([
      startServiceProcess({
        name: 'inventory',
        endpoints,
        simulation,
        env: { CHAMBER_INVENTORY_DEFINITION: 'small', ...profileEnv },
      }),
      startServiceProcess({ name: 'faults', endpoints, simulation, env: profileEnv }),
    ]);
    children.push(inventoryProcess.child, faultsProcess.child);
    const deadline = { timeoutMs: budgets.longTestMs };
    const faults = FaultsClient.connect(faultsProcess.address, deadline);
    const inventory = InventoryClient.connect(inventoryProcess.address, deadline);
    closers.push(
      () => faults.close(),
      () => inventory.close(),
    );
    await clock.waitForTick(0);
    await clock.setPolicy(Policy.POLICY_MANUAL);

    const started = performance.now();
    await Promise.all([
      ...Array.from({ length: n }, (_, i) =>
        faults.inject(FaultKind.FAULT_KIND_CRASH, [smallBlades[i % 8]!], { duration: 2 }),
      ),
      ...Array.from({ length: n }, (_, i) =>
        inventory.issueCommand(smallBlades[i % 8]!, CommandAction.COMMAND_ACTION_POWER_CYCLE),
      ),
    ]);
    const submitted = performance.now();
    await clock.step(1);
    const stepped = performance.now();
    return { inputs: 2 * n, submitMs: submitted - started, stepMs: stepped - submitted };
  } finally {
    for (const close of closers) close();
    // SIGTERM: a profiled process writes its profile as it exits.
    await Promise.all(children.map((c) => c.kill('SIGTERM')));
  }
}

/** `count` single-put transactions of an input's size, all sent at once, on a simulation of their own. */
async function rawBurst(etcd: EtcdProcess, count: number): Promise<number> {
  const store = await Store.connect({
    endpoints: [...etcd.endpoints],
    simulation: `bench-burst-base-${randomBytes(3).toString('hex')}`,
  });
  try {
    const value = JSON.stringify({ id: 'c1-1', target: smallBlades[0], pad: 'x'.repeat(200) });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        store.txn(
          [],
          [op.putRaw(keys.input('burst', `${i}`), value), op.putRaw(keys.pending(`${i}`), '{}')],
        ),
      ),
    );
    return performance.now() - started;
  } finally {
    store.close();
  }
}
