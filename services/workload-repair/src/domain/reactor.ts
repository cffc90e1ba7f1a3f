import {
  InstanceHealth,
  InstanceObserved,
  InstanceRecord,
  PendingRecord,
  TargetRecord,
  TargetState,
  UnplacedRecord,
  WorkloadInput,
  WorkloadRecord,
} from '@chamber/protos';
import {
  encode,
  op,
  type Decision,
  type Op,
  type Reaction,
  type Reactor,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import {
  enumTypes,
  fromWire,
  instanceName,
  instanceOfKey,
  keys,
  leadingPathsOf,
  pathOfViewKey,
  viewKey,
  type InstanceHealthWord,
} from '@chamber/world';
import { applyInput } from './inputs.js';
import { reconcile, type InstanceView } from './reconcile.js';

/** The prefixes the manager caches, given its participant name (the owner of its inputs). */
export function workloadRepairViews(owner: string): readonly string[] {
  return [
    keys.inputsOf(owner),
    keys.pendingPrefix,
    keys.workloadsPrefix,
    keys.instancesPrefix,
    keys.instanceObservedPrefix,
    keys.placementsPrefix,
    keys.unplacedPrefix,
    keys.targetPrefix,
  ];
}

/**
 * What wakes the manager besides its pending inputs and its own follow-ups:
 * what the monitor believes of instances, placements, the scheduler's
 * refusals and targets (drain).
 */
export const workloadRepairReactsTo: readonly string[] = [
  keys.instanceObservedPrefix,
  keys.placementsPrefix,
  keys.unplacedPrefix,
  keys.targetPrefix,
];

const drainStates: ReadonlySet<TargetState> = new Set([
  TargetState.TARGET_STATE_OUT_FOR_REPAIR,
  TargetState.TARGET_STATE_RETIRED,
]);

/**
 * The workload repair manager, one tick at a time. At tick T it applies the
 * workload inputs due at T (create, update, delete: `inputs/<owner>/`, with
 * their `pending/` markers), then reconciles every workload that changed or
 * whose instances' records changed ({@link reconcile}): it writes the
 * workload and instance records (`workloads/`, `instances/`), and each
 * change is a `workload.decision` on the workload's thread. It reads only
 * what the control plane sees (observed, never actual). Its memory, the
 * blade each instance is placed on, is rebuilt from the snapshot after a
 * restart or a new run, and then every workload is reconciled: an untouched
 * workload is at rest, so both paths decide the same. A tick that wrote
 * anything wakes it at the next one, to follow up on its own writes.
 */
export class WorkloadRepairReactor implements Reactor {
  private run = -1;
  // Instance name (`web/3`) → the blade its placement names.
  private bladeOf = new Map<string, string>();
  private readonly inbox: string;

  /** `owner`: its participant name, the owner of its inputs and their `pending/` markers. */
  constructor(private readonly owner: string) {
    this.inbox = keys.inputsOf(owner);
  }

  react({ tick, run, snapshot, changes }: TickInput): Reaction {
    const touched = new Set<string>();
    if (changes === undefined || run !== this.run) {
      this.rebuild(snapshot);
      for (const { key } of snapshot.listRaw(keys.workloadsPrefix))
        touched.add(key.slice(keys.workloadsPrefix.length));
    } else {
      for (const key of changes) this.follow(snapshot, key, touched);
    }
    this.run = run;

    const writes: Op[] = [];
    const decisions: Decision[] = [];
    const records = new Map<string, WorkloadRecord | undefined>();
    const current = (name: string): WorkloadRecord | undefined =>
      records.has(name) ? records.get(name) : snapshot.value(WorkloadRecord, keys.workload(name));

    for (const { id, key } of this.dueInputs(snapshot, tick)) {
      writes.push(op.delete(keys.pending(id)));
      const input = snapshot.value(WorkloadInput, key);
      if (input === undefined) continue;
      writes.push(op.delete(key));
      const name = input.spec?.name ?? '';
      const applied = applyInput(tick, current(name), input);
      decisions.push(decision(tick, name, name, applied.reason, applied.isIgnored));
      if (applied.isIgnored) continue;
      records.set(name, applied.record);
      touched.add(name);
    }

    for (const name of [...touched].sort()) {
      const workload = current(name);
      if (workload === undefined) continue;
      const views = snapshot
        .list(InstanceRecord, keys.instancesOfWorkload(name))
        .map(({ value }) => this.viewOf(snapshot, value));
      const result = reconcile(tick, workload, views);
      for (const record of result.instances)
        writes.push(op.put(InstanceRecord, keys.instance(name, record.n), record));
      for (const n of result.deleted) writes.push(op.delete(keys.instance(name, n)));
      const stored = snapshot.getRaw(keys.workload(name));
      if (result.workload === undefined) {
        if (stored !== undefined) writes.push(op.delete(keys.workload(name)));
      } else if (records.has(name) || stored?.value !== encode(WorkloadRecord, result.workload)) {
        writes.push(op.put(WorkloadRecord, keys.workload(name), result.workload));
      }
      const ends = result.workload === undefined;
      result.decisions.forEach((d, i) =>
        decisions.push(
          decision(
            tick,
            name,
            d.target,
            d.reason,
            false,
            ends && i === result.decisions.length - 1,
          ),
        ),
      );
    }
    return { writes, decisions, nextWakeup: writes.length > 0 ? tick + 1 : null };
  }

  /** The inputs of its own due at `tick`, in the order they were written. */
  private dueInputs(snapshot: Snapshot, tick: number): { id: string; key: string }[] {
    const due: { id: string; key: string; effectiveTick: number }[] = [];
    for (const { key, value } of snapshot.list(PendingRecord, keys.pendingPrefix)) {
      if (value.owner !== this.owner || value.effectiveTick > tick) continue;
      const id = key.slice(keys.pendingPrefix.length);
      due.push({ id, key: this.inbox + id, effectiveTick: value.effectiveTick });
    }
    // Ids of one tick are numbered in the order written (`w12-2` before `w12-10`).
    return due.sort(
      (a, b) =>
        a.effectiveTick - b.effectiveTick || a.id.localeCompare(b.id, 'en', { numeric: true }),
    );
  }

  /** Notes what changed key `key` means: its placement index, and which workload to reconcile. */
  private follow(snapshot: Snapshot, key: string, touched: Set<string>): void {
    if (key.startsWith(keys.workloadsPrefix)) {
      touched.add(key.slice(keys.workloadsPrefix.length));
      return;
    }
    const target = pathOfViewKey('target', key);
    if (target !== undefined) {
      // A drain (or its end) concerns the instances placed under the element.
      for (const { key: placed } of snapshot.listRaw(keys.placementsOn(target))) {
        const of = instanceOfKey(placed);
        if (of !== undefined) touched.add(of.workload);
      }
      return;
    }
    const of = instanceOfKey(key);
    if (of === undefined) return;
    touched.add(of.workload);
    if (of.blade === undefined) return;
    const name = instanceName(of.workload, of.n);
    if (snapshot.getRaw(key) !== undefined) this.bladeOf.set(name, of.blade);
    else if (this.bladeOf.get(name) === of.blade) this.bladeOf.delete(name);
  }

  private rebuild(snapshot: Snapshot): void {
    this.bladeOf = new Map();
    for (const { key } of snapshot.listRaw(keys.placementsPrefix)) {
      const of = instanceOfKey(key);
      if (of?.blade !== undefined) this.bladeOf.set(instanceName(of.workload, of.n), of.blade);
    }
  }

  private viewOf(snapshot: Snapshot, record: InstanceRecord): InstanceView {
    const { workload, n } = record;
    const blade = this.bladeOf.get(instanceName(workload, n));
    // A record older than the instance is about an earlier instance of the
    // same name (a workload deleted and created again), still being cleaned up.
    const fresh = <T extends { sinceTick: number }>(r: T | undefined): T | undefined =>
      r !== undefined && r.sinceTick >= record.createdTick ? r : undefined;
    const observed = fresh(snapshot.value(InstanceObserved, keys.instanceObserved(workload, n)));
    const unplaced = fresh(snapshot.value(UnplacedRecord, keys.unplaced(workload, n)));
    const health = observed === undefined ? undefined : healthWord(observed.health);
    const drain = blade === undefined ? undefined : drainOf(snapshot, blade);
    return {
      record,
      ...(blade === undefined ? {} : { blade }),
      ...(health === undefined ? {} : { health, observedReason: observed!.reason }),
      ...(unplaced === undefined
        ? {}
        : { unplaced: unplaced.explanation?.summary || 'no blade fits' }),
      ...(drain === undefined ? {} : { drain }),
    };
  }
}

function healthWord(health: InstanceHealth): InstanceHealthWord | undefined {
  return fromWire(enumTypes.instanceHealth, InstanceHealth[health] ?? '') as
    InstanceHealthWord | undefined;
}

/** The element out of service with drain that `blade` is or lies under, if any. */
function drainOf(snapshot: Snapshot, blade: string): string | undefined {
  for (const path of leadingPathsOf(blade)) {
    const target = snapshot.value(TargetRecord, viewKey('target', path));
    if (target?.drain === true && drainStates.has(target.state)) return path;
  }
  return undefined;
}

function decision(
  tick: number,
  workload: string,
  target: string,
  reason: string,
  isIgnored: boolean,
  ends = false,
): Decision {
  return {
    name: 'workload.decision',
    tick,
    target,
    reason,
    ...(isIgnored ? { severity: 'warn' as const } : {}),
    attributes: { 'chamber.workload': workload },
    thread: { id: keys.workload(workload), ...(ends ? { ends: true } : {}) },
  };
}
