import { ClockClient } from '@chamber/clock-client';
import type { EtcdProcess } from '@chamber/etcd-process';
import { definitionRecords, parseDefinition } from '@chamber/inventory';
import { InventoryClient } from '@chamber/inventory-client';
import {
  BladeActual,
  BladeDefinition,
  BladeState,
  CableState,
  Policy,
  PduActual,
  PduState,
  RunRecord,
  TargetRecord,
  TickRecord,
  TargetState,
  TorActual,
  TorState,
  View,
} from '@chamber/protos';
import { decode, encode, maxTxnOps, op, Store, type Op } from '@chamber/store';
import { budgets } from '@chamber/testing';
import { deviceKindOf, keys, pathOfViewKey, viewKey } from '@chamber/world';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sample } from '../system/inventory-world.js';
import { probed } from '../system/processes.js';
import { profiledServiceEnv, startServiceProcesses, type NamedChild } from './process-world.js';
import type { BenchRow } from './rows.js';
import { fmt } from './stats.js';

/** The issue's goals (issue 16, point 3, and the `large` RSS row). */
const goals = { wallSeconds: 20, ratio: 3, rssBytes: 1.5 * 2 ** 30 };
/** Transactions of the raw write in flight at once. */
const parallelTxns = 4;
/** The lease of a participant's `alive/` key (clients/timestamp's default), for scale. */
const leaseMs = 3_000;
const gib = 2 ** 30;
/** Past this the run is stuck, not slow: its services' last lines are printed. */
const stallMs = budgets.longTestMs;

/**
 * With `CHAMBER_BENCH_LARGE_PROFILE=<dir>`, the services named in
 * `CHAMBER_BENCH_LARGE_PROFILE_SERVICES` (default: inventory and monitor)
 * write CPU profiles there (cpu-profile.ts) and every process's output goes
 * to `<dir>/<name>.log`; read them with profile-top.js (`window.json`
 * covers the load and boot).
 */
const profileDir = process.env['CHAMBER_BENCH_LARGE_PROFILE'];

/** The environment of the services: the probe, and the profiler when asked. */
function serviceEnv(): Record<string, string> {
  return profiledServiceEnv(
    profileDir,
    process.env['CHAMBER_BENCH_LARGE_PROFILE_SERVICES'] ?? 'inventory,monitor',
  );
}

/**
 * The keys and values of the `large` world at tick 0, as the inventory
 * writes them: its definition records, and per PDU, TOR and blade a target
 * (in service, powered) and a first actual record.
 */
function tickZeroRecords(source: string): {
  records: Array<readonly [string, string]>;
  blades: number;
} {
  const parsed = parseDefinition(source, 'large.yaml');
  if (!parsed.ok) throw new Error(`large.yaml does not parse: ${String(parsed.errors[0])}`);
  const out: Array<readonly [string, string]> = [];
  const cable = { state: CableState.CABLE_STATE_ON, connected: true, sinceTick: 0, reason: '' };
  for (const [key, text] of definitionRecords(parsed.definition)) {
    out.push([key, text]);
    const path = pathOfViewKey('definition', key) ?? '';
    const kind = deviceKindOf(path);
    if (kind === undefined) continue;
    out.push([
      viewKey('target', path),
      encode(TargetRecord, {
        state: TargetState.TARGET_STATE_IN_SERVICE,
        powered: true,
        drain: false,
        sinceTick: 0,
        reason: 'defined',
      }),
    ]);
    const actual =
      kind === 'pdu'
        ? encode(PduActual, {
            ...PduActual.fromPartial({}),
            state: PduState.PDU_STATE_ON,
            reason: 'installed',
            switchedOn: true,
          })
        : kind === 'tor'
          ? encode(TorActual, {
              ...TorActual.fromPartial({}),
              state: TorState.TOR_STATE_WORKING,
              reason: 'installed',
            })
          : encode(BladeActual, {
              ...BladeActual.fromPartial({}),
              state: BladeState.BLADE_STATE_OFF,
              reason: 'installed',
              switchedOn: true,
              powerCable: { ...cable, reason: 'connected' },
              networkCable: { ...cable, reason: 'connected' },
              image: BladeDefinition.fromJSON(JSON.parse(text)).boot?.image ?? '',
            });
    out.push([viewKey('actual', path), actual]);
  }
  return { records: out, blades: parsed.definition.bladeCount };
}

/**
 * The floor: `records` put as fast as etcd takes them, in transactions of
 * {@link maxTxnOps} keys, {@link parallelTxns} in flight at once.
 */
