// Instances where the hardware is (DESIGN §4b): an instance placed on a
// blade runs there as the blade lets it. One instance at one tick, as a pure
// function of its placement, its instance record, its actual record and its
// blade's state as this tick leaves it.
import type { TickRange } from '@chamber/config';
import {
  BladeState,
  InstanceState,
  type BladeActual,
  type InstanceActual,
  type InstanceRecord,
} from '@chamber/protos';
import { randomStream } from '@chamber/sim';
import { instanceName } from '@chamber/world';

/** How long instances take to start and stop, each drawn (seeded) from a range of ticks. */
export interface InstanceTimings {
  /** From a placement on a working blade to the instance running (at least 1). */
  readonly instanceStartTicks: TickRange;
  /** From an instance no longer wanted to it stopped (at least 1). */
  readonly instanceStopTicks: TickRange;
}

/** The tick being decided, the run's seed and the instances' timings. */
export interface InstanceContext {
  readonly tick: number;
  readonly seed: number;
  readonly timings: InstanceTimings;
}

/** What the simulator knows of one instance at a tick. */
export interface InstanceAtTick {
  readonly workload: string;
  readonly n: number;
  /** The blade its placement binds it to; `undefined`: it has no placement (any more). */
  readonly placedOn: string | undefined;
  /** Its instance record; `undefined` once the manager deleted it. */
  readonly instance: InstanceRecord | undefined;
  /** Its actual record as of the snapshot, if any. */
  readonly actual: InstanceActual | undefined;
  /**
   * Its blade as this tick leaves it (after the blade's own evaluation);
   * `undefined` when the blade is not defined.
   */
  readonly blade: BladeActual | undefined;
}

/** What happens to an instance at a tick. */
export interface InstanceOutcome {
  /** Its next actual record; `undefined`: unchanged; `null`: deleted. */
  readonly next?: InstanceActual | null;
  /** The tick its current state ends on its own (starting, stopping), to be woken at. */
  readonly wake?: number;
}

/** A delay for the instance `name`, drawn from `range` (at least 1 tick). */
function draw(
  c: InstanceContext,
  name: string,
  purpose: 'start' | 'stop',
  range: TickRange,
): number {
  const min = Math.max(1, range[0]);
  return randomStream(c.seed, name, c.tick, purpose).int(min, Math.max(min, range[1]));
}

/** Whether instances can run on `blade`: only a working blade runs them. */
export function isBladeWorking(blade: BladeActual | undefined): boolean {
  return blade?.state === BladeState.BLADE_STATE_WORKING;
}

const bladeFindings: Readonly<Partial<Record<BladeState, string>>> = {
  [BladeState.BLADE_STATE_CRASHED]: 'crashed',
  [BladeState.BLADE_STATE_HUNG]: 'hung',
  [BladeState.BLADE_STATE_FAILED]: 'failed',
  [BladeState.BLADE_STATE_OFF]: 'is off',
  [BladeState.BLADE_STATE_STOPPING]: 'is shutting down',
  [BladeState.BLADE_STATE_ISOLATED]: 'is cut off from the network',
  [BladeState.BLADE_STATE_POWERED]: 'is starting up',
  [BladeState.BLADE_STATE_BOOTING]: 'is booting',
};

/**
 * Why a blade runs no instance, in words naming it: `blade r/z1/rack1/blade/3
 * crashed (fault f7-1)`, `blade … is off: no power: pdu … is off`.
 */
export function bladeLoss(path: string, blade: BladeActual | undefined): string {
  if (blade === undefined) return `blade ${path} is no longer defined`;
  const finding = bladeFindings[blade.state] ?? 'is not working';
  const detail = blade.reason;
  if (detail === '') return `blade ${path} ${finding}`;
  // A blade's own reason often says it already ("crashed (fault f1)").
  return detail.startsWith(finding)
    ? `blade ${path} ${detail}`
    : `blade ${path} ${finding}: ${detail}`;
}

const record = (
  state: InstanceState,
  blade: string,
  sinceTick: number,
  reason: string,
  dueTick = 0,
): InstanceActual => ({ state, blade, sinceTick, dueTick, reason });

/** Why the instance is wanted no more, in words. */
function stopReason(instance: InstanceRecord | undefined): string {
  if (instance === undefined) return 'its instance record is gone';
  return instance.stopReason === '' ? 'no longer wanted' : instance.stopReason;
}

