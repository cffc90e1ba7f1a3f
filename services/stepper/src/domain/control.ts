import { ChamberError, Code } from '@chamber/errors';
import { Policy, policyToJSON, type ControlRecord } from '@chamber/protos';

/** The highest rate accepted for the measured policy (ticks per second). */
export const maxRate = 10_000;

/**
 * The control record after SetPolicy. Fails with `Aborted` (changing
 * nothing) when `matchEpoch` is given and the epoch moved, `InvalidArgument`
 * for an unspecified policy or a measured rate that is not in (0, maxRate].
 * Increments the epoch and cancels pending steps and bounds.
 */
export function setPolicy(
  control: ControlRecord,
  request: { policy: Policy; rate: number; matchEpoch?: number | undefined },
): ControlRecord {
  if (request.matchEpoch !== undefined && request.matchEpoch !== control.epoch) {
    throw new ChamberError(
      Code.Aborted,
      `the clock's epoch is ${control.epoch}, not ${request.matchEpoch}: it changed since you read it`,
      { details: { epoch: control.epoch } },
    );
  }
  if (
    !(request.policy in Policy) ||
    request.policy === Policy.POLICY_UNSPECIFIED ||
    request.policy === Policy.UNRECOGNIZED
  ) {
    throw new ChamberError(
      Code.InvalidArgument,
      'policy must be one of paused, manual, measured, no_wait',
    );
  }
  let rate = control.rate;
  if (request.policy === Policy.POLICY_MEASURED) {
    if (!Number.isFinite(request.rate) || request.rate <= 0 || request.rate > maxRate) {
      throw new ChamberError(
        Code.InvalidArgument,
        `rate must be a number of ticks per second above 0 and at most ${maxRate} for the measured policy, got ${request.rate}`,
      );
    }
    rate = request.rate;
  }
  return {
    policy: request.policy,
    rate,
    epoch: control.epoch + 1,
    until: undefined,
    reset: control.reset,
  };
}

/**
 * The control record after Step(n) at published tick `tick`: the target
 * moves n ticks past the current target (so concurrent steps add up). Fails
 * with `FailedPrecondition` unless the policy is manual or paused, and
 * `InvalidArgument` unless n is a whole number from 1 to 1,000,000,000.
 */
export function step(control: ControlRecord, tick: number, ticks: number): ControlRecord {
  if (!Number.isSafeInteger(ticks) || ticks < 1 || ticks > 1_000_000_000) {
    throw new ChamberError(
      Code.InvalidArgument,
      `ticks must be a whole number from 1 to 1000000000, got ${ticks}`,
    );
  }
  if (control.policy !== Policy.POLICY_MANUAL && control.policy !== Policy.POLICY_PAUSED) {
    throw new ChamberError(
      Code.FailedPrecondition,
      `cannot step while the clock runs under the ${policyName(control.policy)} policy: set it to manual first`,
    );
  }
  return { ...control, until: Math.max(control.until ?? tick, tick) + ticks };
}

/**
 * The control record after RunUntil(target) at published tick `tick`: manual
 * and paused advance to it (never lowering a further step target); measured
 * and no_wait are bounded by it.
 */
export function runUntil(control: ControlRecord, tick: number, target: number): ControlRecord {
  if (!Number.isSafeInteger(target) || target < 0) {
    throw new ChamberError(Code.InvalidArgument, `tick must be a whole number, got ${target}`);
  }
  const isStepping =
    control.policy === Policy.POLICY_MANUAL || control.policy === Policy.POLICY_PAUSED;
  const until = isStepping ? Math.max(control.until ?? tick, target) : target;
  return { ...control, until };
}

/** The control record asking the leader for a reset to a fresh run with `seed`. */
export function requestReset(control: ControlRecord, seed: number): ControlRecord {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ChamberError(
      Code.InvalidArgument,
      `seed must be a non-negative whole number, got ${seed}`,
    );
  }
  return { ...control, reset: { seed } };
}

/** The control record of a fresh run: paused, epoch incremented, nothing pending. */
export function afterReset(control: ControlRecord): ControlRecord {
  return { policy: Policy.POLICY_PAUSED, rate: control.rate, epoch: control.epoch + 1 };
}

/** `no_wait`, `manual`, … */
export function policyName(policy: Policy): string {
  return policyToJSON(policy)
    .replace(/^POLICY_/, '')
    .toLowerCase();
}
