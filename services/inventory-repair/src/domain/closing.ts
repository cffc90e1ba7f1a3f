import {
  ObservedState,
  RepairStatus,
  type ObservedRecord,
  type RepairRecord,
} from '@chamber/protos';
import { stepWord } from './policy.js';

/** Why a repair was opened (`RepairRecord.purpose`). */
export const purposes = {
  /** The target says in service and powered; observed says failed. */
  repair: 'repair',
  /** Planned maintenance: the target no longer wants it running. */
  powerDown: 'power-down',
  /** Back in service after a power-down: switched on first. */
  powerUp: 'power-up',
} as const;

/** The history outcome of a step issued as a command. */
export const issuedOutcome = 'issued';

/** Whether the repair reached what it is for, as observed: healthy, or (a power-down) off. */
export function isDone(r: RepairRecord, observed: ObservedRecord | undefined): boolean {
  if (observed === undefined) return false;
  return r.purpose === purposes.powerDown
    ? observed.state === ObservedState.OBSERVED_STATE_FAILED
    : observed.state === ObservedState.OBSERVED_STATE_HEALTHY;
}

/** How a repair that is done ({@link isDone}) closes: its status, history outcome and reason. */
export interface Closing {
  readonly status: RepairStatus;
  readonly outcome: string;
  readonly reason: string;
}

/**
 * How a done repair closes. A power-down succeeds once the element is
 * observed off. A repair or power-up succeeds when the element is observed
 * healthy after a step it issued; healthy again before any step was issued
 * (its fault ended while the repair waited for its turn or a technician),
 * the element recovered on its own: `recovered`, never `succeeded`, since
 * the repair did nothing.
 */
export function closing(r: RepairRecord, kind: string, observed: ObservedRecord): Closing {
  if (r.purpose === purposes.powerDown) {
    return {
      status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
      outcome: 'healthy',
      reason: `${kind} ${r.target} is powered down for maintenance (observed failed since tick ${observed.sinceTick}: ${observed.reason})`,
    };
  }
  const healthy = `${kind} ${r.target} observed healthy again since tick ${observed.sinceTick}`;
  const issued = r.history.filter((e) => e.outcome === issuedOutcome).at(-1);
  if (issued === undefined) {
    return {
      status: RepairStatus.REPAIR_STATUS_RECOVERED,
      outcome: 'recovered',
      reason: `${healthy} before any step was taken: it recovered on its own`,
    };
  }
  const step = r.plan[r.currentStep];
  // Attempts count the current step's tries; with none yet, the step that
  // helped was an earlier one.
  const attempt =
    r.attempts > 0 && step !== undefined
      ? `${stepWord(step.action)} (attempt ${r.attempts} of ${step.maxAttempts})`
      : `${stepWord(issued.action)} (command ${issued.commandId})`;
  return {
    status: RepairStatus.REPAIR_STATUS_SUCCEEDED,
    outcome: 'healthy',
    reason: `${healthy}, after ${attempt}`,
  };
}