/**
 * One instance at `c.tick`:
 * - a placement with no actual record (or one on another blade) starts it:
 *   `starting` on a working blade, due after a seeded draw of
 *   `instanceStartTicks`; `lost` at once on a blade that is not working;
 *   `stopped` at once when it is no longer wanted;
 * - `starting` → `running` when due, its blade still working;
 * - its blade stops working → `starting`/`running` → `lost`, naming the
 *   blade and why; a lost instance stays lost (its process is gone);
 * - no longer wanted (`wanted: false`, or its record deleted) →
 *   `starting`/`running` → `stopping` (a draw of `instanceStopTicks`) →
 *   `stopped`; `lost` (or its blade gone under a `stopping` one) → `stopped`
 *   at once;
 * - its placement deleted → its actual record deleted.
 * Evaluating an instance with nothing new changes nothing, so an instance
 * may be evaluated whenever anything about it may have changed.
 */
export function evaluateInstance(c: InstanceContext, i: InstanceAtTick): InstanceOutcome {
  const { tick } = c;
  const { actual, placedOn } = i;
  if (placedOn === undefined) return actual === undefined ? {} : { next: null };
  const name = instanceName(i.workload, i.n);
  const isWanted = i.instance?.wanted === true;
  const isWorking = isBladeWorking(i.blade);
  const change = (next: InstanceActual): InstanceOutcome => ({
    next,
    ...(next.dueTick > tick ? { wake: next.dueTick } : {}),
  });

  if (actual === undefined || actual.blade !== placedOn) {
    if (!isWanted)
      return change(
        record(
          InstanceState.INSTANCE_STATE_STOPPED,
          placedOn,
          tick,
          `stopped before it started: ${stopReason(i.instance)}`,
        ),
      );
    if (!isWorking)
      return change(
        record(
          InstanceState.INSTANCE_STATE_LOST,
          placedOn,
          tick,
          `placed, but ${bladeLoss(placedOn, i.blade)}`,
        ),
      );
    const due = tick + draw(c, name, 'start', c.timings.instanceStartTicks);
    return change(
      record(
        InstanceState.INSTANCE_STATE_STARTING,
        placedOn,
        tick,
        i.instance?.image
          ? `starting ${i.instance.image} on ${placedOn}`
          : `starting on ${placedOn}`,
        due,
      ),
    );
  }

  const waitDue = (): InstanceOutcome => (actual.dueTick > tick ? { wake: actual.dueTick } : {});
  switch (actual.state) {
    case InstanceState.INSTANCE_STATE_STARTING:
    case InstanceState.INSTANCE_STATE_RUNNING: {
      if (!isWanted) {
        if (!isWorking)
          return change(
            record(
              InstanceState.INSTANCE_STATE_STOPPED,
              placedOn,
              tick,
              `stopped (${stopReason(i.instance)}): ${bladeLoss(placedOn, i.blade)}`,
            ),
          );
        const due = tick + draw(c, name, 'stop', c.timings.instanceStopTicks);
        return change(
          record(
            InstanceState.INSTANCE_STATE_STOPPING,
            placedOn,
            tick,
            `stopping: ${stopReason(i.instance)}`,
            due,
          ),
        );
      }
      if (!isWorking)
        return change(
          record(InstanceState.INSTANCE_STATE_LOST, placedOn, tick, bladeLoss(placedOn, i.blade)),
        );
      if (actual.state === InstanceState.INSTANCE_STATE_STARTING) {
        if (actual.dueTick > tick) return waitDue();
        return change(
          record(InstanceState.INSTANCE_STATE_RUNNING, placedOn, tick, `running on ${placedOn}`),
        );
      }
      return {};
    }
    case InstanceState.INSTANCE_STATE_STOPPING:
      if (!isWorking)
        return change(
          record(
            InstanceState.INSTANCE_STATE_STOPPED,
            placedOn,
            tick,
            `stopped while stopping: ${bladeLoss(placedOn, i.blade)}`,
          ),
        );
      if (actual.dueTick > tick) return waitDue();
      return change(
        record(
          InstanceState.INSTANCE_STATE_STOPPED,
          placedOn,
          tick,
          `stopped: ${stopReason(i.instance)}`,
        ),
      );
    case InstanceState.INSTANCE_STATE_LOST:
      if (isWanted) return {};
      return change(
        record(
          InstanceState.INSTANCE_STATE_STOPPED,
          placedOn,
          tick,
          `stopped (${stopReason(i.instance)}); it was lost: ${actual.reason}`,
        ),
      );
    default:
      return {};
  }
}
