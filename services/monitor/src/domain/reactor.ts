import {
  AvailabilitySample,
  BladeActual,
  BladeState,
  InstanceActual,
  InstanceHealth,
  InstanceObserved,
  ObservedRecord,
  ObservedState,
  PduActual,
  TorActual,
  WorkloadRecord,
} from '@chamber/protos';
import {
  decode,
  encode,
  op,
  type Codec,
  type Decision,
  type Op,
  type Reaction,
  type Reactor,
  type Snapshot,
  type TickInput,
} from '@chamber/reactor';
import { createSlicer, defaultSliceMs, TimerWheel } from '@chamber/sim';
import {
  availabilityOfKey,
  deviceKindOf,
  isLeadShard,
  ownsPath,
  wholeShard,
  type Shard,
  enumTypes,
  fromWire,
  instanceName,
  instanceOfKey,
  keys,
  pathOfViewKey,
  viewKey,
  wordOf,
} from '@chamber/world';
import { countAvailability, sampleAvailability, type AvailabilityCounts } from './availability.js';
import { observeInstance } from './instances.js';
import { observeBlade, observeDevice, type Observation, type Thresholds } from './observe.js';

/** The monitor's participant name. */
export const monitorParticipant = 'monitor';

/**
 * The prefixes the monitor caches: the actual views it reads (elements and
 * instances), the observed views it writes, and for availability the
 * workloads it reads and the samples it writes.
 */
export const monitorViews: readonly string[] = [
  keys.actualPrefix,
  keys.observedPrefix,
  keys.instanceActualPrefix,
  keys.instanceObservedPrefix,
  keys.workloadsPrefix,
  keys.availabilityPrefix,
];

/**
 * What wakes the monitor besides its deadlines: the actual views and the
 * workloads (it alone writes `observed/`, `instance-observed/` and
 * `availability/`).
 */
export const monitorReactsTo: readonly string[] = [
  keys.actualPrefix,
  keys.instanceActualPrefix,
  keys.workloadsPrefix,
];

/**
 * The monitor, one tick at a time: it observes the elements whose actual
 * record changed and those whose deadline (a missed-heartbeat threshold) is
 * due, and writes only the observations that change; each transition into
 * or out of trouble is a `monitor.transition` decision. Its timers are
 * rebuilt from the snapshot after a restart (or a new run), when it
 * observes every element once. A tick with many changes (a 100,000-blade
 * load changes every actual record at once) lets the event loop run every
 * `sliceMs` of work, so the participant's lease keep-alive and calls go on
 * meanwhile; where it pauses does not change what it decides.
 *
 * It keeps each workload's availability (`availability/<workload>/<tick>`):
 * at tick T it counts, for each workload whose record or instances' actual
 * or observed records changed at T-1, what tick T's snapshot holds (desired,
 * running, observed running: what every service, the monitor included,
 * wrote through T-1), and writes a sample for T when that differs from the
 * workload's last one. So the samples of a settled tick are all in. The
 * last sample of each is rebuilt from the snapshot like the rest of its
 * memory.
 *
 * As one shard of several it observes the elements of its racks and the
 * instances on their blades; the lead shard also observes the instances on
 * no blade and keeps the availability (read from the snapshot, which holds
 * every shard's observations of the tick before). So the shards together
 * write exactly what one process would.
 */
export class MonitorReactor implements Reactor {
  private wheel = new TimerWheel();
  private instances = new InstancesByBlade();
  private run = -1;
  /** Each workload's last availability sample, as the store has it. */
  private lastSamples = new Map<string, AvailabilityCounts>();
  /** The workloads whose instances' observations this process wrote at its last tick. */
  private observedLast = new Set<string>();

  /**
   * `sliceMs`: the longest stretch of a tick's work between two turns of
   * the event loop. `shard`: the racks it observes (all by default).
   */
  constructor(
    private readonly thresholds: Thresholds,
    private readonly sliceMs = defaultSliceMs,
    private readonly shard: Shard = wholeShard,
  ) {}

