import {
  CommandAction,
  CommandRecord,
  CommandStatus,
  ObservedRecord,
  ObservedState,
  RepairRecord,
  RepairStatus,
  StepAction,
  TargetRecord,
  TargetState,
  type PlanStep,
  type RepairEvent,
} from '@chamber/protos';
import { createSlicer, defaultSliceMs, TimerWheel } from '@chamber/sim';
import { cmp, op, type CachedView, type Compare, type Op } from '@chamber/store';
import { recordDecision, type SpanContext, type Tracer } from '@chamber/telemetry';
import type { TickContext } from '@chamber/participant';
import { closing, isDone, issuedOutcome, purposes } from './domain/closing.js';
import { stepWord, type RepairPolicy } from './domain/policy.js';
import { pruneTick } from './domain/pruning.js';

/** The repair manager's participant name. */
export const repairParticipant = 'inventory-repair';

const prefixes = {
  target: 'target/',
  observed: 'observed/',
  repairs: 'repairs/',
  commands: 'commands/',
} as const;

/** The prefixes the manager caches. */
export const managerViews: readonly string[] = Object.values(prefixes);

/**
 * What wakes the manager besides its timers: targets, observations and
 * command results (it alone writes `repairs/`).
 */
export const managerReactsTo: readonly string[] = [
  prefixes.target,
  prefixes.observed,
  prefixes.commands,
];

/** How the manager runs plans. */
export interface ManagerOptions {
  readonly policy: RepairPolicy;
  /** At most this many repairs run at once in one rack. */
  readonly rackBudget: number;
  /** Ticks after issuing a step by which `observed` must show the target healthy. */
  readonly verifyTicks: Readonly<Record<'powerCycle' | 'reimage' | 'replace', number>>;
  /** The longest wait between two attempts of a step (the backoff doubles up to it). */
  readonly backoffCapTicks: number;
  /** How often an escalated human-intervention repair tries its step again. */
  readonly humanRecheckTicks: number;
  /**
   * Ticks a closed repair is kept after it closed, unless it is its
   * element's latest repair; 0 keeps every repair (see `domain/pruning.ts`).
   */
  readonly retentionTicks?: number;
  /** Where each decision's span goes (with its tick, target and reason). */
  readonly tracer?: Tracer;
}

/**
 * At most this many repair records change in one tick (each with its command
 * and its compare-and-set: one transaction); the rest follow at the next.
 */
export const maxRepairsPerTick = 60;

const open: readonly RepairStatus[] = [
  RepairStatus.REPAIR_STATUS_PENDING,
  RepairStatus.REPAIR_STATUS_RUNNING,
  RepairStatus.REPAIR_STATUS_ESCALATED,
];

const commandOf: Readonly<Partial<Record<StepAction, CommandAction>>> = {
  [StepAction.STEP_ACTION_POWER_CYCLE]: CommandAction.COMMAND_ACTION_POWER_CYCLE,
  [StepAction.STEP_ACTION_REIMAGE]: CommandAction.COMMAND_ACTION_REIMAGE,
  [StepAction.STEP_ACTION_REPLACE]: CommandAction.COMMAND_ACTION_REPLACE,
  [StepAction.STEP_ACTION_POWER_OFF]: CommandAction.COMMAND_ACTION_POWER_OFF,
  [StepAction.STEP_ACTION_POWER_ON]: CommandAction.COMMAND_ACTION_POWER_ON,
};

const word = (names: Readonly<Record<number, string>>, value: number, prefix: string): string =>
  (names[value] ?? String(value)).replace(prefix, '').toLowerCase();

const rackOf = (path: string): string => path.split('/').slice(0, 3).join('/');

const { repair: repairPurpose, powerDown, powerUp } = purposes;

/**
 * The inventory repair manager, one tick at a time (plan -> sync). It
 * compares each element's `target` with its `observed` state — never
 * `actual` — and, for an element that should be in service but is observed
 * failed, opens a repair with its policy's plan. Each step is a command
 * written with the repair record in one transaction; the step succeeds only
 * when `observed` shows the element healthy by the step's deadline (its
 * lease, counted in ticks). Failed attempts retry with a capped backoff, then
 * the next step; past the plan the repair escalates to a person. Its memory
 * (open repairs by element, timers) is rebuilt from the store after a
 * restart, so a restarted manager carries on the same repairs without
 * issuing a command twice. A tick with many changes (every blade of a
 * 100,000-blade load observed at once) lets the event loop run every 50 ms
 * of work, so its lease keep-alive goes on; where it pauses does not change
 * what it decides.
 */
