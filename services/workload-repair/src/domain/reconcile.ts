import {
  WorkloadPhase,
  type InstanceRecord,
  type WorkloadRecord,
  type WorkloadSpec,
} from '@chamber/protos';
import { enumTypes, fromWire, instanceName, type InstanceHealthWord } from '@chamber/world';

/** One instance of a workload as the manager sees it at a tick: its intent and what is known of it. */
export interface InstanceView {
  readonly record: InstanceRecord;
  /** The blade it is placed on (its `placements/` record); absent while not placed. */
  readonly blade?: string;
  /** What the monitor believes of it (`instance-observed/`); absent before it is observed. */
  readonly health?: InstanceHealthWord;
  /** The monitor's reason for `health`, in words. */
  readonly observedReason?: string;
  /** Why the scheduler could not place it (`unplaced/`), in words; absent when it is not unplaced. */
  readonly unplaced?: string;
  /**
   * The element out of service with drain that its blade is (or lies
   * under); absent when its blade is not being drained.
   */
  readonly drain?: string;
}

/** A decision of {@link reconcile}: what it is about (a workload or an instance) and why. */
export interface ReconcileDecision {
  /** The workload's name or the instance's (`web/3`). */
  readonly target: string;
  readonly reason: string;
}

/** What {@link reconcile} decided for one workload at one tick. */
export interface Reconciled {
  /** The workload's record after the tick; `undefined`: the record goes (deleted, last instance gone). */
  readonly workload: WorkloadRecord | undefined;
  /** Instance records created or changed, by number. */
  readonly instances: readonly InstanceRecord[];
  /** Numbers of the instance records that go. */
  readonly deleted: readonly number[];
  readonly decisions: readonly ReconcileDecision[];
}

/** At most this many of a tick's actions are named in a workload's reason; the rest are counted. */
const reasonActions = 3;

interface Working {
  record: InstanceRecord;
  readonly view: InstanceView;
}

/**
 * The workload repair manager's decision for workload `workload` at `tick`,
 * given every one of its instance records with what is known of them. Pure.
 *
 * - An unwanted instance's record goes once it is observed stopped or
 *   failed, or when it has no placement (it never ran); a deleting
 *   workload's record goes with its last instance.
 * - A wanted instance observed `failed` is lost: it is unwanted and a
 *   replacement (`replaces` names it) is created at once, outside the
 *   disruption budget (it is already gone). A lost replacement of an
 *   instance still wanted is only unwanted: the old one still serves, and a
 *   new replacement follows under the budget.
 * - Scale: instances are counted by slot (a wanted instance, with the
 *   replacement made for it while both are wanted); missing slots are
 *   created with new numbers, surplus slots are unwanted highest-numbered
 *   first.
 * - Rolling update (a slot of an older generation) and drain (a slot on a
 *   blade being drained): make before break. A replacement is created
 *   first; the old instance is unwanted once the replacement is observed
 *   running. A slot not observed running is replaced at once (that costs no
 *   availability). Replacements are started only while the slots not
 *   observed running plus the replacements not yet observed running are
 *   fewer than `maxUnavailable`, so no more than that many of the
 *   workload's wanted instances are ever out of service for a voluntary
 *   change.
 */
