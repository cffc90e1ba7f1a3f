import {
  CommandAction,
  CommandStatus,
  ObservedState,
  RepairStatus,
  StepAction,
  TargetState,
  type CommandRecord,
  type ObservedRecord,
  type PlanStep,
  type RepairEvent,
  type RepairRecord,
  type TargetRecord,
} from '@chamber/protos';
import { enumTypes, fromWire, rackOf, wordOf, type DeviceKind } from '@chamber/world';
import { closing, isDone, issuedOutcome, purposes } from './closing.js';
import { stepWord, type RepairPolicy } from './policy.js';

// The repair state machine (DESIGN §3, plan -> sync) for one element at one
// tick, as a pure function: given the element's open repair, its target and
// observed records, the result of the repair's current command and the tick,
// the repair's next record and the command to issue, each with its reason.
// The reactor (reactor.ts) feeds it the elements worth looking at and writes
// what it returns.

/** How repairs run their plans. */
export interface RepairOptions {
  readonly policy: RepairPolicy;
  /** At most this many repairs run at once in one rack. */
  readonly rackBudget: number;
  /** Ticks after issuing a step by which `observed` must show the element healthy (the step's lease). */
  readonly verifyTicks: Readonly<Record<'powerCycle' | 'reimage' | 'replace', number>>;
  /** The longest wait between two attempts of a step (the backoff doubles up to it). */
  readonly backoffCapTicks: number;
  /** How often an escalated human-intervention repair tries its step again. */
  readonly humanRecheckTicks: number;
}

/** What the machine is told about one element at a tick. */
export interface ElementAtTick {
  readonly tick: number;
  readonly path: string;
  readonly kind: DeviceKind;
  readonly target: TargetRecord | undefined;
  readonly observed: ObservedRecord | undefined;
  /** The element's open repair (pending, running or escalated), if any. */
  readonly repair: RepairRecord | undefined;
  /** The record of that repair's current command (`repair.commandId`), as the inventory left it. */
  readonly command: CommandRecord | undefined;
  /** The open repairs of the element's rack (its own included), for the rack's budget. */
  readonly openInRack: readonly RepairRecord[];
  /** The purpose of the element's latest closed repair (after a power-down, it is powered on first). */
  readonly lastPurpose: string | undefined;
  /** The id a repair opened now takes. */
  readonly newId: string;
  /**
   * The placements on the element (`placements/<blade>/…`), counted when its
   * target drains it (`drain: true`); 0 otherwise.
   */
  readonly placements: number;
  /**
   * The placements on the other blades of its rack that a target drains,
   * counted with `placements`; 0 otherwise. A drained blade waits for them
   * too, so a rack drained in one call goes down only once it is empty.
   */
  readonly placementsInRack: number;
}

/** One change of a repair: its next record, and the command to write with it. */
export interface RepairTransition {
  readonly repair: RepairRecord;
  readonly command?: CommandRecord;
}

/** The statuses of a repair still in progress. */
export const openStatuses: readonly RepairStatus[] = [
  RepairStatus.REPAIR_STATUS_PENDING,
  RepairStatus.REPAIR_STATUS_RUNNING,
  RepairStatus.REPAIR_STATUS_ESCALATED,
];

/** Whether a repair in `status` is still in progress. */
export const isOpen = (status: RepairStatus): boolean => openStatuses.includes(status);

const commandOf: Readonly<Partial<Record<StepAction, CommandAction>>> = {
  [StepAction.STEP_ACTION_POWER_CYCLE]: CommandAction.COMMAND_ACTION_POWER_CYCLE,
  [StepAction.STEP_ACTION_REIMAGE]: CommandAction.COMMAND_ACTION_REIMAGE,
  [StepAction.STEP_ACTION_REPLACE]: CommandAction.COMMAND_ACTION_REPLACE,
  [StepAction.STEP_ACTION_POWER_OFF]: CommandAction.COMMAND_ACTION_POWER_OFF,
  [StepAction.STEP_ACTION_POWER_ON]: CommandAction.COMMAND_ACTION_POWER_ON,
};

