import type { EtcdProcess } from '@chamber/etcd-process';
import { FaultKind, ObservedState, Policy, RepairStatus, View } from '@chamber/protos';
import { op, Store } from '@chamber/store';
import { randomBytes } from 'node:crypto';
import { sample, startInventoryWorld } from '../system/inventory-world.js';
import { fmt } from './stats.js';

const faultCount = 1_000;

/**
 * The repair loop at scale: the 100,000-blade `large` region with the
 * monitor and the repair manager; 1,000 blades crash at once, and the clock
 * runs (no-wait) until every repair has succeeded. Reports simulated ticks,
 * wall time and the keys written per tick, against a baseline measured on
 * the same etcd: writing as many keys in 100-key transactions.
 */
export async function benchRepair(etcd: EtcdProcess): Promise<void> {
  const endpoints = [...etcd.endpoints];
  const world = await startInventoryWorld(`bench-repair-${randomBytes(3).toString('hex')}`, {
    endpoints,
    seed: 7,
    timings: { propagationTicks: [1, 2], postTicks: [1, 2] },
    monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 60 },
    repair: { rackBudget: 2, verifyPowerCycleTicks: 30 },
  });
  try {
    let started = Date.now();
    const load = await world.inventory.loadDefinition(sample('large'), 'large.yaml');
    await world.clock.runUntil(load.effectiveTick);
    console.log(
      `large region loaded at tick ${load.effectiveTick} in ${fmt((Date.now() - started) / 1000, 1)} s`,
    );
    started = Date.now();
    await world.clock.runUntil(load.effectiveTick + 30);
    const healthy = await world.inventory.getSummary({ view: View.VIEW_OBSERVED });
    console.log(
      `brought up to tick ${load.effectiveTick + 30} in ${fmt((Date.now() - started) / 1000, 1)} s: observed ${JSON.stringify(healthy.bladeStates)}`,
    );

    // 1,000 blades spread over both zones, one rack in every two.
    const targets = Array.from(
      { length: faultCount },
      (_, i) => `large/${i % 2 === 0 ? 'z1' : 'z2'}/c${Math.floor(i / 2) * 2 + 1}/blade/${i % 40}`,
    );
    const before = (await world.clock.getStatus()).tick;
    const store = world.store;
    let written = 0;
    const watch = await store.watch('', {}, (events) => {
      for (const e of events) {
        if (/^(actual|observed|repairs|commands|faults)\//.test(e.key)) {
          written++;
        }
      }
    });
    started = Date.now();
    await world.faults.inject(FaultKind.FAULT_KIND_CRASH, targets, {}, 'bench');
    await world.clock.setPolicy(Policy.POLICY_NO_WAIT);
    let tick = before;
    for (;;) {
      tick += 10;
      await world.clock.runUntil(tick);
      const repairs = await world.repairs();
      const done = repairs.filter((r) => r.status === RepairStatus.REPAIR_STATUS_SUCCEEDED).length;
      if (repairs.length >= faultCount && done === repairs.length) break;
      if (Date.now() - started > 600_000)
        throw new Error(`not repaired after 600 s: ${done} of ${repairs.length}`);
    }
    const wall = (Date.now() - started) / 1000;
    await watch.cancel();
    const ticks = tick - before;
    const observed = await world.inventory.getSummary({ view: View.VIEW_OBSERVED });

    // Baseline: the same number of keys, written in 100-key transactions.
    const base = await Store.connect({
      endpoints,
      simulation: `bench-base-${randomBytes(3).toString('hex')}`,
    });
    const baseStart = Date.now();
    for (let i = 0; i < written; i += 100) {
      await base.txn(
        [],
        Array.from({ length: Math.min(100, written - i) }, (_, k) =>
          op.putRaw(`k/${i + k}`, '{"state":"X"}'),
        ),
      );
    }
    const baseWall = (Date.now() - baseStart) / 1000;
    base.close();

    console.log(
      `\n${faultCount} blades crashed at tick ${before + 1}; every repair succeeded by tick ${tick}`,
    );
    console.log(`  simulated ticks:        ${ticks}`);
    console.log(`  wall time:              ${fmt(wall, 1)} s   (target <= 30 s)`);
    console.log(
      `  keys written:           ${written} (${fmt(written / ticks, 0)} per tick; the region has 100,000 blades)`,
    );
    console.log(
      `  baseline: raw etcd, ${written} keys in 100-key transactions: ${fmt(baseWall, 1)} s`,
    );
    console.log(`  wall / baseline:        ${fmt(wall / baseWall, 1)}x`);
    console.log(`  observed blades now:    ${JSON.stringify(observed.bladeStates)}`);
    const unhealthy = observed.bladeStates[ObservedState[ObservedState.OBSERVED_STATE_FAILED]] ?? 0;
    if (unhealthy > 0) console.log(`  (${unhealthy} blades still observed failed)`);
  } finally {
    await world.close();
  }
}