export class RepairManager {
  private wheel = new TimerWheel();
  private run = -1;
  private byTarget = new Map<string, RepairRecord>();
  private byCommand = new Map<string, string>();
  // The purpose of each element's latest closed repair (a power-down means
  // that bringing it back starts with a power-on).
  private lastPurpose = new Map<string, string>();
  // Each open repair's latest decision span, which its next decision links to.
  private lastSpan = new Map<string, SpanContext>();
  // Closed repairs by when they may be deleted (see domain/pruning.ts), and
  // each element's latest repair (never deleted: later decisions read it).
  private pruneWheel = new TimerWheel();
  private closedById = new Map<string, RepairRecord>();
  private latestByTarget = new Map<string, RepairRecord>();

  /** `sliceMs`: the longest stretch of a tick's work between two turns of the event loop. */
  constructor(
    private readonly options: ManagerOptions,
    private readonly sliceMs = defaultSliceMs,
  ) {}

  async tick(ctx: Pick<TickContext, 'tick' | 'run' | 'view' | 'changes'>): Promise<{
    ops: Op[];
    compares: Compare[];
    nextWakeup: number | null;
  }> {
    const { tick, view } = ctx;
    const slicer = createSlicer(this.sliceMs);
    const consider = new Set<string>();
    if (ctx.changes === undefined || ctx.run !== this.run) {
      this.wheel = new TimerWheel();
      this.byTarget = new Map();
      this.byCommand = new Map();
      this.lastPurpose = new Map();
      this.lastSpan = new Map();
      this.pruneWheel = new TimerWheel();
      this.closedById = new Map();
      this.latestByTarget = new Map();
      const records = view.list(RepairRecord, prefixes.repairs).map((e) => e.value);
      records.sort(
        (a, b) => a.openedTick - b.openedTick || a.id.localeCompare(b.id, 'en', { numeric: true }),
      );
      for (const value of records) this.track(value);
      for (const e of view.listRaw(prefixes.observed))
        consider.add(e.key.slice(prefixes.observed.length));
      for (const target of this.byTarget.keys()) consider.add(target);
    } else {
      for (const key of ctx.changes) {
        if (key.startsWith(prefixes.observed)) consider.add(key.slice(prefixes.observed.length));
        else if (key.startsWith(prefixes.target)) consider.add(key.slice(prefixes.target.length));
        else if (key.startsWith(prefixes.commands)) {
          const target = this.byCommand.get(key.slice(prefixes.commands.length));
          if (target !== undefined) consider.add(target);
        }
      }
    }
    this.run = ctx.run;
    for (const target of this.wheel.takeDue(tick)) consider.add(target);

    const ops: Op[] = [];
    const compares: Compare[] = [];
    let opened = 0;
    let changed = 0;
    for (const path of [...consider].sort()) {
      await slicer.pause();
      if (changed >= maxRepairsPerTick) {
        this.wheel.schedule(tick + 1, path);
        continue;
      }
      for (const result of this.decide(view, tick, path, () => `r${tick}-${++opened}`)) {
        const { repair } = result;
        const key = prefixes.repairs + repair.id;
        // Claimed by compare-and-set on the record's revision.
        const stored = view.getRaw(key);
        compares.push(
          stored === undefined ? cmp.absent(key) : cmp.modRevision(key, '==', stored.modRevision),
        );
        for (const o of result.ops) ops.push(o);
        ops.push(op.put(RepairRecord, key, repair));
        changed++;
        this.track(repair);
        this.explain(tick, repair);
        if (!open.includes(repair.status)) {
          // A slot of the rack's budget is free: wake its waiting repairs.
          for (const [target, r] of this.byTarget)
            if (r.status === RepairStatus.REPAIR_STATUS_PENDING && rackOf(target) === rackOf(path))
              this.wheel.schedule(tick + 1, target);
        }
      }
    }
    for (const id of this.pruneWheel.takeDue(tick)) {
      const repair = this.closedById.get(id);
      if (repair === undefined || this.latestByTarget.get(repair.target)?.id === id) continue;
      if (changed >= maxRepairsPerTick) {
        this.pruneWheel.schedule(tick + 1, id);
        continue;
      }
      ops.push(op.delete(prefixes.repairs + id));
      changed++;
      this.closedById.delete(id);
      if (this.byCommand.get(repair.commandId) === repair.target)
        this.byCommand.delete(repair.commandId);
    }
    const next = [this.wheel.next(), this.pruneWheel.next()].filter((t) => t !== undefined);
    return { ops, compares, nextWakeup: next.length === 0 ? null : Math.min(...next) };
  }

