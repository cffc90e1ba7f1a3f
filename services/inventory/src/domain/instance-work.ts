// The instances' part of the inventory's tick: which instances to look at
// (their placement or record changed, their timer is due, their blade was
// evaluated), what the rules of instances.ts make of them, and the writes.
import { BladeActual, InstanceActual, InstanceRecord, InstanceState } from '@chamber/protos';
import { decode, encode, op, type Decision, type Op, type Snapshot } from '@chamber/reactor';
import { TimerWheel, type Slicer } from '@chamber/sim';
import { enumTypes, fromWire, instanceName, instanceOfKey, keys, viewKey } from '@chamber/world';
import { evaluateInstance, type InstanceContext } from './instances.js';

/** An instance: its workload and number. */
interface InstanceRef {
  readonly workload: string;
  readonly n: number;
}

/** What the instances' tick is told of the hardware as the tick leaves it. */
export interface BladesNow {
  /** Whether `path` is a defined blade (not removed by this tick's load). */
  isDefined(path: string): boolean;
  /** The blade's record as this tick leaves it, if defined. */
  actual(path: string): BladeActual | undefined;
  /** The blades evaluated this tick (their state may have changed). */
  readonly evaluated: Iterable<string>;
  /**
   * Whether this process simulates the instances placed on `blade` (on none:
   * `undefined`): a shard, those on its racks' blades. All by default.
   */
  readonly owns?: (blade: string | undefined) => boolean;
}

/** The instances' writes and decisions of a tick. */
export interface InstanceTick {
  readonly ops: Op[];
  readonly decisions: Decision[];
}

/**
 * The inventory's memory of instances, rebuilt from the snapshot: which
 * instances are placed on each blade (so a blade's change touches only its
 * instances), the blade of each, and the instances' timers (a start or a
 * stop due). Work per tick follows what changed and what is due.
 */
export class InstanceIndex {
  private readonly byBlade = new Map<string, Map<string, InstanceRef>>();
  private readonly bladeOf = new Map<string, string>();
  // Timers by the instance's actual key: its start or stop is due.
  private readonly wheel = new TimerWheel();

  /** The index of `view`'s placements and the timers of its actual records. */
  static rebuild(view: Snapshot): InstanceIndex {
    const index = new InstanceIndex();
    for (const e of view.listRaw(keys.placementsPrefix)) {
      const ref = instanceOfKey(e.key);
      if (ref?.blade !== undefined) index.place(ref.blade, ref);
    }
    for (const e of view.listRaw(keys.instanceActualPrefix)) {
      const ref = instanceOfKey(e.key);
      if (ref === undefined) continue;
      const actual = decode(InstanceActual, e.key, e.value);
      if (actual.dueTick > 0) index.wheel.schedule(actual.dueTick, e.key);
    }
    return index;
  }

  /** The earliest tick an instance's timer is due. */
  next(): number | undefined {
    return this.wheel.next();
  }

  /** How many instances are placed on `blade`. */
  countOn(blade: string): number {
    return this.byBlade.get(blade)?.size ?? 0;
  }

