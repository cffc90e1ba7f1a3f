import { isChamberError, Code } from '@chamber/errors';
import { startEtcd } from '@chamber/etcd-process';
import {
  FaultKind,
  HistoryRecord,
  ParticipantRecord,
  RepairStatus,
  View,
  type RepairRecord,
} from '@chamber/protos';
import { Store, type WatchEvent } from '@chamber/store';
import { budgets, etcdProxy } from '@chamber/testing';
import { Participant } from '@chamber/participant';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { sample, startInventoryWorld } from './inventory-world.js';

// Issue 16, point 4: the stepper keeps a window of history (here 50 ticks),
// compacts etcd behind it, time travel refuses older ticks with words that
// name the window, and watches that fell behind a compaction recover.

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const retentionTicks = 50;
const lastTick = 300;

describe('history kept behind a retention window', () => {
  it(
    'compacts etcd behind the window, keeps only its tick index, refuses older reads clearly, and watches behind a compaction recover',
    async () => {
      // Compaction is etcd-wide: an etcd of the test's own.
      const etcd = await startEtcd();
      cleanup.push(() => etcd.stop());
      const endpoints = [...etcd.endpoints];
      const world = await startInventoryWorld('history', {
        endpoints,
        seed: 5,
        monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 30 },
        repair: {
          rackBudget: 2,
          technicianTicks: 10,
          verifyPowerCycleTicks: 20,
          retentionTicks,
        },
        stepper: { retentionTicks, dropGraceSeconds: 1 },
      });
      cleanup.push(() => world.close());
      await world.load(sample('standard'), 'standard.yaml');
      const blades = Array.from({ length: 4 }, (_, r) =>
        Array.from({ length: 8 }, (_, b) => `standard/z1/rack${r + 1}/blade/${b}`),
      ).flat();
      await world.faults.inject(FaultKind.FAULT_KIND_CRASH, blades, { mtbf: 60, mttr: 15 });

      // A participant whose etcd goes through a proxy that is cut while
      // the clock runs far past the window.
      const proxy = await etcdProxy(new URL(endpoints[0]!));
      const cutStore = await Store.connect({
        endpoints: [proxy.endpoint],
        simulation: world.simulation,
      });
      cleanup.push(() => cutStore.close());
      const handled: Array<{ tick: number; isWhole: boolean }> = [];
      const toy = await Participant.join(cutStore, {
        name: 'toy',
        views: [keys.faultsPrefix],
        leaseTtlSeconds: 2,
        onTick: (context) => {
          handled.push({ tick: context.tick, isWhole: context.changes === undefined });
          return { nextWakeup: null };
        },
      });
      cleanup.push(() => toy.stop());
      await world.clock.runUntil(20);
      await expect.poll(() => toy.lastAckedTick()).toBe(20);
      await proxy.cut();
      // It loses its lease, is dropped, and the world goes on without it.
      await world.clock.runUntil(lastTick);
      const history = (await world.store.get(HistoryRecord, keys.clockHistory))!.value;
      expect(history.compactedRevision).toBeGreaterThan(0);

      // A watch that must resume from a compacted revision: a fresh store's
      // feed asked for revision 2.
      const fresh = await Store.connect({ endpoints, simulation: world.simulation });
      cleanup.push(() => fresh.close());
      let reloadedAt: number | undefined;
      const seen: WatchEvent[] = [];
      const watch = await fresh.watch(
        keys.clockPrefix,
        {
          fromRevision: 2,
          onCompacted: async () => (reloadedAt = await fresh.currentRevision()),
        },
        (events) => seen.push(...events),
      );
      cleanup.push(() => watch.cancel());

      // The cut participant comes back: its watch resumes from long before
      // the compaction, so it starts again as a restart would.
      await proxy.restore();
      await expect
        .poll(
          async () => (await world.store.get(ParticipantRecord, keys.participant('toy')))?.value,
        )
        .toBeDefined();
      // Without recovery it would never ack (its watch is dead): waited on its ack, not the clock.
      const running = world.clock.runUntil(lastTick + 5);
      await expect.poll(() => toy.lastAckedTick()).toBe(lastTick + 5);
      await running;
      const afterCut = handled.filter((h) => h.tick > lastTick);
      expect(afterCut[0]).toEqual({ tick: lastTick + 1, isWhole: true });
      expect(reloadedAt).toBeGreaterThanOrEqual(history.compactedRevision);
      expect(seen.some((e) => e.key === keys.clockTick && e.modRevision > reloadedAt!)).toBe(true);

      // The window: the clock says which ticks are kept, the index holds
      // only them, and etcd has forgotten what is older.
      // The window moves just after a settle, and etcd is compacted just after the
      // window's record is written: waited for until the clock shows where it rests
      // and etcd refuses a read behind it.
      const rested = async () => {
        const s = await world.clock.getStatus();
        const h = (await world.store.get(HistoryRecord, keys.clockHistory))!.value;
        if (s.oldestTick !== h.oldestTick || h.oldestTick <= s.settledTick - retentionTicks - 5)
          return false;
        return world.store.getRaw(keys.clockTick, { revision: h.compactedRevision - 1 }).then(
          () => false,
          (error: unknown) => isChamberError(error) && error.code === Code.OutOfRange,
        );
      };
      await expect.poll(rested).toBe(true);
      const status = await world.clock.getStatus();
      const kept = (await world.store.get(HistoryRecord, keys.clockHistory))!.value;
      expect(status.oldestTick).toBe(kept.oldestTick);
      expect(kept.oldestTick).toBeGreaterThan(status.settledTick - retentionTicks - 5);
      expect(kept.oldestTick).toBeLessThanOrEqual(status.settledTick - retentionTicks + 1);
      const index = (await world.store.listKeys(keys.tickIndexPrefix)).map((k) =>
        Number(k.slice(keys.tickIndexPrefix.length)),
      );
      expect(Math.min(...index)).toBeGreaterThanOrEqual(kept.oldestTick);
      expect(index.length).toBeLessThanOrEqual(status.settledTick - kept.oldestTick + 1);
      await expect(
        world.store.getRaw(keys.clockTick, { revision: kept.compactedRevision - 1 }),
      ).rejects.toMatchObject({ code: Code.OutOfRange });

      // Closed repairs go once the window has passed them, but each element's latest stays.
      const repairs = await world.repairs();
      const latest = new Map<string, RepairRecord>();
      for (const r of repairs)
        if ((latest.get(r.target)?.openedTick ?? -1) <= r.openedTick) latest.set(r.target, r);
      const isOpen = (r: RepairRecord) =>
        [
          RepairStatus.REPAIR_STATUS_PENDING,
          RepairStatus.REPAIR_STATUS_RUNNING,
          RepairStatus.REPAIR_STATUS_ESCALATED,
        ].includes(r.status);
      expect(repairs.some((r) => !isOpen(r))).toBe(true);
      const stale = repairs.filter(
        (r) =>
          !isOpen(r) &&
          latest.get(r.target)?.id !== r.id &&
          // Due once the window has passed it and a newer repair of its element exists.
          Math.max(r.closedTick + retentionTicks, latest.get(r.target)!.openedTick + 1) <
            status.settledTick - 5,
      );
      expect(
        stale.map(
          (r) =>
            `${r.id} ${r.target} closed at ${r.closedTick}, latest opened at ${latest.get(r.target)!.openedTick}`,
        ),
      ).toEqual([]);

      // Time travel inside the window works; older, a clear refusal.
      const blade = 'standard/z1/rack1/blade/0';
      const inside = await world.inventory.getElement(blade, {
        view: View.VIEW_ACTUAL,
        asOfTick: kept.oldestTick,
      });
      expect(inside.path).toBe(blade);
      const refused = await world.inventory
        .getElement(blade, { view: View.VIEW_ACTUAL, asOfTick: 12 })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isChamberError(refused) && refused.code).toBe(Code.OutOfRange);
      const count = (n: number) => n.toLocaleString('en-US');
      expect((refused as Error).message).toContain(
        `tick 12 is older than the history kept: ticks ${count(kept.oldestTick)} to ${count(status.tick)}`,
      );
    },
    budgets.longTestMs,
  );
});