  /**
   * The decision's span: its tick, target, status and reason, for the trace
   * log, linked to the same repair's previous decision (what led to it).
   * Escalated and abandoned repairs are warnings.
   */
  private explain(tick: number, repair: RepairRecord): void {
    const previous = this.lastSpan.get(repair.id);
    const span = recordDecision(this.options.tracer, 'repair.decision', {
      tick,
      target: repair.target,
      reason: repair.reason,
      severity:
        repair.status === RepairStatus.REPAIR_STATUS_ESCALATED ||
        repair.status === RepairStatus.REPAIR_STATUS_FAILED
          ? 'warn'
          : 'info',
      attributes: {
        'chamber.repair': repair.id,
        'chamber.status': word(RepairStatus, repair.status, 'REPAIR_STATUS_'),
      },
      ...(previous === undefined ? {} : { links: [previous] }),
    });
    if (span === undefined || !open.includes(repair.status)) this.lastSpan.delete(repair.id);
    else this.lastSpan.set(repair.id, span);
  }

  private track(repair: RepairRecord): void {
    const isOpen = open.includes(repair.status);
    const previous = this.latestByTarget.get(repair.target);
    if (
      previous === undefined ||
      previous.id === repair.id ||
      previous.openedTick <= repair.openedTick
    ) {
      this.latestByTarget.set(repair.target, repair);
      // The element's previous repair is no longer its latest: it may go in its time.
      if (previous !== undefined && previous.id !== repair.id && this.closedById.has(previous.id))
        this.schedulePrune(previous, repair.openedTick + 1);
    }
    if (!isOpen) {
      this.closedById.set(repair.id, repair);
      if (this.latestByTarget.get(repair.target)?.id !== repair.id) this.schedulePrune(repair, 0);
    }
    if (isOpen) this.byTarget.set(repair.target, repair);
    else {
      if (this.byTarget.get(repair.target)?.id === repair.id) this.byTarget.delete(repair.target);
      this.lastPurpose.set(repair.target, repair.purpose);
    }
    if (repair.commandId !== '') this.byCommand.set(repair.commandId, repair.target);
    if (isOpen && repair.nextTick > 0) this.wheel.schedule(repair.nextTick, repair.target);
    else this.wheel.cancel(repair.target);
  }

  private schedulePrune(repair: RepairRecord, notBefore: number): void {
    const due = pruneTick(repair.closedTick, this.options.retentionTicks ?? 0);
    if (due !== undefined) this.pruneWheel.schedule(Math.max(due, notBefore), repair.id);
  }

