import { MonitorReactor, monitorViews } from '@chamber/monitor';
import {
  BladeActual,
  BladeState,
  CommandAction,
  FaultKind,
  ObservedState,
  View,
  type ObservedRecord,
} from '@chamber/protos';
import { CachedView, encode, Store, type WatchEvent } from '@chamber/store';
import { countEventLoopTurns, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { viewKey } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

// The observed view: what the control plane learns from heartbeats and
// device health, lagging the actual view. Thresholds: suspect after 2 missed
// heartbeats, failed after 4; blades work from tick 5 (inventory-world.ts).
let w: InventoryWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const b0 = 'r1/z1/rack1/blade/0';

async function observed(path: string): Promise<ObservedRecord | undefined> {
  return (await w!.inventory.getElement(path, { view: View.VIEW_OBSERVED })).observed;
}

const state = (r: ObservedRecord | undefined): string =>
  r === undefined ? 'none' : ObservedState[r.state].replace('OBSERVED_STATE_', '');

describe('the monitor', () => {
  it('turns missed heartbeats into suspect, then failed, and healthy again after a reboot', async () => {
    w = await startInventoryWorld('mon-blade', {
      monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 30 },
    });
    await w.load(twoRacks); // tick 1: installed
    await w.clock.step(1);
    expect(await observed(b0)).toMatchObject({
      state: ObservedState.OBSERVED_STATE_UNKNOWN,
      sinceTick: 2,
    });
    await w.clock.runUntil(6); // working since 5, first heard at 6
    expect(await observed(b0)).toMatchObject({
      state: ObservedState.OBSERVED_STATE_HEALTHY,
      sinceTick: 6,
      reason: 'first heartbeat at tick 5',
      lastHeartbeatTick: 0,
    });
    const crash = await w.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0]); // crashed at 7
    // Where a late timeline would come from: the input's tick, or what acts on it.
    expect(crash.createdTick, 'the crash was accepted for tick 7').toBe(7);
    const timeline: string[] = [];
    for (let t = 7; t <= 11; t++) {
      await w.clock.runUntil(t);
      timeline.push(`${t}:${state(await observed(b0))}`);
    }
    expect(timeline, `blade ${JSON.stringify(await w.blade(b0))}`).toEqual([
      '7:HEALTHY',
      '8:HEALTHY',
      '9:SUSPECT',
      '10:SUSPECT',
      '11:FAILED',
    ]);
    expect(await observed(b0)).toMatchObject({
      sinceTick: 11,
      lastHeartbeatTick: 6,
      reason: 'no heartbeat since tick 6 (4 missed); the blade reports nothing (crashed)',
    });
    const reboot = await w.inventory.issueCommand(b0, CommandAction.COMMAND_ACTION_REBOOT);
    await w.clock.runUntil(reboot.effectiveTick + 2); // booting 12-14, working at 14
    expect(state(await observed(b0))).toBe('FAILED');
    await w.clock.step(1);
    expect(await observed(b0)).toMatchObject({
      state: ObservedState.OBSERVED_STATE_HEALTHY,
      sinceTick: 15,
      reason: 'heartbeats again since tick 14',
      lastHeartbeatTick: 0,
    });
  });

  it('observes PDUs and TORs from their own health, one tick after actual, and blades they cut off', async () => {
    w = await startInventoryWorld('mon-devices', {
      monitor: { suspectAfter: 1, failedAfter: 3, installGrace: 30 },
    });
    await w.load(twoRacks);
    await w.clock.runUntil(6);
    await w.faults.inject(FaultKind.FAULT_KIND_NETWORK_LOSS, ['r1/z1/rack2/tor/0']); // TOR failed at 7, blades isolated at 8
    await w.clock.runUntil(7);
    expect(state(await observed('r1/z1/rack2/tor/0'))).toBe('HEALTHY');
    await w.clock.runUntil(8);
    expect(await observed('r1/z1/rack2/tor/0')).toMatchObject({
      state: ObservedState.OBSERVED_STATE_FAILED,
      sinceTick: 8,
      reason: 'reports failed: network loss (fault f7-1)',
    });
    await w.clock.runUntil(10); // isolated at 8, last heartbeat 7: suspect at 9, failed at 11
    expect(state(await observed('r1/z1/rack2/blade/3'))).toBe('SUSPECT');
    await w.clock.runUntil(11);
    expect(state(await observed('r1/z1/rack2/blade/3'))).toBe('FAILED');
    expect(state(await observed('r1/z1/rack1/blade/3'))).toBe('HEALTHY');
  });

  it('digests a tick that changes thousands of blades in slices, so its lease keep-alive runs meanwhile', async () => {
    // A 100,000-blade load changes every actual record at one tick; a monitor
    // that observed them all in one go held its event loop for seconds and
    // lost its 3 s lease. Here 5,000 blades, in slices of 1 ms so that any
    // machine needs several.
    const store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('mon-huge'),
    });
    try {
      const view = await CachedView.load(store, monitorViews);
      const working = encode(BladeActual, {
        ...BladeActual.fromPartial({}),
        state: BladeState.BLADE_STATE_WORKING,
        sinceTick: 4,
        reason: 'booted img-1',
      });
      const events: WatchEvent[] = Array.from({ length: 5_000 }, (_, i) => ({
        type: 'put',
        key: viewKey('actual', `r1/z1/rack${Math.floor(i / 40)}/blade/${i % 40}`),
        value: working,
        modRevision: view.revision + 1,
        createRevision: view.revision + 1,
      }));
      view.apply(events);
      const input = {
        tick: 5,
        run: 0,
        seed: 7,
        snapshot: view,
        changes: new Set(events.map((e) => e.key)),
      };
      const thresholds = { suspectAfter: 2, failedAfter: 4, installGrace: 30 };

      const turns = countEventLoopTurns();
      const sliced = await new MonitorReactor(thresholds, 1).react(input);
      expect(turns.stop()).toBeGreaterThan(1);
      expect(sliced.writes).toHaveLength(5_000);
      // Where it pauses changes nothing it decides.
      const whole = await new MonitorReactor(thresholds, Number.MAX_SAFE_INTEGER).react(input);
      expect(whole).toEqual(sliced);
    } finally {
      store.close();
    }
  });
});