  async react({ tick, run, snapshot, changes }: TickInput): Promise<Reaction> {
    const slicer = createSlicer(this.sliceMs);
    const due = new Set<string>();
    // Instances to observe, by their `instance-actual/` key.
    const instancesDue = new Set<string>();
    const isFull = changes === undefined || run !== this.run;
    // Workloads whose availability may have changed at the tick before.
    const workloadsDue = new Set<string>();
    if (isFull) {
      this.wheel = new TimerWheel();
      this.instances = InstancesByBlade.rebuild(snapshot);
      this.lastSamples = lastSamples(snapshot);
      for (const name of this.lastSamples.keys()) workloadsDue.add(name);
      for (const e of snapshot.listRaw(keys.workloadsPrefix))
        workloadsDue.add(e.key.slice(keys.workloadsPrefix.length));
      for (const prefix of [keys.instanceActualPrefix, keys.instanceObservedPrefix])
        for (const e of snapshot.listRaw(prefix)) {
          const ref = instanceOfKey(e.key);
          if (ref !== undefined) workloadsDue.add(ref.workload);
        }
      for (const e of snapshot.listRaw(keys.actualPrefix)) due.add(pathOfViewKey('actual', e.key)!);
      for (const e of snapshot.listRaw(keys.observedPrefix))
        due.add(pathOfViewKey('observed', e.key)!);
      for (const e of snapshot.listRaw(keys.instanceActualPrefix)) instancesDue.add(e.key);
      for (const e of snapshot.listRaw(keys.instanceObservedPrefix)) {
        const ref = instanceOfKey(e.key);
        if (ref !== undefined) instancesDue.add(keys.instanceActual(ref.workload, ref.n));
      }
    } else {
      for (const name of this.observedLast) workloadsDue.add(name);
      for (const key of changes) {
        const path = pathOfViewKey('actual', key);
        if (path !== undefined) due.add(path);
        else if (key.startsWith(keys.instanceActualPrefix)) {
          this.instances.update(snapshot, key);
          instancesDue.add(key);
        }
        if (key.startsWith(keys.workloadsPrefix))
          workloadsDue.add(key.slice(keys.workloadsPrefix.length));
        else if (
          key.startsWith(keys.instanceActualPrefix) ||
          key.startsWith(keys.instanceObservedPrefix)
        ) {
          const ref = instanceOfKey(key);
          if (ref !== undefined) workloadsDue.add(ref.workload);
        }
      }
    }
    this.observedLast = new Set();
    this.run = run;
    for (const path of this.wheel.takeDue(tick)) due.add(path);
    const writes: Op[] = [];
    const decisions: Decision[] = [];
    // The blades' observations this tick writes: their instances follow them.
    const observedNow = new Map<string, ObservedRecord | undefined>();
    const owned = [...due].filter((path) => ownsPath(this.shard, path)).sort();
    for (const path of owned) {
      await slicer.pause();
      const observation = this.observe(snapshot, tick, path);
      if (observation.wake !== undefined && observation.wake > tick)
        this.wheel.schedule(observation.wake, path);
      else this.wheel.cancel(path);
      const key = viewKey('observed', path);
      if (observation.next === null) {
        writes.push(op.delete(key));
        observedNow.set(path, undefined);
      } else if (
        observation.next !== undefined &&
        snapshot.getRaw(key)?.value !== encode(ObservedRecord, observation.next)
      ) {
        writes.push(op.put(ObservedRecord, key, observation.next));
        observedNow.set(path, observation.next);
        const decision = transition(
          tick,
          path,
          read(snapshot, ObservedRecord, key),
          observation.next,
        );
        if (decision !== undefined) decisions.push(decision);
      }
    }
    // Instances are heard through their blade: its heartbeat or its observation changed.
    for (const blade of [...owned, ...observedNow.keys()])
      for (const key of this.instances.on(blade)) instancesDue.add(key);
    for (const key of [...instancesDue].sort()) {
      await slicer.pause();
      this.observeInstance(snapshot, tick, key, observedNow, writes, decisions);
    }
    for (const name of isLeadShard(this.shard) ? [...workloadsDue].sort() : []) {
      await slicer.pause();
      const sample = sampleAvailability(
        name,
        tick,
        countOf(snapshot, name),
        this.lastSamples.get(name),
      );
      if (sample === undefined) continue;
      writes.push(op.put(AvailabilitySample, keys.availabilitySample(name, tick), sample));
      this.lastSamples.set(name, sample);
    }
    return { writes, decisions, nextWakeup: this.wheel.next() ?? null };
  }