  private decide(
    view: CachedView,
    tick: number,
    path: string,
    newId: () => string,
  ): Array<{ repair: RepairRecord; ops: Op[] }> {
    const kind = path.split('/')[3];
    if (kind !== 'pdu' && kind !== 'tor' && kind !== 'blade') return [];
    const target = view.value(TargetRecord, prefixes.target + path);
    const observed = view.value(ObservedRecord, prefixes.observed + path);
    const isWanted =
      target !== undefined &&
      target.state === TargetState.TARGET_STATE_IN_SERVICE &&
      target.powered;
    const out: Array<{ repair: RepairRecord; ops: Op[] }> = [];
    const existing = this.byTarget.get(path);
    if (existing !== undefined) {
      const isPowerDown = existing.purpose === powerDown;
      if (isWanted === isPowerDown) {
        // The target changed under the repair: it no longer applies.
        const now =
          target === undefined
            ? 'no longer defined'
            : `now ${word(TargetState, target.state, 'TARGET_STATE_')}${target.powered ? '' : ', unpowered'}`;
        out.push({
          repair: close(
            existing,
            tick,
            RepairStatus.REPAIR_STATUS_FAILED,
            `the target of ${path} is ${now}: ${isPowerDown ? 'power-down' : 'repair'} abandoned`,
            'abandoned',
          ),
          ops: [],
        });
      } else if (isDone(existing, observed)) {
        const { status, outcome, reason } = closing(existing, kind, observed!);
        return [{ repair: close(existing, tick, status, reason, outcome), ops: [] }];
      } else if (
        existing.status === RepairStatus.REPAIR_STATUS_ESCALATED &&
        (existing.nextTick === 0 || tick < existing.nextTick)
      ) {
        return [];
      } else {
        const advanced = this.advance(view, tick, { ...existing }, observed);
        return advanced === undefined ? [] : [advanced];
      }
    }
    if (target === undefined || observed === undefined) return out;
    let purpose: string;
    let plan: PlanStep[];
    let finding: string;
    if (isWanted && observed.state === ObservedState.OBSERVED_STATE_FAILED) {
      finding = `${kind} ${path} observed failed since tick ${observed.sinceTick} (${observed.reason})`;
      plan = this.options.policy.plan({ path, kind });
      purpose = repairPurpose;
      if (this.lastPurpose.get(path) === powerDown) {
        // Back from maintenance: switch it on first.
        plan = [
          { action: StepAction.STEP_ACTION_POWER_ON, maxAttempts: 1, delayTicks: 0 },
          ...plan,
        ];
        purpose = powerUp;
        finding = `${kind} ${path} is back in service (target since tick ${target.sinceTick}) and observed failed since tick ${observed.sinceTick}`;
      }
    } else if (
      !isWanted &&
      kind !== 'tor' &&
      observed.state !== ObservedState.OBSERVED_STATE_FAILED &&
      this.lastPurpose.get(path) !== powerDown
    ) {
      finding = `${kind} ${path} is wanted ${word(TargetState, target.state, 'TARGET_STATE_')}${target.powered ? '' : ', unpowered'} (target since tick ${target.sinceTick}) but observed ${word(ObservedState, observed.state, 'OBSERVED_STATE_')}`;
      plan = [{ action: StepAction.STEP_ACTION_POWER_OFF, maxAttempts: 2, delayTicks: 0 }];
      purpose = powerDown;
    } else {
      return out;
    }
    const repair: RepairRecord = {
      id: newId(),
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
      reason: `${finding}; plan (${purpose === powerDown ? 'planned maintenance' : `${this.options.policy.name} policy`}): ${plan.map((st) => `${stepWord(st.action)}${st.maxAttempts > 1 ? ` ×${st.maxAttempts}` : ''}`).join(', ')}`,
      history: [],
      purpose,
    };
    const opened = { ...repair, history: [event(tick, repair, 'opened', repair.reason)] };
    out.push(this.advance(view, tick, opened, observed) ?? { repair: opened, ops: [] });
    return out;
  }