  /**
   * Instances' tick at `c.tick`: on a full tick (`changes` undefined) every
   * placed instance and every actual record; otherwise those whose placement
   * or instance record changed, those due, and those on the blades evaluated.
   */
  async tick(
    c: InstanceContext,
    view: Snapshot,
    changes: ReadonlySet<string> | undefined,
    blades: BladesNow,
    slicer: Slicer,
  ): Promise<InstanceTick> {
    const consider = new Map<string, InstanceRef>();
    const add = (ref: InstanceRef): void => {
      consider.set(instanceName(ref.workload, ref.n), { workload: ref.workload, n: ref.n });
    };
    if (changes === undefined) {
      for (const [name, blade] of this.bladeOf) add(this.byBlade.get(blade)!.get(name)!);
      for (const e of view.listRaw(keys.instanceActualPrefix)) {
        const ref = instanceOfKey(e.key);
        if (ref !== undefined) add(ref);
      }
    } else {
      for (const key of changes) {
        const ref = instanceOfKey(key);
        if (ref === undefined) continue;
        if (key.startsWith(keys.placementsPrefix) && ref.blade !== undefined) {
          if (view.getRaw(key) !== undefined) this.place(ref.blade, ref);
          else this.unplace(ref.blade, ref);
          add(ref);
        } else if (key.startsWith(keys.instancesPrefix)) add(ref);
      }
    }
    for (const key of this.wheel.takeDue(c.tick)) {
      const ref = instanceOfKey(key);
      if (ref !== undefined) add(ref);
    }
    for (const blade of blades.evaluated)
      for (const ref of this.byBlade.get(blade)?.values() ?? []) add(ref);

    const ops: Op[] = [];
    const decisions: Decision[] = [];
    for (const name of [...consider.keys()].sort()) {
      await slicer.pause();
      const { workload, n } = consider.get(name)!;
      const placedOn = this.bladeOf.get(name);
      if (blades.owns?.(placedOn) === false) continue;
      const key = keys.instanceActual(workload, n);
      const raw = view.getRaw(key);
      const actual = raw === undefined ? undefined : decode(InstanceActual, key, raw.value);
      const outcome = evaluateInstance(c, {
        workload,
        n,
        placedOn,
        instance: view.value(InstanceRecord, keys.instance(workload, n)),
        actual,
        blade:
          placedOn === undefined || !blades.isDefined(placedOn)
            ? undefined
            : blades.actual(placedOn),
      });
      if (outcome.wake !== undefined) this.wheel.schedule(outcome.wake, key);
      else this.wheel.cancel(key);
      if (outcome.next === null) {
        if (raw !== undefined) ops.push(op.delete(key));
      } else if (outcome.next !== undefined) {
        const text = encode(InstanceActual, outcome.next);
        if (raw?.value === text) continue;
        ops.push(op.putRaw(key, text));
        if (outcome.next.state !== actual?.state)
          decisions.push(instanceDecision(c.tick, name, outcome.next));
      }
    }
    return { ops, decisions };
  }

  private place(blade: string, ref: InstanceRef): void {
    const name = instanceName(ref.workload, ref.n);
    const before = this.bladeOf.get(name);
    if (before !== undefined && before !== blade) this.unplace(before, ref);
    let on = this.byBlade.get(blade);
    if (on === undefined) this.byBlade.set(blade, (on = new Map<string, InstanceRef>()));
    on.set(name, { workload: ref.workload, n: ref.n });
    this.bladeOf.set(name, blade);
  }

  private unplace(blade: string, ref: InstanceRef): void {
    const name = instanceName(ref.workload, ref.n);
    if (this.bladeOf.get(name) !== blade) return;
    this.bladeOf.delete(name);
    const on = this.byBlade.get(blade);
    on?.delete(name);
    if (on?.size === 0) this.byBlade.delete(blade);
  }
}

/** An instance's change of state, as a decision: lost instances are warnings. */
function instanceDecision(tick: number, name: string, next: InstanceActual): Decision {
  const to = fromWire(enumTypes.instanceState, InstanceState[next.state] ?? '') ?? '';
  return {
    name: 'inventory.instance',
    tick,
    target: `instance ${name}`,
    reason: next.reason,
    severity: next.state === InstanceState.INSTANCE_STATE_LOST ? 'warn' : 'info',
    attributes: { 'chamber.instance': name, 'chamber.blade': next.blade, 'chamber.to': to },
  };
}

/** A blade's record in the `actual` view, decoded for this read. */
export function storedBlade(view: Snapshot, path: string): BladeActual | undefined {
  const key = viewKey('actual', path);
  const raw = view.getRaw(key);
  return raw === undefined ? undefined : decode(BladeActual, key, raw.value);
}