// Reasons spell a target state as the API does (`out_for_repair`) and an
// observed state as people read it (`failed`).
const targetWord = (state: TargetState): string =>
  fromWire(enumTypes.targetState, TargetState[state] ?? '') ?? 'not set';
const observedWord = (state: ObservedState): string => wordOf(ObservedState[state]);

/**
 * What happens to the element's repairs at `e.tick`, in order: nothing (an
 * empty list); its open repair moved on (closed when observed done, its step
 * issued, judged, retried, moved on or escalated); a repair opened — when the
 * element should be in service and powered but is observed failed, or (planned
 * maintenance) should not run but is observed running, its power-off waiting
 * while a target that drains it still has placements on it or on the other
 * drained blades of its rack; or its open repair
 * abandoned because its target changed under it, followed by the repair the
 * new target calls for.
 */
export function decideRepair(options: RepairOptions, e: ElementAtTick): RepairTransition[] {
  const { tick, path, kind, target, observed } = e;
  const isWanted =
    target !== undefined && target.state === TargetState.TARGET_STATE_IN_SERVICE && target.powered;
  const out: RepairTransition[] = [];
  const existing = e.repair;
  if (existing !== undefined) {
    const isPowerDown = existing.purpose === purposes.powerDown;
    if (isWanted === isPowerDown) {
      // The target changed under the repair: it no longer applies.
      const now =
        target === undefined
          ? 'no longer defined'
          : `now ${targetWord(target.state)}${target.powered ? '' : ', unpowered'}`;
      out.push({
        repair: close(
          existing,
          tick,
          RepairStatus.REPAIR_STATUS_FAILED,
          `the target of ${path} is ${now}: ${isPowerDown ? 'power-down' : 'repair'} abandoned`,
          'abandoned',
        ),
      });
    } else if (isDone(existing, observed)) {
      const { status, outcome, reason } = closing(existing, kind, observed!);
      return [{ repair: close(existing, tick, status, reason, outcome) }];
    } else if (
      existing.status === RepairStatus.REPAIR_STATUS_ESCALATED &&
      (existing.nextTick === 0 || tick < existing.nextTick)
    ) {
      return [];
    } else {
      const advanced = advance(options, e, { ...existing }, e.command);
      return advanced === undefined ? [] : [advanced];
    }
  }
  if (target === undefined || observed === undefined) return out;
  let purpose: string;
  let plan: PlanStep[];
  let finding: string;
  if (isWanted && observed.state === ObservedState.OBSERVED_STATE_FAILED) {
    finding = `${kind} ${path} observed failed since tick ${observed.sinceTick} (${observed.reason})`;
    plan = options.policy.plan({ path, kind });
    purpose = purposes.repair;
    if (e.lastPurpose === purposes.powerDown) {
      // Back from maintenance: switch it on first.
      plan = [{ action: StepAction.STEP_ACTION_POWER_ON, maxAttempts: 1, delayTicks: 0 }, ...plan];
      purpose = purposes.powerUp;
      finding = `${kind} ${path} is back in service (target since tick ${target.sinceTick}) and observed failed since tick ${observed.sinceTick}`;
    }
  } else if (
    !isWanted &&
    kind !== 'tor' &&
    observed.state !== ObservedState.OBSERVED_STATE_FAILED &&
    e.lastPurpose !== purposes.powerDown
  ) {
    finding = `${kind} ${path} is wanted ${targetWord(target.state)}${target.powered ? '' : ', unpowered'} (target since tick ${target.sinceTick}) but observed ${observedWord(observed.state)}`;
    plan = [{ action: StepAction.STEP_ACTION_POWER_OFF, maxAttempts: 2, delayTicks: 0 }];
    purpose = purposes.powerDown;
  } else {
    return out;
  }
  const repair: RepairRecord = {
    id: e.newId,
    target: path,
    status: RepairStatus.REPAIR_STATUS_PENDING,
    plan,
    currentStep: 0,
    attempts: 0,
    commandId: '',
    deadlineTick: 0,
    nextTick: 0,
    openedTick: tick,
    closedTick: 0,
    reason: `${finding}; plan (${purpose === purposes.powerDown ? 'planned maintenance' : `${options.policy.name} policy`}): ${plan.map((st) => `${stepWord(st.action)}${st.maxAttempts > 1 ? ` ×${st.maxAttempts}` : ''}`).join(', ')}`,
    history: [],
    purpose,
  };
  const opened = { ...repair, history: [event(tick, repair, 'opened', repair.reason)] };
  out.push(advance(options, e, opened, undefined) ?? { repair: opened });
  return out;
}