  /** Moves an open repair on at `tick`: judges its current attempt, retries, steps on, or issues. */
  private advance(
    view: CachedView,
    tick: number,
    r: RepairRecord,
    observed: ObservedRecord | undefined,
  ): { repair: RepairRecord; ops: Op[] } | undefined {
    const step = r.plan[r.currentStep];
    if (step === undefined) {
      return { repair: escalate(r, tick, 'the plan has no steps; a person must act'), ops: [] };
    }
    if (r.commandId !== '') {
      const command = view.value(CommandRecord, prefixes.commands + r.commandId);
      if (command?.status === CommandStatus.COMMAND_STATUS_FAILED)
        return this.failed(view, tick, r, command.reason, observed);
      if (tick < r.deadlineTick) return undefined;
      const seen =
        observed === undefined
          ? 'not observed'
          : `still observed ${word(ObservedState, observed.state, 'OBSERVED_STATE_')} (${observed.reason})`;
      return this.failed(
        view,
        tick,
        r,
        `${seen} ${tick - (command?.effectiveTick ?? tick)} ticks after the ${stepWord(step.action)}`,
        observed,
      );
    }
    if (r.nextTick > tick) return undefined;
    const running = [...this.byTarget.values()].filter(
      (o) =>
        o.id !== r.id &&
        o.status === RepairStatus.REPAIR_STATUS_RUNNING &&
        rackOf(o.target) === rackOf(r.target),
    ).length;
    if (running >= this.options.rackBudget) {
      const reason = `waiting: ${running} repair(s) already running in rack ${rackOf(r.target)} (budget ${this.options.rackBudget})`;
      return r.reason === reason
        ? undefined
        : { repair: { ...r, status: RepairStatus.REPAIR_STATUS_PENDING, reason }, ops: [] };
    }
    if (
      step.delayTicks > 0 &&
      r.attempts === 0 &&
      !r.history.some((e) => e.outcome === 'waiting' && e.step === r.currentStep)
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
        ops: [],
      };
    }
    const action = commandOf[step.action] ?? CommandAction.COMMAND_ACTION_UNSPECIFIED;
    const commandId = `${r.id}-${r.history.length}`;
    const attempts = r.attempts + 1;
    const verify = this.verify(step.action);
    const failedFor =
      observed === undefined
        ? ''
        : ` ${word(ObservedState, observed.state, 'OBSERVED_STATE_')} for ${tick - observed.sinceTick} ticks (${observed.reason})`;
    const reason = `${r.target.split('/')[3]} ${r.target}${failedFor}; ${stepWord(step.action)}, attempt ${attempts} of ${step.maxAttempts}`;
    const next: RepairRecord = {
      ...r,
      status: RepairStatus.REPAIR_STATUS_RUNNING,
      attempts,
      commandId,
      deadlineTick: tick + 1 + verify,
      nextTick: tick + 1 + verify,
      reason,
    };
    const command: CommandRecord = {
      id: commandId,
      target: r.target,
      action,
      status: CommandStatus.COMMAND_STATUS_PENDING,
      effectiveTick: tick + 1,
      finishedTick: 0,
      dueTick: 0,
      reason: reason,
      requestedBy: `inventory-repair ${r.id}`,
      image: '',
    };
    return {
      repair: {
        ...next,
        history: [...r.history, { ...event(tick, next, issuedOutcome, reason), commandId }],
      },
      ops: [op.put(CommandRecord, prefixes.commands + commandId, command)],
    };
  }

  /** The current attempt failed: retry after a backoff, take the next step, or escalate. */
  private failed(
    view: CachedView,
    tick: number,
    r: RepairRecord,
    why: string,
    observed: ObservedRecord | undefined,
  ): { repair: RepairRecord; ops: Op[] } | undefined {
    const step = r.plan[r.currentStep]!;
    const failedStep = { ...r, commandId: '', deadlineTick: 0 };
    const history = [...r.history, { ...event(tick, r, 'failed', why), commandId: r.commandId }];
    if (/stuck/.test(why)) {
      // Open until a person frees it: the manager looks again (the same
      // step) every `humanRecheckTicks`.
      const recheck = tick + this.options.humanRecheckTicks;
      const reason = `human intervention needed: ${why}; trying again at tick ${recheck}`;
      return {
        repair: {
          ...escalate({ ...failedStep, history }, tick, reason),
          attempts: r.attempts - 1,
          nextTick: recheck,
        },
        ops: [],
      };
    }
    if (r.attempts < step.maxAttempts) {
      const wait = Math.min(this.options.backoffCapTicks, 2 ** (r.attempts - 1));
      const reason = `${stepWord(step.action)} attempt ${r.attempts} of ${step.maxAttempts} failed (${why}); retrying in ${wait} tick(s)`;
      return { repair: { ...failedStep, history, nextTick: tick + wait, reason }, ops: [] };
    }
    if (r.currentStep + 1 < r.plan.length) {
      const moved = {
        ...failedStep,
        history,
        currentStep: r.currentStep + 1,
        attempts: 0,
        nextTick: 0,
      };
      return this.advance(view, tick, moved, observed);
    }
    return {
      repair: escalate(
        { ...failedStep, history },
        tick,
        `every step of the plan failed (last: ${why}); out for repair: a person must act`,
      ),
      ops: [],
    };
  }

  private verify(action: StepAction): number {
    const v = this.options.verifyTicks;
    return action === StepAction.STEP_ACTION_REIMAGE
      ? v.reimage
      : action === StepAction.STEP_ACTION_REPLACE
        ? v.replace
        : v.powerCycle;
  }
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
