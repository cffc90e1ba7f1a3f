import { Code } from '@chamber/errors';
import { Policy, type ControlRecord } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { afterReset, requestReset, runUntil, setPolicy, step } from './control.js';

const manual: ControlRecord = { policy: Policy.POLICY_MANUAL, rate: 1, epoch: 3 };

describe('control changes', () => {
  it('increments the epoch on every policy change and clears the target', () => {
    const next = setPolicy({ ...manual, until: 9 }, { policy: Policy.POLICY_NO_WAIT, rate: 0 });
    expect(next).toMatchObject({
      policy: Policy.POLICY_NO_WAIT,
      epoch: 4,
      until: undefined,
      rate: 1,
    });
  });

  it('refuses a stale epoch, naming the current one', () => {
    expect(() =>
      setPolicy(manual, { policy: Policy.POLICY_PAUSED, rate: 0, matchEpoch: 2 }),
    ).toThrow(expect.objectContaining({ code: Code.Aborted, details: { epoch: 3 } }));
    expect(setPolicy(manual, { policy: Policy.POLICY_PAUSED, rate: 0, matchEpoch: 3 }).epoch).toBe(
      4,
    );
  });

  it('requires a sane rate for measured and a real policy', () => {
    expect(() => setPolicy(manual, { policy: Policy.POLICY_MEASURED, rate: 0 })).toThrow(
      /rate must be/,
    );
    expect(() => setPolicy(manual, { policy: Policy.POLICY_MEASURED, rate: Number.NaN })).toThrow(
      /rate must be/,
    );
    expect(setPolicy(manual, { policy: Policy.POLICY_MEASURED, rate: 50 }).rate).toBe(50);
    expect(() => setPolicy(manual, { policy: Policy.POLICY_UNSPECIFIED, rate: 0 })).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument }),
    );
  });

  it('adds steps to the current target so concurrent steps add up', () => {
    expect(step(manual, 10, 5).until).toBe(15);
    expect(step({ ...manual, until: 15 }, 12, 5).until).toBe(20);
    expect(() => step(manual, 10, 0)).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument }),
    );
    expect(() => step({ ...manual, policy: Policy.POLICY_MEASURED }, 10, 1)).toThrow(
      expect.objectContaining({ code: Code.FailedPrecondition }),
    );
  });

  it('advances manual clocks to RunUntil without lowering a step target, and bounds running ones', () => {
    expect(runUntil({ ...manual, until: 30 }, 10, 20).until).toBe(30);
    expect(runUntil({ ...manual, policy: Policy.POLICY_NO_WAIT, until: 30 }, 10, 20).until).toBe(
      20,
    );
  });

  it('resets to paused with a new epoch', () => {
    expect(requestReset(manual, 7).reset).toEqual({ seed: 7 });
    expect(afterReset({ ...manual, until: 4, reset: { seed: 7 } })).toEqual({
      policy: Policy.POLICY_PAUSED,
      rate: 1,
      epoch: 4,
    });
  });
});