export function reconcile(
  tick: number,
  workload: WorkloadRecord,
  instances: readonly InstanceView[],
): Reconciled {
  const spec = workload.spec!;
  const name = spec.name;
  let nextInstance = workload.nextInstance;
  const byName = new Map<string, Working>();
  for (const view of [...instances].sort((a, b) => a.record.n - b.record.n))
    byName.set(instanceName(name, view.record.n), { record: view.record, view });
  const changed = new Map<number, InstanceRecord>();
  const deleted: number[] = [];
  const decisions: ReconcileDecision[] = [];
  const actions: string[] = [];

  const isWanted = (n: string | undefined): boolean =>
    n !== undefined && byName.get(n)?.record.wanted === true;
  const isRunning = (w: Working | undefined): boolean =>
    w !== undefined && w.record.wanted && w.view.health === 'running';
  const unwant = (w: Working, reason: string): void => {
    w.record = { ...w.record, wanted: false, stopReason: reason };
    changed.set(w.record.n, w.record);
    const who = instanceName(name, w.record.n);
    decisions.push({ target: who, reason: `stopping ${who}: ${reason}` });
  };
  const create = (replaces: string, reason: string): Working => {
    const record: InstanceRecord = {
      workload: name,
      n: nextInstance++,
      generation: workload.generation,
      image: spec.image,
      demand: spec.demand,
      wanted: true,
      stopReason: '',
      createdTick: tick,
      replaces,
    };
    const w: Working = { record, view: { record } };
    byName.set(instanceName(name, record.n), w);
    changed.set(record.n, record);
    const who = instanceName(name, record.n);
    decisions.push({ target: who, reason: `created ${who}: ${reason}` });
    return w;
  };
  const wanted = (): Working[] => [...byName.values()].filter((w) => w.record.wanted);

  // Clean-up: unwanted instances that are gone (or never ran).
  for (const [who, w] of byName) {
    if (w.record.wanted) continue;
    const health = w.view.health;
    if (health === 'stopped' || health === 'failed' || w.view.blade === undefined) {
      byName.delete(who);
      deleted.push(w.record.n);
      const why =
        w.view.blade === undefined ? 'it has no placement' : `it is observed ${health ?? ''}`;
      decisions.push({ target: who, reason: `removed ${who}: ${why} (${w.record.stopReason})` });
    }
  }

  if (workload.phase === WorkloadPhase.WORKLOAD_PHASE_DELETING) {
    for (const w of wanted()) unwant(w, 'its workload is deleted');
    if (byName.size === 0) {
      decisions.push({ target: name, reason: `deleted ${name}: its last instance is gone` });
      return { workload: undefined, instances: [...changed.values()], deleted, decisions };
    }
    const left = byName.size;
    const reason = `deleting: ${left} instance${left === 1 ? '' : 's'} left to stop`;
    return {
      workload: { ...workload, observedRunning: countRunning(byName), reason },
      instances: [...changed.values()],
      deleted,
      decisions,
    };
  }

  // Lost: replaced at once, outside the budget. A replacement made for an
  // instance wanted at the start of the tick is only dropped, even when that
  // instance is lost too (it gets the one replacement).
  const wasWanted = new Set([...byName].filter(([, w]) => w.record.wanted).map(([who]) => who));
  for (const [who, w] of byName) {
    const health = w.view.health;
    if (!w.record.wanted || (health !== 'failed' && health !== 'stopped')) continue;
    const lost = `lost: ${w.view.observedReason || `${who} observed ${health}`}`;
    const isSurge = wasWanted.has(w.record.replaces);
    unwant(w, lost);
    if (isSurge) {
      actions.push(`${who} ${lost}; ${w.record.replaces} stays until a replacement runs`);
    } else {
      const by = create(who, `replaces ${who} (${lost})`);
      actions.push(`replacing ${who} by ${instanceName(name, by.record.n)} (${lost})`);
    }
  }

  // Slots: a wanted instance and the replacement made for it while both are wanted.
  const slots = (): { slot: Working; surge: Working | undefined }[] => {
    const surgeOf = new Map<string, Working>();
    for (const w of wanted())
      if (w.record.replaces !== '' && isWanted(w.record.replaces))
        surgeOf.set(w.record.replaces, w);
    const surges = new Set(surgeOf.values());
    return wanted()
      .filter((w) => !surges.has(w))
      .map((slot) => ({
        slot,
        surge: surgeOf.get(instanceName(name, slot.record.n)),
      }));
  };

  let current = slots();
  if (current.length > spec.instances) {
    const newest = (s: (typeof current)[number]) =>
      Math.max(s.slot.record.n, s.surge?.record.n ?? -1);
    const surplus = [...current]
      .sort((a, b) => newest(b) - newest(a))
      .slice(0, current.length - spec.instances);
    const why = `scaled down to ${spec.instances}`;
    for (const s of surplus) {
      unwant(s.slot, why);
      if (s.surge !== undefined) unwant(s.surge, why);
    }
    actions.push(
      `${why}: stopping ${listed(surplus.map((s) => instanceName(name, s.slot.record.n)))}`,
    );
  } else if (current.length < spec.instances) {
    const made: string[] = [];
    for (let i = current.length; i < spec.instances; i++)
      made.push(instanceName(name, create('', `scaled up to ${spec.instances}`).record.n));
    actions.push(`scaled up to ${spec.instances}: created ${listed(made)}`);
  }

  // Voluntary replacements: rolling update and drain, make before break, within the budget.
  current = slots();
  const needs = (w: Working): string | undefined => {
    if (w.view.drain !== undefined && w.view.blade !== undefined)
      return `drained off ${w.view.blade} (${w.view.drain} is out of service with drain)`;
    if (w.record.generation < workload.generation)
      return `rolling update to generation ${workload.generation}`;
    return undefined;
  };
  let budget =
    Math.max(spec.maxUnavailable, 1) -
    current.filter((s) => !isRunning(s.slot)).length -
    current.filter((s) => s.surge !== undefined && !isRunning(s.surge)).length;
  for (const { slot, surge } of current) {
    const why = needs(slot);
    if (why === undefined) continue;
    const who = instanceName(name, slot.record.n);
    if (surge !== undefined) {
      if (isRunning(surge)) {
        const by = instanceName(name, surge.record.n);
        unwant(slot, `replaced by ${by} (${why})`);
        actions.push(`stopping ${who}: ${by} runs in its place (${why})`);
      }
    } else if (!isRunning(slot)) {
      unwant(slot, why);
      const by = create(who, `replaces ${who} (${why})`);
      actions.push(`replacing ${who} by ${instanceName(name, by.record.n)} (${why})`);
    } else if (budget > 0) {
      budget--;
      const by = create(who, `replaces ${who} (${why})`);
      actions.push(
        `starting ${instanceName(name, by.record.n)} to replace ${who} (${why}); ${who} stops once it runs`,
      );
    }
  }

  const after = wanted();
  const observedRunning = countRunning(byName);
  const phase = phaseOf(workload, spec, after, observedRunning);
  const counts = `${observedRunning} of ${spec.instances} running`;
  let tail: string;
  if (actions.length > 0) {
    tail =
      actions.slice(0, reasonActions).join('; ') +
      (actions.length > reasonActions ? `; and ${actions.length - reasonActions} more` : '');
  } else if (phase === WorkloadPhase.WORKLOAD_PHASE_READY) {
    tail = '';
  } else if (phase === WorkloadPhase.WORKLOAD_PHASE_DEGRADED) {
    const w = after.find((x) => x.view.unplaced !== undefined)!;
    tail = `${instanceName(name, w.record.n)} pending: ${w.view.unplaced}`;
  } else {
    tail = tailOf(workload.reason);
  }
  const next: WorkloadRecord = {
    ...workload,
    phase,
    observedRunning,
    nextInstance,
    reason: tail === '' ? counts : `${counts}; ${tail}`,
  };
  if (next.phase !== workload.phase) {
    decisions.push({ target: name, reason: `${name} is ${phaseWord(next.phase)}: ${next.reason}` });
  }
  return {
    workload: next,
    instances: [...changed.values()].sort((a, b) => a.n - b.n),
    deleted,
    decisions,
  };
}

