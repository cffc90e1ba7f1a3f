import { defaultPolicy, RepairReactor, repairViews } from '@chamber/inventory-repair';
import { ObservedRecord, ObservedState, TargetRecord, TargetState } from '@chamber/protos';
import { CachedView, encode, Store, type WatchEvent } from '@chamber/store';
import { countEventLoopTurns, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { viewKey } from '@chamber/world';
import { describe, expect, it } from 'vitest';

// Issue 16: a 100,000-blade load has the monitor observe every blade at one
// tick; a repair manager that considered them all in one go held its event
// loop for seconds and lost its 3 s lease. Here 5,000 blades observed failed,
// in slices of 1 ms so that any machine needs several.
describe('the repair manager under a tick of thousands of changes', () => {
  it('considers them in slices, so its lease keep-alive runs meanwhile, and decides the same', async () => {
    const store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('repair-huge'),
    });
    try {
      const view = await CachedView.load(store, repairViews);
      const failed = encode(ObservedRecord, {
        state: ObservedState.OBSERVED_STATE_FAILED,
        sinceTick: 4,
        reason: 'no heartbeat',
        lastHeartbeatTick: 1,
      });
      const wanted = encode(TargetRecord, {
        state: TargetState.TARGET_STATE_IN_SERVICE,
        powered: true,
        drain: false,
        sinceTick: 0,
        reason: 'defined',
      });
      const paths = Array.from(
        { length: 5_000 },
        (_, i) => `r1/z1/rack${Math.floor(i / 40)}/blade/${i % 40}`,
      );
      const events: WatchEvent[] = paths.flatMap((path) =>
        (
          [
            ['target', wanted],
            ['observed', failed],
          ] as const
        ).map(([of, value]) => ({
          type: 'put' as const,
          key: viewKey(of, path),
          value,
          modRevision: view.revision + 1,
          createRevision: view.revision + 1,
        })),
      );
      view.apply(events);
      const reactor = (sliceMs: number) =>
        new RepairReactor(
          {
            policy: defaultPolicy({ powerCycles: 2, technicianTicks: 10 }),
            rackBudget: 2,
            verifyTicks: { powerCycle: 5, reimage: 10, replace: 20 },
            backoffCapTicks: 8,
            humanRecheckTicks: 20,
          },
          sliceMs,
        );
      // Each run starts from no memory, as after a restart: it considers every element.
      const restart = { tick: 5, run: 0, seed: 7, snapshot: view, changes: undefined };

      const turns = countEventLoopTurns();
      const sliced = await reactor(1).react(restart);
      expect(turns.stop()).toBeGreaterThan(1);
      expect(sliced.writes.length).toBeGreaterThan(0);
      // Where it pauses changes nothing it decides.
      const whole = await reactor(Number.MAX_SAFE_INTEGER).react(restart);
      expect(whole).toEqual(sliced);
    } finally {
      store.close();
    }
  });
});
