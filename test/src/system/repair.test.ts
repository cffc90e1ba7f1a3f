import {
  FaultKind,
  FaultStatus,
  RepairStatus,
  StepAction,
  TargetState,
  type RepairRecord,
} from '@chamber/protos';
import { afterEach, describe, expect, it } from 'vitest';
import { startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

// Faults seen by the monitor and repaired by the repair manager, end to end,
// judged only through `observed`. Monitor: suspect after 1 missed heartbeat,
// failed after 2. Blades work from tick 5 and are heard healthy at 6.
let w: InventoryWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const b0 = 'r1/z1/rack1/blade/0';

async function up(label: string): Promise<InventoryWorld> {
  w = await startInventoryWorld(label, {
    monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
    repair: {
      rackBudget: 2,
      powerCycles: 2,
      technicianTicks: 3,
      verifyPowerCycleTicks: 10,
      verifyReimageTicks: 12,
      verifyReplaceTicks: 12,
      backoffCapTicks: 2,
    },
  });
  await w.load(twoRacks);
  await w.clock.runUntil(6);
  return w;
}

const outcomes = (r: RepairRecord): string[] =>
  r.history.map(
    (e) =>
      `${e.tick}:${e.outcome}:${StepAction[e.action].replace('STEP_ACTION_', '').toLowerCase()}`,
  );

describe('the inventory repair manager', () => {
  it('power-cycles a crashed blade once it is observed failed, and closes the repair when it is observed healthy', async () => {
    const world = await up('rep-crash');
    const fault = await world.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0]); // crashed at 7
    await world.clock.runUntil(20);
    const [repair] = await world.repairs();
    expect(repair).toMatchObject({
      target: b0,
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
      openedTick: 10,
    });
    // observed failed at 9 (last heartbeat 6); power-cycle at 11, on at 13, working at 17, heard at 18
    expect(outcomes(repair!)).toEqual([
      '10:opened:power_cycle',
      '10:issued:power_cycle',
      '19:healthy:power_cycle',
    ]);
    expect(repair!.history[0]!.reason).toBe(
      `blade ${b0} observed failed since tick 9 (no heartbeat since tick 6 (2 missed); the blade reports nothing (crashed)); plan (default policy): power-cycle ×2, reimage, replace`,
    );
    expect(repair!.history[1]!.reason).toBe(
      `blade ${b0} failed for 1 ticks (no heartbeat since tick 6 (2 missed); the blade reports nothing (crashed)); power-cycle, attempt 1 of 2`,
    );
    expect(repair!.reason).toBe(
      `blade ${b0} observed healthy again since tick 18, after power-cycle (attempt 1 of 2)`,
    );
    expect((await world.faults.get(fault.id)).status).toBe(FaultStatus.FAULT_STATUS_CLEARED);
  });

  it('walks the plan for failed hardware: power-cycles, a reimage, then a replacement after the technician', async () => {
    const world = await up('rep-hw');
    await world.faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, [b0]);
    await world.clock.runUntil(52);
    const [repair] = await world.repairs();
    expect(repair?.status).toBe(RepairStatus.REPAIR_STATUS_SUCCEEDED);
    expect(outcomes(repair!).map((o) => o.split(':').slice(1).join(':'))).toEqual([
      'opened:power_cycle',
      'issued:power_cycle',
      'failed:power_cycle',
      'issued:power_cycle',
      'failed:power_cycle',
      'issued:reimage',
      'failed:reimage',
      'waiting:replace',
      'issued:replace',
      'healthy:replace',
    ]);
    expect(
      repair!.history.find(
        (e) => e.outcome === 'failed' && e.action === StepAction.STEP_ACTION_REIMAGE,
      )?.reason,
    ).toBe(
      `${b0} has failed hardware (hardware failure (fault f7-1)); only a replacement fixes it`,
    );
    expect((await world.blade(b0)).hardware).toBe(1);
  });

  it('escalates to a person when a stuck cable makes its command fail, and leaves blades in maintenance alone', async () => {
    const world = await up('rep-stuck');
    await world.inventory.setTarget('r1/z1/rack2/blade/0', {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: true,
    });
    await world.faults.inject(FaultKind.FAULT_KIND_STUCK_CABLE, [`${b0}/power-cable`]);
    await world.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0, 'r1/z1/rack2/blade/0']);
    await world.clock.runUntil(16);
    const repairs = await world.repairs();
    expect(repairs.map((r) => r.target)).toEqual([b0]);
    expect(repairs[0]).toMatchObject({ status: RepairStatus.REPAIR_STATUS_ESCALATED });
    expect(repairs[0]!.reason).toMatch(
      /^human intervention needed: the power cable of r1\/z1\/rack1\/blade\/0 is stuck in r1\/z1\/rack1\/pdu\/0 port 0 .*; commands to that port fail$/,
    );
    await world.clock.runUntil(30);
    expect((await world.repairs())[0]!.status).toBe(RepairStatus.REPAIR_STATUS_ESCALATED);
  });
});