/**
 * Moves an open repair `r` on: judges its current attempt (its command
 * failed, or its lease ran out with the element not observed done), waits
 * (a backoff, the rack's budget, a technician), or issues the current step.
 */
function advance(
  options: RepairOptions,
  e: ElementAtTick,
  r: RepairRecord,
  command: CommandRecord | undefined,
): RepairTransition | undefined {
  const { tick, observed } = e;
  const step = r.plan[r.currentStep];
  if (step === undefined) {
    return { repair: escalate(r, tick, 'the plan has no steps; a person must act') };
  }
  if (r.commandId !== '') {
    if (command?.status === CommandStatus.COMMAND_STATUS_FAILED)
      return failed(options, e, r, command.reason);
    if (tick < r.deadlineTick) return undefined;
    const seen =
      observed === undefined
        ? 'not observed'
        : `still observed ${observedWord(observed.state)} (${observed.reason})`;
    return failed(
      options,
      e,
      r,
      `${seen} ${tick - (command?.effectiveTick ?? tick)} ticks after the ${stepWord(step.action)}`,
    );
  }
  if (r.nextTick > tick) return undefined;
  if (
    r.purpose === purposes.powerDown &&
    step.action === StepAction.STEP_ACTION_POWER_OFF &&
    e.target?.drain === true &&
    e.placements + e.placementsInRack > 0
  ) {
    // Drained first: the workload repair manager moves its instances away.
    const instances = (n: number) => `${n} instance${n === 1 ? '' : 's'}`;
    const reason =
      e.placements > 0
        ? `draining: ${instances(e.placements)} still on ${r.target}`
        : `draining: ${instances(e.placementsInRack)} still on other drained blades of rack ${rackOf(r.target)}`;
    return r.reason === reason
      ? undefined
      : { repair: { ...r, status: RepairStatus.REPAIR_STATUS_PENDING, reason } };
  }
  const running = e.openInRack.filter(
    (o) => o.id !== r.id && o.status === RepairStatus.REPAIR_STATUS_RUNNING,
  ).length;
  if (running >= options.rackBudget) {
    const reason = `waiting: ${running} repair(s) already running in rack ${rackOf(r.target)} (budget ${options.rackBudget})`;
    return r.reason === reason
      ? undefined
      : { repair: { ...r, status: RepairStatus.REPAIR_STATUS_PENDING, reason } };
  }
  if (
    step.delayTicks > 0 &&
    r.attempts === 0 &&
    !r.history.some((h) => h.outcome === 'waiting' && h.step === r.currentStep)
  ) {
    const reason = `waiting ${step.delayTicks} ticks for a technician to ${stepWord(step.action)} ${r.target}`;
    const waiting = {
      ...r,
      status: RepairStatus.REPAIR_STATUS_RUNNING,
      nextTick: tick + step.delayTicks,
      reason,
    };
    return {
      repair: { ...waiting, history: [...r.history, event(tick, waiting, 'waiting', reason)] },
    };
  }
  const commandId = `${r.id}-${r.history.length}`;
  const attempts = r.attempts + 1;
  const lease = verifyTicks(options, step.action);
  const failedFor =
    observed === undefined
      ? ''
      : ` ${observedWord(observed.state)} for ${tick - observed.sinceTick} ticks (${observed.reason})`;
  const reason = `${e.kind} ${r.target}${failedFor}; ${stepWord(step.action)}, attempt ${attempts} of ${step.maxAttempts}`;
  const next: RepairRecord = {
    ...r,
    status: RepairStatus.REPAIR_STATUS_RUNNING,
    attempts,
    commandId,
    deadlineTick: tick + 1 + lease,
    nextTick: tick + 1 + lease,
    reason,
  };
  return {
    repair: {
      ...next,
      history: [...r.history, { ...event(tick, next, issuedOutcome, reason), commandId }],
    },
    command: {
      id: commandId,
      target: r.target,
      action: commandOf[step.action] ?? CommandAction.COMMAND_ACTION_UNSPECIFIED,
      status: CommandStatus.COMMAND_STATUS_PENDING,
      effectiveTick: tick + 1,
      finishedTick: 0,
      dueTick: 0,
      reason,
      requestedBy: `inventory-repair ${r.id}`,
      image: '',
    },
  };
}

