import {
  CommandAction,
  CommandStatus,
  ObservedState,
  RepairStatus,
  StepAction,
  TargetState,
  type CommandRecord,
  type ObservedRecord,
  type RepairRecord,
  type TargetRecord,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { defaultPolicy, type RepairPolicy } from './policy.js';
import {
  decideRepair,
  type ElementAtTick,
  type RepairOptions,
  type RepairTransition,
} from './repair-machine.js';

// The repair state machine, one element at one tick, with no store: every
// transition a repair goes through (DESIGN §3, plan -> sync).

const blade = 'r/z1/rack1/blade/0';
const pdu = 'r/z1/rack1/pdu/0';

const options: RepairOptions = {
  policy: defaultPolicy({ powerCycles: 2, technicianTicks: 10 }),
  rackBudget: 2,
  verifyTicks: { powerCycle: 5, reimage: 10, replace: 20 },
  backoffCapTicks: 4,
  humanRecheckTicks: 20,
};

const inService: TargetRecord = {
  state: TargetState.TARGET_STATE_IN_SERVICE,
  powered: true,
  drain: false,
  sinceTick: 0,
  reason: 'defined',
};
const outForRepair: TargetRecord = {
  state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
  powered: true,
  drain: false,
  sinceTick: 12,
  reason: 'maintenance',
};
const failed = (sinceTick: number): ObservedRecord => ({
  state: ObservedState.OBSERVED_STATE_FAILED,
  sinceTick,
  reason: 'no heartbeat',
  lastHeartbeatTick: 4,
});
const healthy = (sinceTick: number): ObservedRecord => ({
  state: ObservedState.OBSERVED_STATE_HEALTHY,
  sinceTick,
  reason: 'heartbeats again',
  lastHeartbeatTick: 0,
});

/** The blade at `tick`, in service and observed failed since tick 8, with no repair. */
function at(tick: number, e: Partial<ElementAtTick> = {}): ElementAtTick {
  return {
    tick,
    path: blade,
    kind: 'blade',
    target: inService,
    observed: failed(8),
    repair: undefined,
    command: undefined,
    openInRack: [],
    lastPurpose: undefined,
    newId: `r${tick}-1`,
    placements: 0,
    placementsInRack: 0,
    ...e,
  };
}

/** The only transition of `transitions`. */
function only(transitions: RepairTransition[]): RepairTransition {
  expect(transitions).toHaveLength(1);
  return transitions[0]!;
}

/** The repair opened at tick 10 for the failed blade, its first power-cycle issued. */
function issued(): RepairTransition {
  return only(decideRepair(options, at(10)));
}

/** `command` as the inventory left it: finished with `status` at `tick`. */
const finished = (
  command: CommandRecord,
  status: CommandStatus,
  tick: number,
  reason: string,
): CommandRecord => ({ ...command, status, finishedTick: tick, reason });

describe('the repair state machine', () => {
  it('opens a repair when an element in service is observed failed, with its plan, and issues its first step', () => {
    const { repair, command } = issued();
    expect(repair).toMatchObject({
      id: 'r10-1',
      target: blade,
      purpose: 'repair',
      status: RepairStatus.REPAIR_STATUS_RUNNING,
      openedTick: 10,
      currentStep: 0,
      attempts: 1,
      commandId: 'r10-1-1',
      // The step's lease: issued at 10, effective at 11, verified 5 ticks later.
      deadlineTick: 16,
      nextTick: 16,
      reason: `blade ${blade} failed for 2 ticks (no heartbeat); power-cycle, attempt 1 of 2`,
    });
    expect(repair.plan.map((s) => [s.action, s.maxAttempts, s.delayTicks])).toEqual([
      [StepAction.STEP_ACTION_POWER_CYCLE, 2, 0],
      [StepAction.STEP_ACTION_REIMAGE, 1, 0],
      [StepAction.STEP_ACTION_REPLACE, 1, 10],
    ]);
    expect(repair.history.map((h) => [h.tick, h.outcome, h.commandId, h.reason])).toEqual([
      [
        10,
        'opened',
        '',
        `blade ${blade} observed failed since tick 8 (no heartbeat); plan (default policy): power-cycle ×2, reimage, replace`,
      ],
      [10, 'issued', 'r10-1-1', repair.reason],
    ]);
    expect(command).toEqual({
      id: 'r10-1-1',
      target: blade,
      action: CommandAction.COMMAND_ACTION_POWER_CYCLE,
      status: CommandStatus.COMMAND_STATUS_PENDING,
      effectiveTick: 11,
      finishedTick: 0,
      dueTick: 0,
      reason: repair.reason,
      requestedBy: 'inventory-repair r10-1',
      image: '',
    });
  });

  it('opens nothing for an element that is healthy, not yet heard from, or not wanted in service and already down', () => {
    expect(decideRepair(options, at(10, { observed: healthy(3) }))).toEqual([]);
    const unknown = { ...failed(8), state: ObservedState.OBSERVED_STATE_UNKNOWN };
    expect(decideRepair(options, at(10, { observed: unknown }))).toEqual([]);
    expect(decideRepair(options, at(10, { observed: undefined }))).toEqual([]);
    expect(decideRepair(options, at(10, { target: outForRepair }))).toEqual([]);
    expect(decideRepair(options, at(10, { target: { ...inService, powered: false } }))).toEqual([]);
  });

  it('waits for the step while its lease runs, then succeeds when the element is observed healthy', () => {
    const { repair, command } = issued();
    const ran = finished(command!, CommandStatus.COMMAND_STATUS_SUCCEEDED, 12, 'power-cycled');
    expect(decideRepair(options, at(13, { repair, command: ran }))).toEqual([]);
    const done = only(
      decideRepair(options, at(14, { repair, command: ran, observed: healthy(13) })),
    );
    expect(done.command).toBeUndefined();
    expect(done.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
      closedTick: 14,
      nextTick: 0,
      deadlineTick: 0,
      reason: `blade ${blade} observed healthy again since tick 13, after power-cycle (attempt 1 of 2)`,
    });
    expect(done.repair.history.at(-1)).toMatchObject({ tick: 14, outcome: 'healthy' });
  });

  it("fails the attempt when the step's lease expires with the element still observed failed", () => {
    const { repair, command } = issued();
    const ran = finished(command!, CommandStatus.COMMAND_STATUS_SUCCEEDED, 12, 'power-cycled');
    expect(decideRepair(options, at(15, { repair, command: ran }))).toEqual([]);
    const retry = only(decideRepair(options, at(16, { repair, command: ran })));
    const why = 'still observed failed (no heartbeat) 5 ticks after the power-cycle';
    expect(retry.command).toBeUndefined();
    expect(retry.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_RUNNING,
      attempts: 1,
      commandId: '',
      deadlineTick: 0,
      nextTick: 17,
      reason: `power-cycle attempt 1 of 2 failed (${why}); retrying in 1 tick(s)`,
    });
    expect(retry.repair.history.at(-1)).toMatchObject({
      tick: 16,
      outcome: 'failed',
      commandId: 'r10-1-1',
      reason: why,
    });
  });

  it('retries a failed attempt after a backoff that doubles up to its cap, then takes the next step', () => {
    const patient: RepairPolicy = {
      name: 'patient',
      plan: () => [
        { action: StepAction.STEP_ACTION_POWER_CYCLE, maxAttempts: 6, delayTicks: 0 },
        { action: StepAction.STEP_ACTION_REIMAGE, maxAttempts: 1, delayTicks: 0 },
      ],
    };
    const o = { ...options, policy: patient };
    let { repair, command } = only(decideRepair(o, at(10)));
    let tick = 12;
    const waits: number[] = [];
    for (let attempt = 1; attempt < 6; attempt++) {
      const off = finished(command!, CommandStatus.COMMAND_STATUS_FAILED, tick, 'no power');
      const backoff = only(decideRepair(o, at(tick, { repair, command: off })));
      expect(backoff.repair.reason).toContain(`attempt ${attempt} of 6 failed (no power)`);
      waits.push(backoff.repair.nextTick - tick);
      tick = backoff.repair.nextTick;
      expect(decideRepair(o, at(tick - 1, { repair: backoff.repair }))).toEqual([]);
      ({ repair, command } = only(decideRepair(o, at(tick, { repair: backoff.repair }))));
      expect(repair.attempts).toBe(attempt + 1);
      tick += 1;
    }
    expect(waits).toEqual([1, 2, 4, 4, 4]);
    // The sixth attempt fails too: the reimage is issued at once.
    const off = finished(command!, CommandStatus.COMMAND_STATUS_FAILED, tick, 'no power');
    const next = only(decideRepair(o, at(tick, { repair, command: off })));
    expect(next.repair).toMatchObject({ currentStep: 1, attempts: 1 });
    expect(next.command?.action).toBe(CommandAction.COMMAND_ACTION_REIMAGE);
    expect(next.repair.history.slice(-2).map((h) => h.outcome)).toEqual(['failed', 'issued']);
  });

  it('escalates past the last step: out for repair, until a person acts', () => {
    const once: RepairPolicy = {
      name: 'once',
      plan: () => [{ action: StepAction.STEP_ACTION_POWER_CYCLE, maxAttempts: 1, delayTicks: 0 }],
    };
    const o = { ...options, policy: once };
    const { repair, command } = only(decideRepair(o, at(10)));
    const off = finished(command!, CommandStatus.COMMAND_STATUS_FAILED, 12, 'no power');
    const escalated = only(decideRepair(o, at(12, { repair, command: off })));
    expect(escalated.command).toBeUndefined();
    expect(escalated.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_ESCALATED,
      nextTick: 0,
      reason: 'every step of the plan failed (last: no power); out for repair: a person must act',
    });
    expect(escalated.repair.history.at(-1)?.outcome).toBe('escalated');
    expect(decideRepair(o, at(50, { repair: escalated.repair }))).toEqual([]);
  });

  it('escalates a stuck cable to a person at once, and tries the same step again at each recheck', () => {
    const { repair, command } = issued();
    const stuck = finished(command!, CommandStatus.COMMAND_STATUS_FAILED, 12, 'power cable stuck');
    const human = only(decideRepair(options, at(12, { repair, command: stuck }))).repair;
    expect(human).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_ESCALATED,
      attempts: 0,
      commandId: '',
      nextTick: 32,
      reason: 'human intervention needed: power cable stuck; trying again at tick 32',
    });
    expect(decideRepair(options, at(31, { repair: human }))).toEqual([]);
    const again = only(decideRepair(options, at(32, { repair: human })));
    expect(again.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_RUNNING,
      currentStep: 0,
      attempts: 1,
      commandId: 'r10-1-4',
    });
    expect(again.command?.action).toBe(CommandAction.COMMAND_ACTION_POWER_CYCLE);
  });

  it('waits for a technician before a replacement, and closes recovered when the element heals first', () => {
    const e = { path: pdu, kind: 'pdu' as const };
    const waiting = only(decideRepair(options, at(10, e)));
    expect(waiting.command).toBeUndefined();
    expect(waiting.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_RUNNING,
      attempts: 0,
      nextTick: 20,
      reason: `waiting 10 ticks for a technician to replace ${pdu}`,
    });
    // The technician arrives: the replacement is issued.
    const replaced = only(decideRepair(options, at(20, { ...e, repair: waiting.repair })));
    expect(replaced.command?.action).toBe(CommandAction.COMMAND_ACTION_REPLACE);
    expect(replaced.repair).toMatchObject({ attempts: 1, deadlineTick: 41 });
    // Or the PDU comes back before: the repair did nothing.
    const healed = { ...e, repair: waiting.repair, observed: healthy(14) };
    expect(only(decideRepair(options, at(15, healed))).repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_RECOVERED,
      closedTick: 15,
      reason: `pdu ${pdu} observed healthy again since tick 14 before any step was taken: it recovered on its own`,
    });
  });

  it('keeps a repair pending while the rack runs its budget of repairs, saying why once', () => {
    const running = (id: string, target: string): RepairRecord => ({
      ...issued().repair,
      id,
      target,
    });
    const openInRack = [running('r9-1', 'r/z1/rack1/blade/1'), running('r9-2', 'r/z1/rack1/tor/0')];
    const pending = only(decideRepair(options, at(10, { openInRack })));
    expect(pending.command).toBeUndefined();
    expect(pending.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_PENDING,
      attempts: 0,
      reason: 'waiting: 2 repair(s) already running in rack r/z1/rack1 (budget 2)',
    });
    const rack = [...openInRack, pending.repair];
    expect(decideRepair(options, at(11, { repair: pending.repair, openInRack: rack }))).toEqual([]);
    // A slot frees: the step is issued.
    const freed = [openInRack[0]!, pending.repair];
    const go = only(decideRepair(options, at(12, { repair: pending.repair, openInRack: freed })));
    expect(go.command?.action).toBe(CommandAction.COMMAND_ACTION_POWER_CYCLE);
  });

  it('abandons a repair whose element is taken out of service meanwhile', () => {
    const { repair } = issued();
    const abandoned = only(decideRepair(options, at(13, { repair, target: outForRepair })));
    expect(abandoned.repair).toMatchObject({
      id: 'r10-1',
      status: RepairStatus.REPAIR_STATUS_FAILED,
      closedTick: 13,
      reason: `the target of ${blade} is now out_for_repair: repair abandoned`,
    });
    expect(abandoned.repair.history.at(-1)?.outcome).toBe('abandoned');
    // Observed running by then: the power-down the new target asks for opens with it.
    const [closed, powerDown] = decideRepair(
      options,
      at(13, { repair, target: outForRepair, observed: healthy(12) }),
    );
    expect(closed?.repair.status).toBe(RepairStatus.REPAIR_STATUS_FAILED);
    expect(powerDown?.repair).toMatchObject({ id: 'r13-1', purpose: 'power-down' });
  });

  it('powers an element down for maintenance, and powers it on first when it comes back', () => {
    const down = only(
      decideRepair(options, at(13, { target: outForRepair, observed: healthy(3) })),
    );
    expect(down.repair.history[0]?.reason).toBe(
      `blade ${blade} is wanted out_for_repair (target since tick 12) but observed healthy; plan (planned maintenance): power-off ×2`,
    );
    expect(down.command?.action).toBe(CommandAction.COMMAND_ACTION_POWER_OFF);
    const off = only(
      decideRepair(
        options,
        at(16, { repair: down.repair, target: outForRepair, observed: failed(15) }),
      ),
    );
    expect(off.repair).toMatchObject({
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
      reason: `blade ${blade} is powered down for maintenance (observed failed since tick 15: no heartbeat)`,
    });
    // Meanwhile nothing opens, whatever it is observed.
    const maintained = { target: outForRepair, lastPurpose: 'power-down' };
    expect(decideRepair(options, at(20, { ...maintained, observed: healthy(19) }))).toEqual([]);
    // Back in service: a power-up, switched on first.
    const back = { ...inService, sinceTick: 30 };
    const up = only(decideRepair(options, at(31, { target: back, lastPurpose: 'power-down' })));
    expect(up.repair.purpose).toBe('power-up');
    expect(up.repair.plan.map((s) => s.action)).toEqual([
      StepAction.STEP_ACTION_POWER_ON,
      StepAction.STEP_ACTION_POWER_CYCLE,
      StepAction.STEP_ACTION_REIMAGE,
      StepAction.STEP_ACTION_REPLACE,
    ]);
    expect(up.command?.action).toBe(CommandAction.COMMAND_ACTION_POWER_ON);
  });

  it('waits to power down a drained blade while any placement remains on it, then proceeds', () => {
    const draining: TargetRecord = { ...outForRepair, drain: true };
    const opened = only(
      decideRepair(options, at(13, { target: draining, observed: healthy(3), placements: 3 })),
    );
    expect(opened.command).toBeUndefined();
    expect(opened.repair).toMatchObject({
      id: 'r13-1',
      purpose: 'power-down',
      status: RepairStatus.REPAIR_STATUS_PENDING,
      commandId: '',
      reason: `draining: 3 instances still on ${blade}`,
    });
    // One goes: the reason follows the count; the same count changes nothing.
    const waiting = { repair: opened.repair, target: draining, observed: healthy(3) };
    const fewer = only(decideRepair(options, at(15, { ...waiting, placements: 1 })));
    expect(fewer.command).toBeUndefined();
    expect(fewer.repair.reason).toBe(`draining: 1 instance still on ${blade}`);
    expect(
      decideRepair(options, at(16, { ...waiting, repair: fewer.repair, placements: 1 })),
    ).toEqual([]);
    // The last one gone: the power-off is issued at once.
    const off = only(decideRepair(options, at(17, { ...waiting, repair: fewer.repair })));
    expect(off.command).toMatchObject({
      action: CommandAction.COMMAND_ACTION_POWER_OFF,
      effectiveTick: 18,
    });
    expect(off.repair.status).toBe(RepairStatus.REPAIR_STATUS_RUNNING);
  });

  it('powers down without waiting when the target does not drain, placements or not', () => {
    const down = only(
      decideRepair(options, at(13, { target: outForRepair, observed: healthy(3), placements: 3 })),
    );
    expect(down.command?.action).toBe(CommandAction.COMMAND_ACTION_POWER_OFF);
  });
});
