import { BladeActual, ObservedRecord, ObservedState, PduActual, TorActual } from '@chamber/protos';
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
import { deviceKindOf, keys, pathOfViewKey, viewKey, wordOf } from '@chamber/world';
import { observeBlade, observeDevice, type Observation, type Thresholds } from './observe.js';

/** The monitor's participant name. */
export const monitorParticipant = 'monitor';

/** The prefixes the monitor caches: the actual view it reads, the observed view it writes. */
export const monitorViews: readonly string[] = [keys.actualPrefix, keys.observedPrefix];

/** What wakes the monitor besides its deadlines: the actual view (it alone writes `observed/`). */
export const monitorReactsTo: readonly string[] = [keys.actualPrefix];

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
 */
export class MonitorReactor implements Reactor {
  private wheel = new TimerWheel();
  private run = -1;

  /** `sliceMs`: the longest stretch of a tick's work between two turns of the event loop. */
  constructor(
    private readonly thresholds: Thresholds,
    private readonly sliceMs = defaultSliceMs,
  ) {}

  async react({ tick, run, snapshot, changes }: TickInput): Promise<Reaction> {
    const slicer = createSlicer(this.sliceMs);
    const due = new Set<string>();
    if (changes === undefined || run !== this.run) {
      this.wheel = new TimerWheel();
      for (const e of snapshot.listRaw(keys.actualPrefix)) due.add(pathOfViewKey('actual', e.key)!);
      for (const e of snapshot.listRaw(keys.observedPrefix))
        due.add(pathOfViewKey('observed', e.key)!);
    } else {
      for (const key of changes) {
        const path = pathOfViewKey('actual', key);
        if (path !== undefined) due.add(path);
      }
    }
    this.run = run;
    for (const path of this.wheel.takeDue(tick)) due.add(path);
    const writes: Op[] = [];
    const decisions: Decision[] = [];
    for (const path of [...due].sort()) {
      await slicer.pause();
      const observation = this.observe(snapshot, tick, path);
      if (observation.wake !== undefined && observation.wake > tick)
        this.wheel.schedule(observation.wake, path);
      else this.wheel.cancel(path);
      const key = viewKey('observed', path);
      if (observation.next === null) writes.push(op.delete(key));
      else if (
        observation.next !== undefined &&
        snapshot.getRaw(key)?.value !== encode(ObservedRecord, observation.next)
      ) {
        writes.push(op.put(ObservedRecord, key, observation.next));
        const decision = transition(
          tick,
          path,
          read(snapshot, ObservedRecord, key),
          observation.next,
        );
        if (decision !== undefined) decisions.push(decision);
      }
    }
    return { writes, decisions, nextWakeup: this.wheel.next() ?? null };
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

const isTrouble = (state: ObservedState): boolean =>
  state === ObservedState.OBSERVED_STATE_SUSPECT || state === ObservedState.OBSERVED_STATE_FAILED;

// No record before reads `unspecified`, as the trace log has always said.
const stateWord = (state: ObservedState): string =>
  state === ObservedState.OBSERVED_STATE_UNSPECIFIED
    ? 'unspecified'
    : wordOf(ObservedState[state] ?? '');
