import { Policy } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { nextTick, type NextTickInput } from './next-tick.js';

const base: NextTickInput = {
  policy: Policy.POLICY_NO_WAIT,
  rate: 1,
  until: undefined,
  tick: 10,
  wakeups: [11],
  pendingInputs: [],
  lastPublishMs: undefined,
};

describe('nextTick', () => {
  it('rests when paused or manual with no step target, or at the target', () => {
    expect(nextTick({ ...base, policy: Policy.POLICY_PAUSED })).toEqual({ kind: 'rest' });
    expect(nextTick({ ...base, policy: Policy.POLICY_MANUAL })).toEqual({ kind: 'rest' });
    expect(nextTick({ ...base, policy: Policy.POLICY_MANUAL, until: 10 })).toEqual({
      kind: 'rest',
    });
  });

  it('steps towards the target, skipping ticks where nothing is due', () => {
    expect(nextTick({ ...base, policy: Policy.POLICY_MANUAL, until: 15 })).toEqual({
      kind: 'publish',
      tick: 11,
    });
    expect(
      nextTick({ ...base, policy: Policy.POLICY_MANUAL, until: 15, wakeups: [undefined] }),
    ).toEqual({ kind: 'publish', tick: 15 });
    expect(
      nextTick({ ...base, policy: Policy.POLICY_PAUSED, until: 15, wakeups: [40, 13] }),
    ).toEqual({ kind: 'publish', tick: 13 });
  });

  it('under no_wait jumps to the earliest wake-up, pending input or bound, never past any', () => {
    expect(nextTick({ ...base, wakeups: [500, undefined, 90] })).toEqual({
      kind: 'publish',
      tick: 90,
    });
    expect(nextTick({ ...base, wakeups: [500], pendingInputs: [42] })).toEqual({
      kind: 'publish',
      tick: 42,
    });
    expect(nextTick({ ...base, wakeups: [500], until: 200 })).toEqual({
      kind: 'publish',
      tick: 200,
    });
    expect(nextTick({ ...base, wakeups: [undefined], until: 1_000_000 })).toEqual({
      kind: 'publish',
      tick: 1_000_000,
    });
    // A pending input already past is not a reason to wake; a wake-up in the past means "next tick".
    expect(nextTick({ ...base, wakeups: [undefined], pendingInputs: [3] })).toEqual({
      kind: 'rest',
    });
    expect(nextTick({ ...base, wakeups: [4] })).toEqual({ kind: 'publish', tick: 11 });
  });

  it('rests under no_wait with nothing due and no bound', () => {
    expect(nextTick({ ...base, wakeups: [undefined, undefined] })).toEqual({ kind: 'rest' });
    expect(nextTick({ ...base, wakeups: [] })).toEqual({ kind: 'rest' });
  });

  it('paces measured ticks at 1/rate after the previous publish, without skipping', () => {
    expect(
      nextTick({ ...base, policy: Policy.POLICY_MEASURED, rate: 4, wakeups: [undefined] }),
    ).toEqual({ kind: 'publish', tick: 11 });
    expect(
      nextTick({ ...base, policy: Policy.POLICY_MEASURED, rate: 4, lastPublishMs: 1000 }),
    ).toEqual({ kind: 'publish', tick: 11, atMs: 1250 });
    expect(nextTick({ ...base, policy: Policy.POLICY_MEASURED, until: 10 })).toEqual({
      kind: 'rest',
    });
  });
});