async function rawWrite(
  store: Store,
  records: ReadonlyArray<readonly [string, string]>,
): Promise<number> {
  const chunks: Op[][] = [];
  for (let i = 0; i < records.length; i += maxTxnOps)
    chunks.push(records.slice(i, i + maxTxnOps).map(([k, v]) => op.putRaw(k, v)));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallelTxns }, async () => {
      while (next < chunks.length) await store.txn([], chunks[next++]!);
    }),
  );
  return performance.now() - started;
}

/** A process's peak RSS (bytes), read from /proc while it runs. */
function procPeakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** A process's CPU time so far (ms, user + system), read from /proc. */
function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the name), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Issue 16, point 3: the 100,000-blade `large` sample loaded and booted to
 * every blade working by the real services, each its own process as the
 * launcher starts them (stepper, inventory, fault injector, monitor, repair
 * manager). Baseline, measured first on the same etcd: a raw batched write
 * of the same keys and bytes as the world's tick-0 state. Rows: the wall
 * time (load submitted to every blade working) against it, whether any
 * participant was dropped (the run's notes), the longest event-loop stall of
 * each process during the load (against the 3 s lease), and the peak RSS of
 * the processes and etcd.
 */
export async function benchLarge(etcd: EtcdProcess): Promise<BenchRow[]> {
  const endpoints = [...etcd.endpoints];
  const source = sample('large');
  const { records, blades } = tickZeroRecords(source);
  const bytes = records.reduce((n, [k, v]) => n + k.length + v.length, 0);
  const floorStore = await Store.connect({
    endpoints,
    simulation: `bench-large-floor-${randomBytes(3).toString('hex')}`,
  });
  let floorMs: number;
  try {
    floorMs = await rawWrite(floorStore, records);
  } finally {
    floorStore.close();
  }
  console.log(
    `raw write: ${records.length.toLocaleString('en')} keys, ${fmt(bytes / 2 ** 20, 1)} MiB in ${maxTxnOps}-key transactions, ${parallelTxns} in flight: ${fmt(floorMs / 1000, 2)} s`,
  );

  const simulation = `bench-large-${randomBytes(3).toString('hex')}`;
  const children: NamedChild[] = [];
  const store = await Store.connect({ endpoints, simulation });
  let clock: ClockClient | undefined;
  let inventory: InventoryClient | undefined;
  try {
    const { stepperPort, addresses } = await startServiceProcesses(
      endpoints,
      simulation,
      children,
      serviceEnv(),
    );
    clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
    // A loaded machine takes longer than the interactive 30 s to validate 100,000 blades.
    inventory = InventoryClient.connect(addresses['inventory']!, { timeoutMs: stallMs });
    await clock.waitForTick(0);

    // When each tick was published, from the load's submission on: where the time goes.
    const published: Array<readonly [number, number]> = [];
    const tickWatch = await store.watch(keys.clockTick, { isShared: false }, (events) => {
      for (const e of events)
        if (e.value !== undefined)
          published.push([decode(TickRecord, e.key, e.value).tick, Date.now()]);
    });
    const cpuBefore = new Map(
      children.map(({ name, child }) => [name, procCpuMs(child.process.pid!)]),
    );
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const started = Date.now();
    const load = await inventory.loadDefinition(source, 'large.yaml');
    await clock.setPolicy(Policy.POLICY_NO_WAIT);
    await clock.runUntil(load.effectiveTick, { timeoutMs: stallMs });
    const loadedMs = Date.now() - started;
    // Every blade is up by the load's tick + 1 (powered) + the longest
    // firmware start + the longest boot + 1 (working): the clock skips the
    // idle ticks on the way there.
    const bound = load.effectiveTick + 1 + 2 + 12 + 1;
    await clock.runUntil(bound, { timeoutMs: stallMs });
    const wallMs = Date.now() - started;
    const endUs = Number(process.hrtime.bigint() / 1000n);
    const cpuMs = children.map(
      ({ name, child }) => [name, procCpuMs(child.process.pid!) - cpuBefore.get(name)!] as const,
    );
    await tickWatch.cancel();
    console.log(
      `ticks published (s after the load's submission): ${published
        .filter(([, at]) => at >= started)
        .map(([tick, at]) => `${tick}@${fmt((at - started) / 1000, 1)}`)
        .join(' ')}`,
    );
    console.log(
      `CPU during the load and boot: ${cpuMs.map(([n, ms]) => `${n} ${fmt(ms / 1000, 1)} s`).join(', ')}`,
    );
    if (profileDir !== undefined && profileDir !== '') {
      writeFileSync(
        path.join(profileDir, 'window.json'),
        JSON.stringify({
          startUs,
          endUs,
          ticks: 1,
          processes: children.map(({ name, child }) => ({ name, pid: child.process.pid })),
          cpuMs: Object.fromEntries(cpuMs),
        }),
      );
    }
    await clock.setPolicy(Policy.POLICY_MANUAL);
    const summary = await inventory.getSummary({ view: View.VIEW_ACTUAL });
    const working = Number(summary.bladeStates['BLADE_STATE_WORKING'] ?? 0);
    const isUp = working === blades;
    const run = (await store.get(RunRecord, keys.clockRun))?.value;
    const notes = run?.notes ?? [];
    const dropped = notes.filter((n) => n.includes('dropped'));
    // Let each probe print its last second.
    await clock.waitForTick(bound);
    await new Promise((r) => setTimeout(r, 1_100));
    const processes = children.map(({ name, child }) => ({
      name,
      ...probed(child, started),
      leaseLost: /lost its participant lease/.test(child.output()),
    }));
    const etcdRss = procPeakRss(etcd.pid);
    const rss = processes.reduce((n, p) => n + p.peakRss, 0) + etcdRss;
    const longest = processes.reduce((a, b) => (b.stallMs > a.stallMs ? b : a));
    console.log(
      `load applied at tick ${load.effectiveTick} after ${fmt(loadedMs / 1000, 1)} s; ` +
        `every blade up by tick ${bound}: ${working.toLocaleString('en')} of ${blades.toLocaleString('en')} working, ${fmt(wallMs / 1000, 1)} s`,
    );
    for (const p of processes) {
      console.log(
        `  ${p.name.padEnd(16)} longest event-loop stall ${fmt(p.stallMs, 0).padStart(6)} ms, peak RSS ${fmt(p.peakRss / 2 ** 20, 0).padStart(5)} MiB${p.leaseLost ? ', LOST ITS LEASE' : ''}`,
      );
    }
    console.log(`  ${'etcd'.padEnd(16)} peak RSS ${fmt(etcdRss / 2 ** 20, 0)} MiB`);
    console.log(`run notes: ${notes.length === 0 ? 'none' : notes.join('; ')}`);
    if (!isUp) console.log(`NOT ALL WORKING: ${JSON.stringify(summary.bladeStates)}`);
    const ratio = wallMs / floorMs;
    return [
      {
        figure: 'load + boot large to all working',
        value: `${fmt(wallMs / 1000, 1)} s${isUp ? '' : ` (${working.toLocaleString('en')} working)`}`,
        baseline: `raw write ${fmt(floorMs / 1000, 2)} s, ${fmt(ratio, 1)}x`,
        goal: `<= ${goals.wallSeconds} s and <= ${goals.ratio}x`,
        isMet: isUp && wallMs <= goals.wallSeconds * 1000 && ratio <= goals.ratio,
      },
      {
        figure: 'large: participants dropped',
        value: `${dropped.length}${processes.some((p) => p.leaseLost) ? ' (a lease was lost)' : ''}`,
        baseline: `longest stall ${fmt(longest.stallMs, 0)} ms (${longest.name}), lease ${leaseMs / 1000} s`,
        goal: 'none',
        isMet: dropped.length === 0 && !processes.some((p) => p.leaseLost),
      },
      {
        figure: 'whole-system RSS, large (sum of peaks)',
        value: `${fmt(rss / gib, 2)} GiB`,
        baseline: `etcd ${fmt(etcdRss / gib, 2)} GiB of it`,
        goal: '<= 1.5 GiB',
        isMet: rss <= goals.rssBytes,
      },
    ];
  } catch (error) {
    // Say what the services said: the last lines of each (without the probe's).
    for (const { name, child } of children) {
      const lines = child
        .output()
        .split('\n')
        .filter((l) => !l.startsWith('{"probe"'));
      console.log(`--- ${name}, last lines:\n${lines.slice(-15).join('\n')}`);
    }
    throw error;
  } finally {
    clock?.close();
    inventory?.close();
    for (const { child } of children.reverse()) await child.kill('SIGTERM');
    if (profileDir !== undefined && profileDir !== '')
      for (const { name, child } of children)
        writeFileSync(path.join(profileDir, `${name}.log`), child.output());
    store.close();
  }
}