  /** Observes the instance whose actual record is at `key`, appending what changes. */
  private observeInstance(
    snapshot: Snapshot,
    tick: number,
    key: string,
    observedNow: ReadonlyMap<string, ObservedRecord | undefined>,
    writes: Op[],
    decisions: Decision[],
  ): void {
    const ref = instanceOfKey(key);
    if (ref === undefined) return;
    const actual = read(snapshot, InstanceActual, key);
    const on = actual?.blade;
    // The shard of its blade observes it; the lead shard one on no blade.
    if (on === undefined ? !isLeadShard(this.shard) : !ownsPath(this.shard, on)) return;
    const observedKey = keys.instanceObserved(ref.workload, ref.n);
    const current = read(snapshot, InstanceObserved, observedKey);
    const blade =
      on === undefined
        ? { observed: undefined, isHeard: false }
        : {
            observed: observedNow.has(on)
              ? observedNow.get(on)
              : read(snapshot, ObservedRecord, viewKey('observed', on)),
            isHeard:
              read(snapshot, BladeActual, viewKey('actual', on))?.state ===
              BladeState.BLADE_STATE_WORKING,
          };
    const { next } = observeInstance(tick, actual, current, blade);
    if (next !== undefined) this.observedLast.add(ref.workload);
    if (next === null) writes.push(op.delete(observedKey));
    if (next === undefined || next === null) return;
    writes.push(op.put(InstanceObserved, observedKey, next));
    const wasFailed = current?.health === InstanceHealth.INSTANCE_HEALTH_FAILED;
    const isFailed = next.health === InstanceHealth.INSTANCE_HEALTH_FAILED;
    if (wasFailed === isFailed) return;
    decisions.push({
      name: 'monitor.transition',
      tick,
      target: `instance ${instanceName(ref.workload, ref.n)}`,
      reason: next.reason,
      severity: isFailed ? 'warn' : 'info',
      attributes: {
        'chamber.from': healthWord(current?.health),
        'chamber.to': healthWord(next.health),
      },
    });
  }

  private observe(snapshot: Snapshot, tick: number, path: string): Observation {
    const current = read(snapshot, ObservedRecord, viewKey('observed', path));
    const key = viewKey('actual', path);
    switch (deviceKindOf(path)) {
      case 'blade':
        return observeBlade(tick, read(snapshot, BladeActual, key), current, this.thresholds);
      case 'pdu':
        return observeDevice(tick, read(snapshot, PduActual, key), true, current);
      case 'tor':
        return observeDevice(tick, read(snapshot, TorActual, key), false, current);
      default:
        return {};
    }
  }
}

/**
 * The decision to explain a transition, for the changes worth explaining:
 * into or out of suspect or failed (not an install's unknown, nor a first
 * heartbeat).
 */
function transition(
  tick: number,
  path: string,
  before: ObservedRecord | undefined,
  next: ObservedRecord,
): Decision | undefined {
  const from = before?.state ?? ObservedState.OBSERVED_STATE_UNSPECIFIED;
  if (next.state === from || (!isTrouble(from) && !isTrouble(next.state))) return undefined;
  return {
    name: 'monitor.transition',
    tick,
    target: path,
    reason: next.reason,
    severity: isTrouble(next.state) ? 'warn' : 'info',
    attributes: { 'chamber.from': stateWord(from), 'chamber.to': stateWord(next.state) },
  };
}

