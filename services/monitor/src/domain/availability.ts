import {
  InstanceHealth,
  InstanceState,
  WorkloadPhase,
  type AvailabilitySample,
  type InstanceActual,
  type InstanceObserved,
  type WorkloadRecord,
} from '@chamber/protos';

/** A workload's availability at a tick: what is desired, what runs, what is believed to run. */
export interface AvailabilityCounts {
  /** The spec's instance count; 0 while the workload is deleted (deleting) or gone. */
  readonly desired: number;
  /** Its instances whose actual state is `running`. */
  readonly running: number;
  /** Its instances observed `running` (the monitor's belief). */
  readonly observedRunning: number;
}

/** Nothing desired, nothing running: before a workload's first sample. */
export const noAvailability: AvailabilityCounts = { desired: 0, running: 0, observedRunning: 0 };

/**
 * A workload's counts from its record (absent: gone) and its instances'
 * actual and observed records. An instance stopping still serves, so it is
 * believed running (InstanceHealth), but it is not running in truth.
 */
export function countAvailability(
  workload: WorkloadRecord | undefined,
  actual: Iterable<InstanceActual>,
  observed: Iterable<InstanceObserved>,
): AvailabilityCounts {
  const desired =
    workload === undefined || workload.phase === WorkloadPhase.WORKLOAD_PHASE_DELETING
      ? 0
      : (workload.spec?.instances ?? 0);
  let running = 0;
  for (const a of actual) if (a.state === InstanceState.INSTANCE_STATE_RUNNING) running++;
  let observedRunning = 0;
  for (const o of observed)
    if (o.health === InstanceHealth.INSTANCE_HEALTH_RUNNING) observedRunning++;
  return { desired, running, observedRunning };
}

/**
 * The sample to write for `workload` at `tick` (`availability/<workload>/<tick>`),
 * or `undefined` when its counts are those of its previous sample (`last`;
 * absent: it has none, which reads as nothing desired or running). So a
 * quiet workload writes nothing, and a deleted one writes one last sample
 * with desired 0 and none after it.
 */
export function sampleAvailability(
  workload: string,
  tick: number,
  counts: AvailabilityCounts,
  last: AvailabilityCounts | undefined,
): AvailabilitySample | undefined {
  const before = last ?? noAvailability;
  if (
    before.desired === counts.desired &&
    before.running === counts.running &&
    before.observedRunning === counts.observedRunning
  )
    return undefined;
  return {
    workload,
    tick,
    desired: counts.desired,
    running: counts.running,
    observedRunning: counts.observedRunning,
  };
}
