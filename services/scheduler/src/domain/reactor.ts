import {
  BladeDefinition,
  InstanceRecord,
  ObservedRecord,
  ObservedState,
  PlacementExplanation,
  PlacementLevel,
  PlacementRecord,
  PlacementRule,
  TargetRecord,
  TargetState,
  UnplacedRecord,
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
import { createSlicer, defaultSliceMs, type Slicer } from '@chamber/sim';
import {
  deviceKindOf,
  enumTypes,
  fromWire,
  instanceName,
  instanceOfKey,
  isOneOf,
  keys,
  pathOfViewKey,
  placementLevels,
  placementRules,
  wordOf,
  type PlacementLevelWord,
  type PlacementRuleWord,
} from '@chamber/world';
import {
  CapacityIndex,
  resourcesOf,
  type HealthStatus,
  type Resources,
  type TargetStatus,
} from './capacity.js';
import { decidePlacement, type PlacementOptions, type PlacementOutcome } from './placement.js';
import { WorkloadSpread } from './spread.js';

/** The scheduler's participant name. */
export const schedulerParticipant = 'scheduler';

/**
 * The prefixes the scheduler caches: the instances it places, its own
 * records, the workloads' rules, and the blades (definition, target, observed).
 */
export const schedulerViews: readonly string[] = [
  keys.instancesPrefix,
  keys.placementsPrefix,
  keys.unplacedPrefix,
  keys.workloadsPrefix,
  keys.definitionPrefix,
  keys.targetPrefix,
  keys.observedPrefix,
];

/** What wakes the scheduler: instances, workloads, and the blades' records (it alone writes placements). */
export const schedulerReactsTo: readonly string[] = [
  keys.instancesPrefix,
  keys.workloadsPrefix,
  keys.targetPrefix,
  keys.observedPrefix,
  keys.definitionPrefix,
];

/** An instance's placement, as the scheduler remembers it. */
interface Placed {
  readonly key: string;
  readonly workload: string;
  readonly blade: string;
  readonly demand: Resources;
  /** Counted in the workload's spread (the instance is wanted). */
  counted: boolean;
}

interface InstanceId {
  readonly workload: string;
  readonly n: number;
}

/**
 * The scheduler, one tick at a time. It places each wanted instance that has
 * neither a placement nor an unplaced record, in key order, each decision
 * reserving its blade in the capacity index before the next
 * ({@link decidePlacement}); it tries every unplaced instance again at every
 * tick it is woken (something it reads changed: a blade's target,
 * observation or definition, an instance, a workload), rewriting an unplaced
 * record only when its explanation changed. Clean-up runs first: an instance
 * record deleted takes its placement (freeing the capacity) or its unplaced
 * record with it; an unwanted instance loses its unplaced record at once but
 * keeps its placement (a stopping instance still occupies its blade).
 *
 * Its memory (the capacity index, each workload's spread, placements and
 * unplaced records by instance) is rebuilt from the snapshot after a restart
 * or a new run and then decides exactly as the incremental path: every
 * decision reads only the snapshot and the decisions made before it in the
 * same tick. A tick's work follows what changed (the changed instances and
 * blades, the unplaced instances), never the inventory's size.
 */
export class SchedulerReactor implements Reactor {
  private run = -1;
  private index = new CapacityIndex();
  private spread = new WorkloadSpread();
  private placed = new Map<string, Placed>();
  private unplaced = new Map<string, UnplacedRecord>();

  /** `sliceMs`: the longest stretch of a tick's work between two turns of the event loop. */
  constructor(
    private readonly options: PlacementOptions,
    private readonly sliceMs = defaultSliceMs,
  ) {}

  /** The blade the instance was placed on at the last tick handled, if the reactor knows it. */
  bladeOf(workload: string, n: number): string | undefined {
    return this.placed.get(instanceName(workload, n))?.blade;
  }

  async react({ tick, run, snapshot, changes }: TickInput): Promise<Reaction> {
    const slicer = createSlicer(this.sliceMs);
    const consider = new Map<string, InstanceId>();
    const note = (id: InstanceId): void => {
      consider.set(instanceName(id.workload, id.n), { workload: id.workload, n: id.n });
    };
    if (changes === undefined || run !== this.run) {
      await this.rebuild(snapshot, slicer);
      for (const e of snapshot.listRaw(keys.instancesPrefix)) {
        const id = instanceOfKey(e.key);
        if (id !== undefined) note(id);
      }
      for (const p of this.placed.values()) note(instanceOfKey(p.key)!);
    } else {
      for (const key of [...changes].sort()) {
        await slicer.pause();
        if (key.startsWith(keys.instancesPrefix)) {
          const id = instanceOfKey(key);
          if (id !== undefined) note(id);
        } else this.applyBladeChange(snapshot, key);
      }
    }
    this.run = run;
    for (const u of this.unplaced.values()) note(u);

    const writes: Op[] = [];
    const decisions: Decision[] = [];
    const toPlace: { id: InstanceId; record: InstanceRecord }[] = [];
    const names = [...consider.keys()].sort();
    // Clean-up first, so the capacity it frees serves this tick's placements.
    for (const name of names) {
      await slicer.pause();
      const id = consider.get(name)!;
      const record = snapshot.value(InstanceRecord, keys.instance(id.workload, id.n));
      const placement = this.placed.get(name);
      const unplaced = this.unplaced.get(name);
      if (record === undefined || !record.wanted) {
        if (unplaced !== undefined) {
          writes.push(op.delete(keys.unplaced(id.workload, id.n)));
          this.unplaced.delete(name);
        }
        if (placement !== undefined && record === undefined) {
          writes.push(op.delete(placement.key));
          this.index.release(placement.blade, placement.demand);
          this.placed.delete(name);
        }
        if (placement?.counted === true) {
          this.spread.add(placement.workload, placement.blade, -1);
          placement.counted = false;
        }
      } else if (placement !== undefined) {
        if (!placement.counted) {
          this.spread.add(placement.workload, placement.blade, 1);
          placement.counted = true;
        }
      } else toPlace.push({ id, record });
    }
    // Each workload's rule, read once a tick; and the outcome for instances
    // no blade could take, which holds for the workload's next instance of
    // the same demand until a placement changes the index.
    const rules = new Map<string, ReturnType<typeof ruleOf>>();
    const nowhere = new Map<string, PlacementOutcome>();
    for (const { id, record } of toPlace) {
      await slicer.pause();
      let rule = rules.get(id.workload);
      if (rule === undefined) {
        rule = ruleOf(snapshot.value(WorkloadRecord, keys.workload(id.workload)));
        rules.set(id.workload, rule);
      }
      this.place(tick, id, record, rule, nowhere, writes, decisions);
    }
    return { writes, decisions, nextWakeup: null };
  }

  private place(
    tick: number,
    { workload, n }: InstanceId,
    record: InstanceRecord,
    rule: ReturnType<typeof ruleOf>,
    nowhere: Map<string, PlacementOutcome>,
    writes: Op[],
    decisions: Decision[],
  ): void {
    const name = instanceName(workload, n);
    const demand = resourcesOf(record.demand);
    const same = `${workload}\u0000${demand.cores}\u0000${demand.memoryGib}\u0000${demand.diskGib}\u0000${demand.networkGbps}`;
    const known = nowhere.get(same);
    const outcome =
      known === undefined
        ? decidePlacement(
            this.index,
            this.spread,
            { workload, demand, ...rule },
            this.options,
            tick,
          )
        : { ...known, examined: 0 };
    if (outcome.blade === undefined) nowhere.set(same, outcome);
    else nowhere.clear();
    const before = this.unplaced.get(name);
    if (outcome.blade !== undefined) {
      const key = keys.placement(outcome.blade, workload, n);
      writes.push(
        op.put(PlacementRecord, key, {
          workload,
          n,
          blade: outcome.blade,
          demand: record.demand,
          placedTick: tick,
          explanation: outcome.explanation,
        }),
      );
      if (before !== undefined) {
        writes.push(op.delete(keys.unplaced(workload, n)));
        this.unplaced.delete(name);
      }
      this.track(key, workload, outcome.blade, demand, true);
      decisions.push(decision(tick, name, outcome));
      return;
    }
    if (before !== undefined && sameExplanation(before.explanation, outcome.explanation)) return;
    const next: UnplacedRecord = {
      workload,
      n,
      sinceTick: before?.sinceTick ?? tick,
      explanation: outcome.explanation,
    };
    writes.push(op.put(UnplacedRecord, keys.unplaced(workload, n), next));
    this.unplaced.set(name, next);
    if (before === undefined) decisions.push(decision(tick, name, outcome));
  }

  /** Forgets everything and reads the blades, placements and unplaced records of the snapshot. */
  private async rebuild(snapshot: Snapshot, slicer: Slicer): Promise<void> {
    this.index = new CapacityIndex();
    this.spread = new WorkloadSpread();
    this.placed = new Map();
    this.unplaced = new Map();
    for (const prefix of [keys.definitionPrefix, keys.targetPrefix, keys.observedPrefix])
      for (const e of snapshot.listRaw(prefix)) {
        await slicer.pause();
        this.applyBladeChange(snapshot, e.key);
      }
    for (const { key, value } of snapshot.list(PlacementRecord, keys.placementsPrefix)) {
      await slicer.pause();
      const id = instanceOfKey(key);
      if (id?.blade === undefined) continue;
      const wanted =
        snapshot.value(InstanceRecord, keys.instance(id.workload, id.n))?.wanted === true;
      this.track(key, id.workload, id.blade, resourcesOf(value.demand), wanted);
    }
    for (const { value } of snapshot.list(UnplacedRecord, keys.unplacedPrefix))
      this.unplaced.set(instanceName(value.workload, value.n), value);
  }

  private track(
    key: string,
    workload: string,
    blade: string,
    demand: Resources,
    counted: boolean,
  ): void {
    const id = instanceOfKey(key)!;
    this.placed.set(instanceName(id.workload, id.n), { key, workload, blade, demand, counted });
    this.index.reserve(blade, demand);
    if (counted) this.spread.add(workload, blade, 1);
  }

  /** Brings the index up to date with one changed key of a blade's definition, target or observation. */
  private applyBladeChange(snapshot: Snapshot, key: string): void {
    const defined = pathOfViewKey('definition', key);
    if (defined !== undefined) {
      if (deviceKindOf(defined) !== 'blade') return;
      const value = snapshot.value(BladeDefinition, key);
      this.index.define(defined, value === undefined ? undefined : resourcesOf(value.capacity));
      return;
    }
    const targeted = pathOfViewKey('target', key);
    if (targeted !== undefined) {
      if (deviceKindOf(targeted) !== 'blade') return;
      this.index.setTarget(targeted, targetStatus(snapshot.value(TargetRecord, key)));
      return;
    }
    const observed = pathOfViewKey('observed', key);
    if (observed !== undefined && deviceKindOf(observed) === 'blade')
      this.index.setHealth(observed, healthStatus(snapshot.value(ObservedRecord, key)));
  }
}

function targetStatus(record: TargetRecord | undefined): TargetStatus | undefined {
  if (record === undefined) return undefined;
  if (record.drain) return { inService: false, words: 'draining' };
  if (record.state === TargetState.TARGET_STATE_IN_SERVICE) return { inService: true };
  return { inService: false, words: wordOf(TargetState[record.state]) };
}

function healthStatus(record: ObservedRecord | undefined): HealthStatus | undefined {
  if (record === undefined) return undefined;
  if (record.state === ObservedState.OBSERVED_STATE_HEALTHY) return { healthy: true };
  return { healthy: false, words: wordOf(ObservedState[record.state]) };
}

/** A workload's placement rule and level in words; no record or no rule: none, by blade. */
function ruleOf(record: WorkloadRecord | undefined): {
  rule: PlacementRuleWord;
  level: PlacementLevelWord;
} {
  const placement = record?.spec?.placement;
  const rule = fromWire(enumTypes.placementRule, PlacementRule[placement?.rule ?? 0] ?? '');
  const level = fromWire(enumTypes.placementLevel, PlacementLevel[placement?.level ?? 0] ?? '');
  return {
    rule: isOneOf(placementRules, rule) ? rule : 'none',
    level: isOneOf(placementLevels, level) ? level : 'blade',
  };
}

/** Whether two explanations say the same, whatever their ticks. */
function sameExplanation(
  a: PlacementExplanation | undefined,
  b: PlacementExplanation | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    encode(PlacementExplanation, { ...a, tick: 0 }) ===
    encode(PlacementExplanation, { ...b, tick: 0 })
  );
}

/**
 * A placement, or an instance newly found unplaceable, as a decision on the
 * instance's thread: its summary as the reason, the blade and the number of
 * blades examined as attributes.
 */
function decision(tick: number, name: string, outcome: PlacementOutcome): Decision {
  return {
    name: 'scheduler.placement',
    tick,
    target: name,
    reason: outcome.explanation.summary,
    severity: outcome.blade === undefined ? 'warn' : 'info',
    attributes: {
      'chamber.blade': outcome.blade ?? '',
      'chamber.examined': outcome.examined,
    },
    thread: { id: name },
  };
}
