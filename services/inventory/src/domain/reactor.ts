import {
  BladeDefinition,
  DefinitionSource,
  FaultRecord,
  LoadProgress,
  LoadProgress_State,
} from '@chamber/protos';
import {
  op,
  type Op,
  type Reaction,
  type Reactor,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { createSlicer, TimerWheel, type Slicer } from '@chamber/sim';
import { isLeadShard, keys, ownsPath, wholeShard, type Shard } from '@chamber/world';
import { commandsDue, commandWrites, finishCommands, startCommands } from './command-queue.js';
import type { Parse } from './definition/parsed.js';
import type { DefinitionChanges } from './definition/records.js';
import { evaluate } from './evaluation.js';
import { FaultEffects } from './fault-effects.js';
import type { Timings } from './hardware.js';
import { applyInputs, inventoryInbox } from './inputs.js';
import { InstanceIndex, storedBlade } from './instance-work.js';
import type { InstanceTimings } from './instances.js';
import { append, installed, loadProgress, loadsDue, type AppliedLoads } from './loads.js';
import { Topology } from './topology.js';
import { benchOf, elementWrites, startWork, type Indexes } from './tick-work.js';

/** The prefixes the inventory reads, besides the faults (which it reads as their owner publishes them). */
export const inventoryViews: readonly string[] = [
  keys.definitionPrefix,
  keys.actualPrefix,
  keys.commandsPrefix,
  keys.faultsPrefix,
  inventoryInbox,
  keys.pendingPrefix,
  keys.sourcesPrefix,
  keys.placementsPrefix,
  keys.instancesPrefix,
  keys.instanceActualPrefix,
];

/**
 * What wakes the inventory besides its timers and its own pending inputs
 * (target changes, commands, definition loads): new commands, fault
 * transitions, placements (the scheduler's) and instance records (the
 * workload repair manager's). It alone writes `definition/`, `actual/` and
 * `instance-actual/`; a tick it writes in wakes it at the next anyway.
 */
export const inventoryReactsTo: readonly string[] = [
  keys.commandsPrefix,
  keys.faultsPrefix,
  keys.placementsPrefix,
  keys.instancesPrefix,
];

/**
 * How the inventory works: the hardware's and the instances' timings, and
 * how long finished commands are kept.
 */
export interface InventorySettings extends Timings, InstanceTimings {
  /**
   * Ticks a finished command's record (`commands/<id>`) is kept after it
   * finished; 0 or absent keeps every command.
   */
  readonly retentionTicks?: number;
}

/** A definition load applied at a tick. */
export interface AppliedLoad {
  readonly id: string;
  readonly changes: DefinitionChanges;
  /** How many writes the tick makes. */
  readonly total: number;
}

/** The inventory's reaction to a tick, and what its host reports of it. */
export interface InventoryReaction extends Reaction {
  readonly writes: Op[];
  readonly nextWakeup: number | null;
  /** The definition load it applies, if any. */
  readonly load?: AppliedLoad;
  /** How many elements were evaluated (work follows change: 0 on an idle tick). */
  readonly evaluated: number;
}

/**
 * The simulated hardware, one tick at a time: definition loads, target
 * changes, commands, fault effects, and the PDUs, TORs and blades they wake.
 * Its snapshot shows the faults as they stand at the tick (`faults/`, the
 * due requests included). It keeps only indexes that the store can rebuild
 * (topology, fault effects, timers); after a restart (no `changes`) it
 * evaluates everything once, and evaluating an element with nothing new
 * changes nothing, so both paths write the same.
 *
 * As one shard of several it does the same, for the elements of its racks
 * only (and the instances on their blades); the lead shard also applies
 * definition loads and looks after the instances on no blade. Every rack's
 * work depends only on the snapshot and that rack's history, so the shards
 * together write exactly what one process would.
 */
export class InventoryReactor implements Reactor {
  private ix: Indexes = {
    topology: new Topology(),
    effects: new FaultEffects(),
    wheel: new TimerWheel(),
    running: new Map(),
  };
  private instances = new InstanceIndex();
  private run = -1;

  /**
   * `parse`: parses definition loads (once, off the event loop); here and
   * now without it. `shard`: the racks it simulates (all by default).
   */
  constructor(
    private readonly settings: InventorySettings,
    private readonly parse?: Parse,
    private readonly shard: Shard = wholeShard,
  ) {}

  /**
   * Decides tick `tick`. Long stretches of work (a load, the first tick
   * after one, which evaluates every element) let the event loop run every
   * so often; the snapshot must not change until it resolves (the
   * participant protocol holds it at R(T) while a tick is handled). Where
   * it pauses depends on the machine, what it decides does not.
   */
  async react({ tick, seed, run, snapshot: view, changes }: TickInput): Promise<InventoryReaction> {
    const slicer = createSlicer();
    const c = { tick, seed, timings: this.settings };
    const full = changes === undefined || run !== this.run || touchesDefinition(changes);
    this.run = run;
    if (full) {
      this.ix = await rebuild(view, slicer);
      this.instances = InstanceIndex.rebuild(view);
    }
    const { ix, shard } = this;
    const owns = (path: string): boolean => ownsPath(shard, path);
    const isLead = isLeadShard(shard);
    const work = startWork(c, view, slicer);
    const ops: Op[] = [];

    // Inputs due now: a definition load, target changes, commands.
    const options = { slicer, ...(this.parse === undefined ? {} : { parse: this.parse }) };
    const loaded = await loadsDue(tick, view, full, options);
    if (loaded.changes !== undefined && isLead) {
      append(ops, loaded.ops);
      append(ops, await installed(tick, view, loaded, slicer));
    }
    const removed = new Set(
      (loaded.changes?.deletes ?? []).map((k) => k.slice(keys.definitionPrefix.length)),
    );
    const inputs = applyInputs(tick, view, ix.topology, removed, owns);
    append(ops, inputs.ops);

    // Faults that changed (or, on a full tick, all of them).
    for (const id of changedFaults(view, full ? undefined : changes))
      for (const element of ix.effects.set(
        id,
        view.value(FaultRecord, keys.fault(id)),
        ix.topology,
      ))
        if (owns(element)) work.woken.add(element);

    // Commands: new ones, and those whose timers are due.
    const retentionTicks = this.settings.retentionTicks ?? 0;
    const due = ix.wheel.takeDue(tick);
    const commands = commandsDue(
      tick,
      view,
      full ? undefined : changes,
      due,
      ix,
      retentionTicks,
      inputs.commands,
      owns,
    );
    const bench = benchOf(ix, work);
    const started = startCommands(c, commands.toStart, bench, ix);

    // Evaluate what is woken: PDUs and TORs first, then the blades.
    for (const key of due) if (key.startsWith('e:')) work.woken.add(key.slice(2));
    // A full tick wakes every element: they are the topology's, already in key
    // order (sorting 107,500 paths held the event loop for a stretch at 100k blades).
    const order = full ? ix.topology.elements.filter(owns) : [...work.woken].sort();
    const evaluated = await evaluate(work, ix, bench, order);

    // Commands finishing now see the elements as evaluated.
    const finished = finishCommands(c, view, commands.finishing, bench, ix);
    const written = commandWrites(
      tick,
      view,
      [...started, ...finished],
      commands.pruned,
      ix,
      retentionTicks,
    );
    append(ops, written.ops);

    // Instances follow their blades as this tick leaves them.
    const instances = await this.instances.tick(
      { tick, seed, timings: this.settings },
      view,
      full ? undefined : changes,
      {
        isDefined: (path) => ix.topology.blades.has(path) && !removed.has(path),
        owns: (blade) => (blade === undefined ? isLead : owns(blade)),
        actual: (path) => work.blades.get(path) ?? storedBlade(view, path),
        evaluated: [...work.blades.keys(), ...removed],
      },
      slicer,
    );
    append(ops, instances.ops);
    append(ops, await elementWrites(work, removed));
    const load = isLead ? loadWrites(tick, loaded, ops) : undefined;
    // (A load writes, so the next tick comes, and rebuilds the topology.)
    const wakeups = [ix.wheel.next(), this.instances.next()].filter((t) => t !== undefined);
    return {
      writes: ops,
      decisions: [...written.decisions, ...instances.decisions],
      nextWakeup: wakeups.length === 0 ? null : Math.min(...wakeups),
      evaluated,
      ...(load === undefined ? {} : { load }),
    };
  }
}

/** Whether a key of the `definition` view changed: the topology is made afresh. */
function touchesDefinition(changes: ReadonlySet<string>): boolean {
  for (const k of changes) if (k.startsWith(keys.definitionPrefix)) return true;
  return false;
}

/** Indexes made afresh: the topology from the `definition` view, no effects, no timers. */
async function rebuild(view: Snapshot, slicer: Slicer): Promise<Indexes> {
  const building = Topology.builder();
  for (const e of view.listRaw(keys.definitionPrefix)) {
    const path = e.key.slice(keys.definitionPrefix.length);
    building.add(path, (p) => view.value(BladeDefinition, keys.definitionPrefix + p));
    await slicer.pause();
  }
  return {
    topology: building.done(),
    effects: new FaultEffects(),
    wheel: new TimerWheel(),
    running: new Map(),
  };
}

/** The ids of the faults that changed, in order; every fault on a full tick (`changes` undefined). */
function changedFaults(view: Snapshot, changes: ReadonlySet<string> | undefined): string[] {
  const ids = new Set<string>();
  const prefix = keys.faultsPrefix;
  if (changes === undefined)
    for (const e of view.listRaw(prefix)) ids.add(e.key.slice(prefix.length));
  else for (const key of changes) if (key.startsWith(prefix)) ids.add(key.slice(prefix.length));
  return [...ids].sort();
}

/**
 * The writes that end a load's tick, appended to `ops`: the definition in
 * force, then (last, so it is written once everything else is) its
 * progress, done.
 */
function loadWrites(tick: number, loaded: AppliedLoads, ops: Op[]): AppliedLoad | undefined {
  if (loaded.changes === undefined || loaded.load === undefined) return undefined;
  ops.push(
    op.put(DefinitionSource, keys.definitionSource, {
      fileName: loaded.load.fileName,
      source: loaded.load.source,
      loadId: loaded.load.id,
      sample: loaded.load.sample ?? '',
    }),
    op.put(LoadProgress, keys.loadProgress, {
      ...loadProgress(loaded.load.id, tick, loaded.changes),
      state: LoadProgress_State.STATE_DONE,
      written: ops.length + 1,
      total: ops.length + 1,
    }),
  );
  return { id: loaded.load.id, changes: loaded.changes, total: ops.length };
}