/** The current attempt failed (`why`): retry after a backoff, take the next step, or escalate. */
function failed(
  options: RepairOptions,
  e: ElementAtTick,
  r: RepairRecord,
  why: string,
): RepairTransition | undefined {
  const { tick } = e;
  const step = r.plan[r.currentStep]!;
  const failedStep = { ...r, commandId: '', deadlineTick: 0 };
  const history = [...r.history, { ...event(tick, r, 'failed', why), commandId: r.commandId }];
  if (/stuck/.test(why)) {
    // Open until a person frees it: the manager looks again (the same
    // step) every `humanRecheckTicks`.
    const recheck = tick + options.humanRecheckTicks;
    const reason = `human intervention needed: ${why}; trying again at tick ${recheck}`;
    return {
      repair: {
        ...escalate({ ...failedStep, history }, tick, reason),
        attempts: r.attempts - 1,
        nextTick: recheck,
      },
    };
  }
  if (r.attempts < step.maxAttempts) {
    const wait = Math.min(options.backoffCapTicks, 2 ** (r.attempts - 1));
    const reason = `${stepWord(step.action)} attempt ${r.attempts} of ${step.maxAttempts} failed (${why}); retrying in ${wait} tick(s)`;
    return { repair: { ...failedStep, history, nextTick: tick + wait, reason } };
  }
  if (r.currentStep + 1 < r.plan.length) {
    const moved = {
      ...failedStep,
      history,
      currentStep: r.currentStep + 1,
      attempts: 0,
      nextTick: 0,
    };
    return advance(options, e, moved, undefined);
  }
  return {
    repair: escalate(
      { ...failedStep, history },
      tick,
      `every step of the plan failed (last: ${why}); out for repair: a person must act`,
    ),
  };
}

function verifyTicks(options: RepairOptions, action: StepAction): number {
  const v = options.verifyTicks;
  return action === StepAction.STEP_ACTION_REIMAGE
    ? v.reimage
    : action === StepAction.STEP_ACTION_REPLACE
      ? v.replace
      : v.powerCycle;
}

function event(tick: number, r: RepairRecord, outcome: string, reason: string): RepairEvent {
  return {
    tick,
    step: r.currentStep,
    action: r.plan[r.currentStep]?.action ?? StepAction.STEP_ACTION_UNSPECIFIED,
    commandId: '',
    outcome,
    reason,
  };
}

function close(
  r: RepairRecord,
  tick: number,
  status: RepairStatus,
  reason: string,
  outcome: string,
): RepairRecord {
  return {
    ...r,
    status,
    reason,
    closedTick: tick,
    nextTick: 0,
    deadlineTick: 0,
    history: [...r.history, event(tick, r, outcome, reason)],
  };
}

function escalate(r: RepairRecord, tick: number, reason: string): RepairRecord {
  return {
    ...r,
    status: RepairStatus.REPAIR_STATUS_ESCALATED,
    reason,
    nextTick: 0,
    history: [...r.history, event(tick, r, 'escalated', reason)],
  };
}
