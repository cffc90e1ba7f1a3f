import {
  BladeState,
  FaultKind,
  ObservedState,
  View,
  FaultStatus,
  RepairStatus,
  StepAction,
  TargetState,
  type RepairRecord,
} from '@chamber/protos';
import { budgets } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { sample, startInventoryWorld, twoRacks, type InventoryWorld } from './inventory-world.js';

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

  it('escalates to a person when a stuck cable makes its command fail, and finishes once the cable is freed', async () => {
    const world = await up('rep-stuck');
    const stuck = await world.faults.inject(FaultKind.FAULT_KIND_STUCK_CABLE, [
      `${b0}/power-cable`,
    ]);
    await world.faults.inject(FaultKind.FAULT_KIND_CRASH, [b0]);
    await world.clock.runUntil(16);
    const repairs = await world.repairs();
    expect(repairs.map((r) => r.target)).toEqual([b0]);
    expect(repairs[0]).toMatchObject({ status: RepairStatus.REPAIR_STATUS_ESCALATED });
    expect(repairs[0]!.reason).toMatch(
      /^human intervention needed: the power cable of r1\/z1\/rack1\/blade\/0 is stuck in r1\/z1\/rack1\/pdu\/0 port 0 .*; commands to that port fail; trying again at tick 32$/,
    );
    await world.clock.runUntil(30);
    expect((await world.repairs())[0]!.status).toBe(RepairStatus.REPAIR_STATUS_ESCALATED);
    // A person frees the cable; the next try works.
    await world.faults.clear(stuck.id, 'technician');
    await world.clock.runUntil(45);
    const done = (await world.repairs())[0]!;
    expect(done.status).toBe(RepairStatus.REPAIR_STATUS_SUCCEEDED);
    expect(outcomes(done).map((o) => o.split(':')[1])).toEqual([
      'opened',
      'issued',
      'failed',
      'escalated',
      'issued',
      'healthy',
    ]);
  });

  it('powers a blade down for planned maintenance, does not repair it meanwhile, and brings it back', async () => {
    const world = await up('rep-maint');
    const blade = 'r1/z1/rack2/blade/0';
    await world.inventory.setTarget(blade, {
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      powered: true,
    });
    await world.clock.runUntil(14);
    // target at 7; power-off issued at 8 (from 9: stopping 2 ticks, off at 11, heard failed at 13)
    const [down] = await world.repairs();
    expect(down).toMatchObject({
      target: blade,
      purpose: 'power-down',
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
    });
    expect(down!.reason).toMatch(/^blade r1\/z1\/rack2\/blade\/0 is powered down for maintenance/);
    expect((await world.blade(blade)).state).toBe(BladeState.BLADE_STATE_OFF);
    // A crash meanwhile changes nothing: no repair for a blade out for repair.
    await world.faults.inject(FaultKind.FAULT_KIND_CRASH, [blade]);
    await world.clock.runUntil(24);
    expect(await world.repairs()).toHaveLength(1);
    // Back in service: it is switched on first, then the usual plan if need be.
    const back = await world.inventory.setTarget(blade, {
      state: TargetState.TARGET_STATE_IN_SERVICE,
      powered: true,
    });
    await world.clock.runUntil(back + 15);
    const up2 = (await world.repairs())[1]!;

    expect(up2).toMatchObject({
      purpose: 'power-up',
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
    });
    expect(up2.plan.map((p) => StepAction[p.action])).toEqual([
      'STEP_ACTION_POWER_ON',
      'STEP_ACTION_POWER_CYCLE',
      'STEP_ACTION_REIMAGE',
      'STEP_ACTION_REPLACE',
    ]);
    expect((await world.blade(blade)).state).toBe(BladeState.BLADE_STATE_WORKING);
  });

  it('a repair manager killed mid-repair carries on the same repair with no duplicate command', async () => {
    const run = async (restartAt: number | undefined) => {
      const world = await up(`rep-restart-${restartAt ?? 'none'}`);
      await world.faults.inject(FaultKind.FAULT_KIND_HARDWARE_FAILURE, [b0]);
      for (let t = 7; t <= 52; t++) {
        if (t === restartAt) await world.restartRepair();
        await world.clock.runUntil(t);
      }
      const repairs = await world.repairs();
      const commands = await world.inventory.listCommands({ target: b0 });
      const result = {
        repairs: repairs.map((r) => ({ id: r.id, status: r.status, history: outcomes(r) })),
        commands: commands.map((c) => `${c.id}:${c.effectiveTick}`),
        digest: (await world.clock.getStatus()).digest,
      };
      await world.close();
      w = undefined;
      return result;
    };
    const reference = await run(undefined);
    expect(reference.commands).toHaveLength(4); // two power-cycles, a reimage, a replacement
    // Killed while the second power-cycle is being verified, and while waiting for the technician.
    expect(await run(25)).toEqual(reference);
    expect(await run(37)).toEqual(reference);
  });

  it(
    '2,000 ticks of random MTBF/MTTR faults over the standard inventory give the same digest twice with one seed',
    async () => {
      const blades = Array.from({ length: 8 }, (_, r) =>
        Array.from({ length: 8 }, (_, b) => `standard/z1/rack${r + 1}/blade/${b}`),
      ).flat();
      const run = async (seed: number) => {
        const world = await startInventoryWorld(`rep-mtbf-${seed}`, {
          seed,
          monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 30 },
          repair: { rackBudget: 2, technicianTicks: 10, verifyPowerCycleTicks: 20 },
        });
        w = world;
        await world.load(sample('standard'), 'standard.yaml');
        await world.faults.inject(FaultKind.FAULT_KIND_CRASH, blades, { mtbf: 400, mttr: 60 });
        await world.faults.inject(
          FaultKind.FAULT_KIND_HANG,
          blades.filter((_, i) => i % 3 === 0),
          { mtbf: 900, mttr: 80 },
        );
        await world.faults.inject(
          FaultKind.FAULT_KIND_HARDWARE_FAILURE,
          blades.filter((_, i) => i % 8 === 0),
          { mtbf: 1500, mttr: 300 },
        );
        await world.clock.runUntil(2_000);
        const result = {
          digest: (await world.clock.getStatus()).digest,
          repairs: (await world.repairs()).length,
        };
        await world.close();
        w = undefined;
        return result;
      };
      const first = await run(11);
      expect(first.repairs).toBeGreaterThan(20);
      expect(await run(11)).toEqual(first);
    },
    budgets.longTestMs,
  );

  // Every fault kind: seen within the detection bound, the expected plan,
  // and every element observed healthy again within a bound. Monitor: failed
  // after 2 missed heartbeats; a device is seen the tick after it changes.
  const kinds = [
    {
      kind: FaultKind.FAULT_KIND_CRASH,
      target: b0,
      element: b0,
      plan: ['POWER_CYCLE', 'REIMAGE', 'REPLACE'],
      by: 10,
      healthy: 25,
    },
    {
      kind: FaultKind.FAULT_KIND_HANG,
      target: b0,
      element: b0,
      plan: ['POWER_CYCLE', 'REIMAGE', 'REPLACE'],
      by: 10,
      healthy: 25,
    },
    {
      kind: FaultKind.FAULT_KIND_HARDWARE_FAILURE,
      target: 'r1/z1/rack1/tor/0',
      element: 'r1/z1/rack1/tor/0',
      plan: ['REPLACE'],
      by: 8,
      healthy: 45,
    },
    {
      kind: FaultKind.FAULT_KIND_POWER_LOSS,
      target: 'r1/z1/rack2/pdu/0',
      element: 'r1/z1/rack2/pdu/0',
      plan: ['REPLACE'],
      by: 8,
      healthy: 60,
      duration: 12,
    },
    {
      kind: FaultKind.FAULT_KIND_NETWORK_LOSS,
      target: 'r1/z1/rack2/tor/0',
      element: 'r1/z1/rack2/tor/0',
      plan: ['REPLACE'],
      by: 8,
      healthy: 60,
      duration: 12,
    },
  ];
  for (const k of kinds) {
    it(`${FaultKind[k.kind].replace('FAULT_KIND_', '').toLowerCase()}: observed by tick ${k.by}, repaired, all healthy by tick ${k.healthy}`, async () => {
      const world = await up(`rep-kind-${k.kind}`);
      const fault = await world.faults.inject(
        k.kind,
        [k.target],
        k.duration === undefined ? {} : { duration: k.duration },
      );
      expect(fault.createdTick, 'the fault was accepted for tick 7').toBe(7);
      await world.clock.runUntil(k.by);
      const observed = await world.inventory.getElement(k.element, { view: View.VIEW_OBSERVED });
      expect(observed.observed?.state, JSON.stringify(observed.observed)).toBe(
        ObservedState.OBSERVED_STATE_FAILED,
      );
      await world.clock.runUntil(k.healthy);
      const repair = (await world.repairs()).find((r) => r.target === k.element);
      expect(repair?.plan.map((p) => StepAction[p.action].replace('STEP_ACTION_', ''))).toEqual(
        k.plan,
      );
      expect(repair?.history[0]?.reason).toContain(`observed failed since tick`);
      const summary = await world.inventory.getSummary({ view: View.VIEW_OBSERVED });
      expect(summary.bladeStates).toEqual({ OBSERVED_STATE_HEALTHY: 8 });
      expect(summary.pduStates).toEqual({ OBSERVED_STATE_HEALTHY: 2 });
      expect(summary.torStates).toEqual({ OBSERVED_STATE_HEALTHY: 2 });
      // Closed: repaired, or recovered on its own before a step (a blade the fault cut off).
      const open = (await world.repairs()).filter(
        (r) =>
          r.status !== RepairStatus.REPAIR_STATUS_SUCCEEDED &&
          r.status !== RepairStatus.REPAIR_STATUS_RECOVERED,
      );
      expect(open).toEqual([]);
    });
  }

  it('escalates after repeated failures: a blade whose PDU stays off survives every step of its plan', async () => {
    const world = await up('rep-escalate');
    await world.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, ['r1/z1/rack1/pdu/0']);
    await world.clock.runUntil(90);
    const blade = (await world.repairs()).find((r) => r.target === b0)!;
    expect(blade.status).toBe(RepairStatus.REPAIR_STATUS_ESCALATED);
    expect(blade.reason).toMatch(
      /^every step of the plan failed \(last: .*\); out for repair: a person must act$/,
    );
    expect(
      blade.history.filter((e) => e.outcome === 'failed').map((e) => StepAction[e.action]),
    ).toEqual([
      'STEP_ACTION_POWER_CYCLE',
      'STEP_ACTION_POWER_CYCLE',
      'STEP_ACTION_REIMAGE',
      'STEP_ACTION_REPLACE',
    ]);
  });

  it('repairs blades that lost power while booting: never heard from, they are observed failed like any other', async () => {
    w = await startInventoryWorld('rep-booting', {
      monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
      repair: { rackBudget: 8, technicianTicks: 3 },
    });
    const world = w;
    await world.load(twoRacks); // tick 1: installed; powered at 2, booting at 3
    await world.clock.runUntil(2);
    await world.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, ['r1/z1/rack1/pdu/0'], {
      duration: 10,
    }); // PDU off at 3, its blades at 4, while they boot
    await world.clock.runUntil(4);
    expect(Object.values(await world.bladeStates('r1/z1/rack1'))).toEqual(Array(4).fill('OFF'));
    // Unknown (installed at 2) until down for failedAfter ticks: failed at 6, repaired from 7.
    await world.clock.runUntil(7);
    const seen = await world.inventory.getElement(b0, { view: View.VIEW_OBSERVED });
    expect(seen.observed).toMatchObject({
      state: ObservedState.OBSERVED_STATE_FAILED,
      sinceTick: 6,
      reason:
        'no first heartbeat since it was installed at tick 2; the blade reports nothing (off) since tick 4, 2 ticks',
    });
    const repairs = await world.repairs();
    expect(repairs.map((r) => r.target).sort()).toEqual([
      'r1/z1/rack1/blade/0',
      'r1/z1/rack1/blade/1',
      'r1/z1/rack1/blade/2',
      'r1/z1/rack1/blade/3',
      'r1/z1/rack1/pdu/0',
    ]);
    const blade = repairs.find((r) => r.target === b0)!;
    expect(blade).toMatchObject({ openedTick: 7, purpose: 'repair' });
    expect(blade.history[0]?.reason).toMatch(
      /^blade r1\/z1\/rack1\/blade\/0 observed failed since tick 6 \(no first heartbeat since it was installed at tick 2; .*\); plan \(default policy\): power-cycle/,
    );
    // The other rack's blades, never cut off, are healthy and need nothing.
    const other = await world.inventory.getElement('r1/z1/rack2/blade/0', {
      view: View.VIEW_OBSERVED,
    });
    expect(other.observed?.state).toBe(ObservedState.OBSERVED_STATE_HEALTHY);
  });

  it('closes a repair as recovered when its element is healthy again before any step was taken', async () => {
    const world = await up('rep-recovered');
    const pdu = 'r1/z1/rack1/pdu/0';
    await world.faults.inject(FaultKind.FAULT_KIND_POWER_LOSS, [pdu], { duration: 2 });
    // PDU off 7-8, observed failed at 8: a repair opens at 9 and waits 3 ticks for a
    // technician; the PDU is on again at 9, observed healthy at 10.
    await world.clock.runUntil(11);
    const repair = (await world.repairs()).find((r) => r.target === pdu)!;
    expect(repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_RECOVERED,
      openedTick: 9,
      closedTick: 11,
      attempts: 0,
      reason:
        'pdu r1/z1/rack1/pdu/0 observed healthy again since tick 10 before any step was taken: it recovered on its own',
    });
    expect(outcomes(repair)).toEqual([
      '9:opened:replace',
      '9:waiting:replace',
      '11:recovered:replace',
    ]);
    // Its blades, cut off for a few ticks, come back too: whatever closed
    // without a step is recovered, and succeeded means a step was taken.
    await world.clock.runUntil(30);
    const closed = await world.repairs();
    expect(closed.filter((r) => r.target !== pdu).length).toBeGreaterThan(0);
    for (const r of closed) {
      const isStepTaken = r.history.some((e) => e.outcome === 'issued');
      expect(RepairStatus[r.status]).toBe(
        isStepTaken ? 'REPAIR_STATUS_SUCCEEDED' : 'REPAIR_STATUS_RECOVERED',
      );
    }
  });

  it('runs at most the rack budget of repairs at once in a rack; the others wait, saying why', async () => {
    const world = await up('rep-budget');
    const blades = [0, 1, 2].map((i) => `r1/z1/rack1/blade/${i}`);
    await world.faults.inject(FaultKind.FAULT_KIND_CRASH, blades);
    await world.clock.runUntil(11);
    const early = await world.repairs();
    expect(early.map((r) => RepairStatus[r.status])).toEqual([
      'REPAIR_STATUS_RUNNING',
      'REPAIR_STATUS_RUNNING',
      'REPAIR_STATUS_PENDING',
    ]);
    expect(early[2]!.reason).toBe(
      'waiting: 2 repair(s) already running in rack r1/z1/rack1 (budget 2)',
    );
    await world.clock.runUntil(40);
    expect((await world.repairs()).map((r) => RepairStatus[r.status])).toEqual(
      Array(3).fill('REPAIR_STATUS_SUCCEEDED'),
    );
  });
});
