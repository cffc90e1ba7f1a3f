import {
  InstanceHealth,
  InstanceState,
  ObservedState,
  type InstanceActual,
  type InstanceObserved,
  type ObservedRecord,
} from '@chamber/protos';
import { enumTypes, fromWire } from '@chamber/world';

/** What the monitor decides for one instance at a tick. */
export interface InstanceObservation {
  /** The record to write; `undefined`: keep what is stored; `null`: delete it. */
  readonly next?: InstanceObserved | null;
}

/** What each actual state of an instance is believed to be, while its blade is heard from. */
const healthOf: Readonly<Partial<Record<InstanceState, InstanceHealth>>> = {
  [InstanceState.INSTANCE_STATE_STARTING]: InstanceHealth.INSTANCE_HEALTH_STARTING,
  [InstanceState.INSTANCE_STATE_RUNNING]: InstanceHealth.INSTANCE_HEALTH_RUNNING,
  // Still serving until it has stopped.
  [InstanceState.INSTANCE_STATE_STOPPING]: InstanceHealth.INSTANCE_HEALTH_RUNNING,
  [InstanceState.INSTANCE_STATE_LOST]: InstanceHealth.INSTANCE_HEALTH_FAILED,
  [InstanceState.INSTANCE_STATE_STOPPED]: InstanceHealth.INSTANCE_HEALTH_STOPPED,
};

const stateWord = (state: InstanceState): string =>
  fromWire(enumTypes.instanceState, InstanceState[state] ?? '') ?? 'not set';

/** Whether the control plane has stopped hearing from a blade: observed suspect or failed. */
export function isBladeSilent(blade: ObservedRecord | undefined): boolean {
  return (
    blade?.state === ObservedState.OBSERVED_STATE_SUSPECT ||
    blade?.state === ObservedState.OBSERVED_STATE_FAILED
  );
}

/** What the monitor knows of an instance's blade at a tick. */
export interface InstanceBlade {
  /** Its observation as this tick leaves it. */
  readonly observed: ObservedRecord | undefined;
  /** Whether it sent its heartbeat (working as of the snapshot): the instance is heard through it. */
  readonly isHeard: boolean;
}

/**
 * An instance as the control plane sees it at `tick`, from its actual record
 * as of the snapshot (the state at `tick - 1`, so seen the tick after it
 * changes, like a device's) and its blade. An instance is heard through its
 * blade's heartbeat: while its blade is observed suspect or failed the
 * instance is `failed` (nothing is heard from it); while its blade is silent
 * but not yet suspect, nothing new is heard and the last belief stands;
 * otherwise its actual state is believed (`starting`; `running` and
 * `stopping` → running; `lost` → failed; `stopped`). So an instance lost with
 * its blade is observed failed when the blade is, after the monitor's
 * thresholds. Its record goes when its actual record goes. Only changes are
 * written.
 */
export function observeInstance(
  tick: number,
  actual: InstanceActual | undefined,
  current: InstanceObserved | undefined,
  blade: InstanceBlade,
): InstanceObservation {
  if (actual === undefined) return current === undefined ? {} : { next: null };
  let health: InstanceHealth;
  let reason: string;
  const observed = blade.observed;
  if (observed !== undefined && isBladeSilent(observed)) {
    health = InstanceHealth.INSTANCE_HEALTH_FAILED;
    reason =
      observed.lastHeartbeatTick !== 0
        ? `its blade ${actual.blade} is not heard from since tick ${observed.lastHeartbeatTick}`
        : `its blade ${actual.blade} is observed failed since tick ${observed.sinceTick}`;
  } else if (!blade.isHeard) {
    return {};
  } else {
    health = healthOf[actual.state] ?? InstanceHealth.INSTANCE_HEALTH_FAILED;
    const word = stateWord(actual.state);
    reason =
      actual.state === InstanceState.INSTANCE_STATE_LOST
        ? `reports ${word}: ${actual.reason}`
        : `reports ${word}`;
  }
  if (current?.health === health && current.reason === reason && current.blade === actual.blade)
    return {};
  return {
    next: {
      health,
      blade: actual.blade,
      sinceTick: current?.health === health ? current.sinceTick : tick,
      reason,
    },
  };
}
