import { StepAction, type PlanStep } from '@chamber/protos';

/** What a policy is told about an element found unhealthy. */
export interface Finding {
  readonly path: string;
  readonly kind: 'pdu' | 'tor' | 'blade';
}

/**
 * Chooses the plan that repairs an element. Pluggable: the repair manager
 * runs whatever plan its policy returns, step by step.
 */
export interface RepairPolicy {
  readonly name: string;
  /** The steps to try, in order; an empty plan escalates at once. */
  plan(finding: Finding): PlanStep[];
}

/** Knobs of the {@link defaultPolicy}. */
export interface DefaultPolicyOptions {
  /** Power-cycles to try on an unreachable blade before reimaging it. */
  readonly powerCycles: number;
  /** Ticks a technician takes to arrive for a replacement. */
  readonly technicianTicks: number;
}

/**
 * The default policy: an unreachable blade is power-cycled, then reimaged,
 * then its hardware replaced after a technician's delay; a failed PDU or TOR
 * is replaced.
 */
export function defaultPolicy(options: DefaultPolicyOptions): RepairPolicy {
  const replace: PlanStep = {
    action: StepAction.STEP_ACTION_REPLACE,
    maxAttempts: 1,
    delayTicks: options.technicianTicks,
  };
  return {
    name: 'default',
    plan: (finding) =>
      finding.kind === 'blade'
        ? [
            {
              action: StepAction.STEP_ACTION_POWER_CYCLE,
              maxAttempts: options.powerCycles,
              delayTicks: 0,
            },
            { action: StepAction.STEP_ACTION_REIMAGE, maxAttempts: 1, delayTicks: 0 },
            replace,
          ]
        : [replace],
  };
}

/** `STEP_ACTION_POWER_CYCLE` -> `power-cycle`. */
export function stepWord(action: StepAction): string {
  return (StepAction[action] ?? String(action))
    .replace('STEP_ACTION_', '')
    .toLowerCase()
    .replace('_', '-');
}
