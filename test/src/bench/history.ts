import { startEtcd, type EtcdProcess } from '@chamber/etcd-process';
import { FaultKind, Policy } from '@chamber/protos';
import { Store } from '@chamber/store';
import { prefixOfKey } from '@chamber/world';
import fs from 'node:fs';
import { sample, startInventoryWorld } from '../system/inventory-world.js';
import type { BenchRow } from './rows.js';
import { fmt, table } from './stats.js';

/**
 * How many ticks to run: `CHAMBER_BENCH_HISTORY_TICKS`, 3,000 by default (a
 * few minutes here); the issue's full run is 100,000. The retention window
 * is a tenth of the run (10,000 for the full run), and the figures at the
 * end are judged against those at the tick the window first fills.
 */
function runTicks(): number {
  const text = process.env['CHAMBER_BENCH_HISTORY_TICKS'];
  const ticks = text === undefined || text === '' ? 3_000 : Number(text);
  if (!Number.isInteger(ticks) || ticks < 100) {
    throw new Error(
      `CHAMBER_BENCH_HISTORY_TICKS must be a whole number of ticks >= 100, got "${text}"`,
    );
  }
  return ticks;
}

/** etcd's resident memory (bytes), from /proc. */
function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb === undefined ? Number.NaN : Number(kb) * 1024;
}

interface Sample {
  readonly tick: number;
  readonly dbSize: number;
  readonly dbSizeInUse: number;
  readonly rss: number;
  readonly revision: number;
}

const mb = (bytes: number): string => `${fmt(bytes / 1024 / 1024, 1)} MB`;

/**
 * `standard` (64 blades) with the monitor, the repair manager and MTBF/MTTR
 * faults on every blade, run `ticks` ticks on an etcd of its own with a
 * retention window of `retentionTicks` for the stepper, the repair
 * manager and the inventory's finished commands (0: none), sampling etcd's database
 * and memory every tenth of the run.
 */
async function run(ticks: number, retentionTicks: number): Promise<Sample[]> {
  const etcd = await startEtcd();
  const endpoints = [...etcd.endpoints];
  const world = await startInventoryWorld(`bench-history-${retentionTicks}`, {
    endpoints,
    seed: 7,
    monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 30 },
    // Closed repairs and finished commands kept as long as the history (0: all, like the stepper).
    repair: { rackBudget: 2, technicianTicks: 10, verifyPowerCycleTicks: 20, retentionTicks },
    stepper: { retentionTicks },
    inventory: { retentionTicks },
  });
  const store = await Store.connect({ endpoints, simulation: world.simulation });
  try {
    const load = await world.load(sample('standard'), 'standard.yaml');
    const blades = Array.from({ length: 8 }, (_, r) =>
      Array.from({ length: 8 }, (_, b) => `standard/z1/rack${r + 1}/blade/${b}`),
    ).flat();
    await world.faults.inject(FaultKind.FAULT_KIND_CRASH, blades, { mtbf: 400, mttr: 60 });
    await world.faults.inject(
      FaultKind.FAULT_KIND_HANG,
      blades.filter((_, i) => i % 3 === 0),
      { mtbf: 900, mttr: 80 },
    );
    await world.clock.setPolicy(Policy.POLICY_NO_WAIT);
    const samples: Sample[] = [];
    const started = Date.now();
    const step = Math.max(1, Math.floor(ticks / 10));
    for (let tick = step; tick <= ticks; tick += step) {
      await world.clock.runUntil(Math.max(tick, load.effectiveTick));
      const db = await store.databaseStatus();
      samples.push({ tick, ...db, rss: rssBytes(etcd.pid) });
      const last = samples[samples.length - 1]!;
      console.log(
        `  window ${retentionTicks === 0 ? 'none' : retentionTicks}: tick ${tick} after ${fmt((Date.now() - started) / 1000, 0)} s: db ${mb(last.dbSize)} (${mb(last.dbSizeInUse)} in use), etcd RSS ${mb(last.rss)}, revision ${last.revision}`,
      );
    }
    // What the world holds at the end, by prefix: what else grows with the run.
    const byPrefix = new Map<string, number>();
    for (const key of await store.listKeys('')) {
      const prefix = prefixOfKey(key) ?? '(other)';
      byPrefix.set(prefix, (byPrefix.get(prefix) ?? 0) + 1);
    }
    console.log(
      `  keys at tick ${ticks}: ${[...byPrefix].map(([p, n]) => `${p} ${n}`).join(', ')}`,
    );
    return samples;
  } finally {
    store.close();
    await world.close();
    await etcd.stop();
  }
}

/**
 * Bounded history (issue 16): etcd's database size and RSS at the tick the
 * retention window first fills (tick 10,000 of the full 100,000-tick run)
 * against their values at the end; goal: at most 2x. With
 * `CHAMBER_BENCH_HISTORY_BASELINE=1` the same run without a window is
 * printed too (it doubles the time).
 */
export async function benchHistory(_etcd: EtcdProcess): Promise<BenchRow[]> {
  const ticks = runTicks();
  const retentionTicks = Math.floor(ticks / 10);
  console.log(
    `standard, MTBF faults on 64 blades, ${ticks} ticks, window ${retentionTicks} ticks (CHAMBER_BENCH_HISTORY_TICKS; the full run is 100,000)`,
  );
  const kept = await run(ticks, retentionTicks);
  const baseline =
    process.env['CHAMBER_BENCH_HISTORY_BASELINE'] === '1' ? await run(ticks, 0) : undefined;
  console.log(
    `\n${table([
      [
        'tick',
        'db (window)',
        'in use',
        'etcd RSS',
        ...(baseline ? ['db (no window)', 'etcd RSS'] : []),
      ],
      ...kept.map((s, i) => [
        String(s.tick),
        mb(s.dbSize),
        mb(s.dbSizeInUse),
        mb(s.rss),
        ...(baseline ? [mb(baseline[i]!.dbSize), mb(baseline[i]!.rss)] : []),
      ]),
    ])}\n`,
  );
  const at = kept[0]!;
  const end = kept[kept.length - 1]!;
  const row = (figure: string, value: (s: Sample) => number): BenchRow => {
    const ratio = value(end) / value(at);
    return {
      figure: `etcd ${figure}, tick ${end.tick} vs ${at.tick} (window ${retentionTicks})`,
      value: `${mb(value(end))} (${fmt(ratio, 2)}x)`,
      baseline: `${mb(value(at))} at tick ${at.tick}${baseline ? `; no window: ${mb(value(baseline[baseline.length - 1]!))} at the end` : ''}`,
      goal: `<= 2x the value at tick ${at.tick}`,
      isMet: ratio <= 2,
    };
  };
  return [row('database size', (s) => s.dbSize), row('RSS', (s) => s.rss)];
}
