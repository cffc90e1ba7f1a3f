import { describe, expect, it } from 'vitest';
import { instanceHealth, instanceState, type InstanceParts } from './instances.js';

const intent = { isWanted: true, createdTick: 10 };
const none: InstanceParts = {
  intent,
  isPlaced: false,
  actual: undefined,
  observed: undefined,
};

describe('instanceState', () => {
  it('is pending before a placement, placed with one, then the actual state', () => {
    expect(instanceState(none)).toBe('pending');
    expect(instanceState({ ...none, isPlaced: true })).toBe('placed');
    const running = { sinceTick: 12, wire: 'INSTANCE_STATE_RUNNING' };
    expect(instanceState({ ...none, isPlaced: true, actual: running })).toBe('running');
    // Lost: the placement may already be gone; the actual state still says what happened.
    const lost = { sinceTick: 14, wire: 'INSTANCE_STATE_LOST' };
    expect(instanceState({ ...none, actual: lost })).toBe('lost');
  });

  it('ignores records older than the instance (an earlier instance of the same name)', () => {
    const stale = { sinceTick: 9, wire: 'INSTANCE_STATE_STOPPED' };
    expect(instanceState({ ...none, isPlaced: true, actual: stale })).toBe('placed');
    expect(
      instanceHealth({ ...none, observed: { sinceTick: 9, wire: 'INSTANCE_HEALTH_RUNNING' } }),
    ).toBeUndefined();
  });

  it('has no state or health without an intent', () => {
    const orphan = { ...none, intent: undefined, isPlaced: true };
    expect(instanceState(orphan)).toBeUndefined();
    expect(
      instanceHealth({ ...orphan, observed: { sinceTick: 11, wire: 'INSTANCE_HEALTH_FAILED' } }),
    ).toBeUndefined();
  });
});

describe('instanceHealth', () => {
  it("is the monitor's word once it has observed the instance", () => {
    expect(instanceHealth(none)).toBeUndefined();
    const failed = { sinceTick: 15, wire: 'INSTANCE_HEALTH_FAILED' };
    expect(instanceHealth({ ...none, observed: failed })).toBe('failed');
  });
});
