import {
  CommandRecord,
  ObservedRecord,
  RepairRecord,
  RepairStatus,
  TargetRecord,
  TargetState,
} from '@chamber/protos';
import {
  cmp,
  op,
  type Compare,
  type Decision,
  type Op,
  type Reaction,
  type Reactor,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { createSlicer, defaultSliceMs, TimerWheel } from '@chamber/sim';
import {
  deviceKindOf,
  enumTypes,
  fromWire,
  instanceOfKey,
  keys,
  pathOfViewKey,
  rackOf,
  viewKey,
} from '@chamber/world';
import { purposes } from './closing.js';
import { pruneTick } from './pruning.js';
import { decideRepair, isOpen, type RepairOptions } from './repair-machine.js';

/** The repair manager's participant name. */
export const repairParticipant = 'inventory-repair';

/** The prefixes the manager caches: what it compares, its own records and its commands. */
export const repairViews: readonly string[] = [
  keys.targetPrefix,
  keys.observedPrefix,
  keys.repairsPrefix,
  keys.commandsPrefix,
  keys.placementsPrefix,
];

/**
 * What wakes the manager besides its timers: targets, observations,
 * command results (it alone writes `repairs/`), and placements (a drained
 * blade is powered down once the last one goes).
 */
export const repairReactsTo: readonly string[] = [
  keys.targetPrefix,
  keys.observedPrefix,
  keys.commandsPrefix,
  keys.placementsPrefix,
];

/** How the manager runs plans and keeps closed repairs. */
export interface RepairReactorOptions extends RepairOptions {
  /**
   * Ticks a closed repair is kept after it closed, unless it is its
   * element's latest repair; 0 keeps every repair (see `pruning.ts`).
   */
  readonly retentionTicks?: number;
}

/**
 * At most this many repair records change in one tick (each with its command
 * and its compare-and-set: one transaction); the rest follow at the next.
 */
export const maxRepairsPerTick = 60;

/**
 * The inventory repair manager, one tick at a time (plan -> sync). It
 * compares each element's `target` with its `observed` state — never
 * `actual` — for the elements whose records changed and the repairs whose
 * timer is due, and moves their repairs on through the repair state machine
 * ({@link decideRepair}). Each repair written is claimed by compare-and-set on
 * its record's revision, in the transaction that writes its command; each is
 * a `repair.decision` on the repair's thread. Its memory (open repairs by
 * rack and element, timers, closed repairs to prune) is rebuilt from the
 * snapshot after a restart or a new run, so a restarted manager carries on the
 * same repairs without issuing a command twice. A tick with many changes
 * (every blade of a 100,000-blade load observed at once) lets the event loop
 * run every `sliceMs` of work, so its lease keep-alive goes on; where it
 * pauses does not change what it decides.
 */
export class RepairReactor implements Reactor {
  private wheel = new TimerWheel();
  private run = -1;
  // Open repairs by rack, then by element: the rack's budget counts them.
  private openByRack = new Map<string, Map<string, RepairRecord>>();
  private byCommand = new Map<string, string>();
  // The purpose of each element's latest closed repair (a power-down means
  // that bringing it back starts with a power-on).
  private lastPurpose = new Map<string, string>();
  // Closed repairs by when they may be deleted (see pruning.ts), and each
  // element's latest repair (never deleted: later decisions read it).
  private pruneWheel = new TimerWheel();
  private closedById = new Map<string, RepairRecord>();
  private latestByTarget = new Map<string, RepairRecord>();

  /** `sliceMs`: the longest stretch of a tick's work between two turns of the event loop. */
  constructor(
    private readonly options: RepairReactorOptions,
    private readonly sliceMs = defaultSliceMs,
  ) {}

  async react({ tick, run, snapshot, changes }: TickInput): Promise<Reaction> {
    const slicer = createSlicer(this.sliceMs);
    const consider = new Set<string>();
    if (changes === undefined || run !== this.run) {
      this.rebuild(snapshot);
      for (const e of snapshot.listRaw(keys.observedPrefix))
        consider.add(pathOfViewKey('observed', e.key)!);
      for (const rack of this.openByRack.values())
        for (const target of rack.keys()) consider.add(target);
    } else {
      for (const key of changes) {
        const path = pathOfViewKey('observed', key) ?? pathOfViewKey('target', key);
        const placedOn = key.startsWith(keys.placementsPrefix)
          ? instanceOfKey(key)?.blade
          : undefined;
        const blade = path ?? placedOn;
        if (blade !== undefined) {
          consider.add(blade);
          // The rack's drained blades waiting to power down look again.
          for (const [waiting, r] of this.openByRack.get(rackOf(blade)) ?? [])
            if (
              r.purpose === purposes.powerDown &&
              isDrained(snapshot.value(TargetRecord, viewKey('target', waiting)))
            )
              consider.add(waiting);
        } else if (key.startsWith(keys.commandsPrefix)) {
          const target = this.byCommand.get(key.slice(keys.commandsPrefix.length));
          if (target !== undefined) consider.add(target);
        }
      }
    }
    this.run = run;
    for (const target of this.wheel.takeDue(tick)) consider.add(target);

    const writes: Op[] = [];
    const compares: Compare[] = [];
    const decisions: Decision[] = [];
    let opened = 0;
    let changed = 0;
    const drainedInRack = new Map<string, Map<string, number>>();
    for (const path of [...consider].sort()) {
      await slicer.pause();
      if (changed >= maxRepairsPerTick) {
        this.wheel.schedule(tick + 1, path);
        continue;
      }
      const kind = deviceKindOf(path);
      if (kind === undefined) continue;
      const repair = this.openRepair(path);
      const newId = `r${tick}-${opened + 1}`;
      const target = snapshot.value(TargetRecord, viewKey('target', path));
      const transitions = decideRepair(this.options, {
        tick,
        path,
        kind,
        target,
        ...(kind === 'blade' && target?.drain === true
          ? drainedPlacements(snapshot, path, drainedInRack)
          : { placements: 0, placementsInRack: 0 }),
        observed: snapshot.value(ObservedRecord, viewKey('observed', path)),
        repair,
        command:
          repair === undefined || repair.commandId === ''
            ? undefined
            : snapshot.value(CommandRecord, keys.command(repair.commandId)),
        openInRack: [...(this.openByRack.get(rackOf(path))?.values() ?? [])],
        lastPurpose: this.lastPurpose.get(path),
        newId,
      });
      for (const { repair: next, command } of transitions) {
        if (next.id === newId) opened++;
        const key = keys.repair(next.id);
        // Claimed by compare-and-set on the record's revision.
        const stored = snapshot.getRaw(key);
        compares.push(
          stored === undefined ? cmp.absent(key) : cmp.modRevision(key, '==', stored.modRevision),
        );
        if (command !== undefined)
          writes.push(op.put(CommandRecord, keys.command(command.id), command));
        writes.push(op.put(RepairRecord, key, next));
        changed++;
        this.track(next);
        decisions.push(decision(tick, next));
        if (!isOpen(next.status)) {
          // A slot of the rack's budget is free: wake its waiting repairs.
          for (const [target, r] of this.openByRack.get(rackOf(path)) ?? [])
            if (r.status === RepairStatus.REPAIR_STATUS_PENDING)
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
      writes.push(op.delete(keys.repair(id)));
      changed++;
      this.closedById.delete(id);
      if (this.byCommand.get(repair.commandId) === repair.target)
        this.byCommand.delete(repair.commandId);
    }
    const next = [this.wheel.next(), this.pruneWheel.next()].filter((t) => t !== undefined);
    return {
      writes,
      decisions,
      compares,
      nextWakeup: next.length === 0 ? null : Math.min(...next),
    };
  }

  /** Forgets everything and tracks the snapshot's repairs, oldest first. */
  private rebuild(snapshot: Snapshot): void {
    this.wheel = new TimerWheel();
    this.openByRack = new Map();
    this.byCommand = new Map();
    this.lastPurpose = new Map();
    this.pruneWheel = new TimerWheel();
    this.closedById = new Map();
    this.latestByTarget = new Map();
    const records = snapshot.list(RepairRecord, keys.repairsPrefix).map((e) => e.value);
    records.sort(
      (a, b) => a.openedTick - b.openedTick || a.id.localeCompare(b.id, 'en', { numeric: true }),
    );
    for (const value of records) this.track(value);
  }

  private openRepair(path: string): RepairRecord | undefined {
    return this.openByRack.get(rackOf(path))?.get(path);
  }

  private track(repair: RepairRecord): void {
    const isOpenNow = isOpen(repair.status);
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
    const rack = rackOf(repair.target);
    if (isOpenNow) {
      let open = this.openByRack.get(rack);
      if (open === undefined) this.openByRack.set(rack, (open = new Map<string, RepairRecord>()));
      open.set(repair.target, repair);
    } else {
      this.closedById.set(repair.id, repair);
      if (this.latestByTarget.get(repair.target)?.id !== repair.id) this.schedulePrune(repair, 0);
      const open = this.openByRack.get(rack);
      if (open?.get(repair.target)?.id === repair.id) {
        open.delete(repair.target);
        if (open.size === 0) this.openByRack.delete(rack);
      }
      this.lastPurpose.set(repair.target, repair.purpose);
    }
    if (repair.commandId !== '') this.byCommand.set(repair.commandId, repair.target);
    if (isOpenNow && repair.nextTick > 0) this.wheel.schedule(repair.nextTick, repair.target);
    else this.wheel.cancel(repair.target);
  }

  private schedulePrune(repair: RepairRecord, notBefore: number): void {
    const due = pruneTick(repair.closedTick, this.options.retentionTicks ?? 0);
    if (due !== undefined) this.pruneWheel.schedule(Math.max(due, notBefore), repair.id);
  }
}

/**
 * A repair's change as a decision: its tick, target, status and reason, on
 * the repair's thread (linked to its previous decision), which ends when the
 * repair closes. Escalated and abandoned repairs are warnings.
 */
function decision(tick: number, repair: RepairRecord): Decision {
  return {
    name: 'repair.decision',
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
      'chamber.status': fromWire(enumTypes.repairStatus, RepairStatus[repair.status]) ?? '',
    },
    thread: { id: repair.id, ends: !isOpen(repair.status) },
  };
}

/** Whether `target` takes its element out of service with drain. */
const isDrained = (target: TargetRecord | undefined): boolean =>
  target !== undefined && target.drain && target.state !== TargetState.TARGET_STATE_IN_SERVICE;

/**
 * The placements on drained `blade`, and on the other drained blades of its
 * rack: a rack (or zone) drained in one call is emptied before any blade of
 * it goes down. Counted once per rack and tick (`cache`), by blade.
 */
function drainedPlacements(
  snapshot: Snapshot,
  blade: string,
  cache: Map<string, Map<string, number>>,
): { placements: number; placementsInRack: number } {
  const rack = rackOf(blade);
  let byBlade = cache.get(rack);
  if (byBlade === undefined) {
    byBlade = new Map();
    for (const { key } of snapshot.listRaw(keys.placementsOn(rack))) {
      const on = instanceOfKey(key)?.blade;
      if (on === undefined) continue;
      if (!byBlade.has(on))
        byBlade.set(on, isDrained(snapshot.value(TargetRecord, viewKey('target', on))) ? 0 : -1);
      const n = byBlade.get(on)!;
      if (n >= 0) byBlade.set(on, n + 1);
    }
    cache.set(rack, byBlade);
  }
  let placements = 0;
  let placementsInRack = 0;
  for (const [on, n] of byBlade) {
    if (n <= 0) continue;
    if (on === blade) placements = n;
    else placementsInRack += n;
  }
  return { placements, placementsInRack };
}