/** Names in a sentence: all of a few, the first ones and a count of many. */
function listed(names: readonly string[]): string {
  return names.length <= reasonActions + 1
    ? names.join(', ')
    : `${names.slice(0, reasonActions).join(', ')} and ${names.length - reasonActions} more`;
}

function countRunning(byName: ReadonlyMap<string, Working>): number {
  let n = 0;
  for (const w of byName.values()) if (w.record.wanted && w.view.health === 'running') n++;
  return n;
}

function phaseOf(
  workload: WorkloadRecord,
  spec: WorkloadSpec,
  wanted: readonly Working[],
  observedRunning: number,
): WorkloadPhase {
  if (wanted.some((w) => w.view.unplaced !== undefined))
    return WorkloadPhase.WORKLOAD_PHASE_DEGRADED;
  if (wanted.some((w) => w.record.generation < workload.generation))
    return WorkloadPhase.WORKLOAD_PHASE_UPDATING;
  if (observedRunning === spec.instances && wanted.length === spec.instances)
    return WorkloadPhase.WORKLOAD_PHASE_READY;
  return WorkloadPhase.WORKLOAD_PHASE_PROGRESSING;
}

/** A workload reason's latest decision: what follows its counts. */
function tailOf(reason: string): string {
  const i = reason.indexOf('; ');
  return i < 0 || !/^\d+ of \d+ running$/.test(reason.slice(0, i)) ? '' : reason.slice(i + 2);
}

/** A workload phase in words (`ready`). */
export function phaseWord(phase: WorkloadPhase): string {
  return fromWire(enumTypes.workloadPhase, WorkloadPhase[phase] ?? '') ?? 'not set';
}