/**
 * The record at `key`, decoded for this use only: the monitor reads each
 * record once when it changes, so the snapshot's shared decoded copy (kept
 * as long as the record) would only hold a second copy of every blade's
 * records in memory (100,000 of each at the `large` sample).
 */
function read<T>(snapshot: Snapshot, codec: Codec<T>, key: string): T | undefined {
  const raw = snapshot.getRaw(key);
  return raw === undefined ? undefined : decode(codec, key, raw.value);
}

/** Workload `name`'s availability counts as the snapshot holds them. */
function countOf(snapshot: Snapshot, name: string): AvailabilityCounts {
  const decodeAll = <T>(codec: Codec<T>, prefix: string): T[] =>
    snapshot.listRaw(prefix).map((e) => decode(codec, e.key, e.value));
  return countAvailability(
    read(snapshot, WorkloadRecord, keys.workload(name)),
    decodeAll(InstanceActual, keys.instanceActualOf(name)),
    decodeAll(InstanceObserved, keys.instanceObservedOf(name)),
  );
}

/** Each workload's last availability sample in the snapshot (keys sort by tick). */
function lastSamples(snapshot: Snapshot): Map<string, AvailabilityCounts> {
  const last = new Map<string, AvailabilityCounts>();
  let previous: string | undefined;
  const entries = snapshot.listRaw(keys.availabilityPrefix);
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const name = availabilityOfKey(e.key)?.workload;
    if (name === undefined || name === previous) continue;
    previous = name;
    if (!last.has(name)) last.set(name, decode(AvailabilitySample, e.key, e.value));
  }
  return last;
}

const isTrouble = (state: ObservedState): boolean =>
  state === ObservedState.OBSERVED_STATE_SUSPECT || state === ObservedState.OBSERVED_STATE_FAILED;

// No record before reads `unspecified`, as the trace log has always said.
const stateWord = (state: ObservedState): string =>
  state === ObservedState.OBSERVED_STATE_UNSPECIFIED
    ? 'unspecified'
    : wordOf(ObservedState[state] ?? '');

const healthWord = (health: InstanceHealth | undefined): string =>
  health === undefined
    ? 'unspecified'
    : (fromWire(enumTypes.instanceHealth, InstanceHealth[health] ?? '') ?? 'unspecified');

/**
 * The instances on each blade (by their `instance-actual/` keys), from their
 * actual records: a blade's observed change updates only its instances.
 */
class InstancesByBlade {
  private readonly byBlade = new Map<string, Set<string>>();
  private readonly bladeOf = new Map<string, string>();

  static rebuild(snapshot: Snapshot): InstancesByBlade {
    const index = new InstancesByBlade();
    for (const e of snapshot.listRaw(keys.instanceActualPrefix)) index.update(snapshot, e.key);
    return index;
  }

  /** The instances on `blade`. */
  on(blade: string): ReadonlySet<string> {
    return this.byBlade.get(blade) ?? new Set();
  }

  /** Follows the actual record at `key` as the snapshot has it (or its absence). */
  update(snapshot: Snapshot, key: string): void {
    const blade = read(snapshot, InstanceActual, key)?.blade;
    const before = this.bladeOf.get(key);
    if (before === blade) return;
    if (before !== undefined) {
      const on = this.byBlade.get(before)!;
      on.delete(key);
      if (on.size === 0) this.byBlade.delete(before);
      this.bladeOf.delete(key);
    }
    if (blade === undefined) return;
    this.bladeOf.set(key, blade);
    let on = this.byBlade.get(blade);
    if (on === undefined) this.byBlade.set(blade, (on = new Set()));
    on.add(key);
  }
}
