import {
  BladeActual,
  BladeState,
  ObservedState,
  PduActual,
  PduState,
  type ObservedRecord,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { observeBlade, observeDevice } from './observe.js';

const t = { suspectAfter: 2, failedAfter: 4, installGrace: 10 };
const blade = (state: BladeState, sinceTick: number): BladeActual => ({
  ...BladeActual.fromPartial({}),
  state,
  sinceTick,
});
const healthy: ObservedRecord = {
  state: ObservedState.OBSERVED_STATE_HEALTHY,
  sinceTick: 6,
  reason: 'first heartbeat at tick 5',
  lastHeartbeatTick: 0,
};

describe('observing a blade', () => {
  it('writes nothing while heartbeats arrive (no per-tick work)', () => {
    expect(observeBlade(50, blade(BladeState.BLADE_STATE_WORKING, 5), healthy, t)).toEqual({});
  });

  it('notes when heartbeats stop, then turns suspect and failed at their thresholds', () => {
    const crashed = blade(BladeState.BLADE_STATE_CRASHED, 20); // last heartbeat at 19
    const first = observeBlade(21, crashed, healthy, t);
    expect(first).toEqual({
      next: { ...healthy, reason: 'no heartbeat since tick 19', lastHeartbeatTick: 19 },
      wake: 22,
    });
    const suspect = observeBlade(22, crashed, first.next!, t);
    expect(suspect.next).toMatchObject({
      state: ObservedState.OBSERVED_STATE_SUSPECT,
      sinceTick: 22,
    });
    expect(suspect.wake).toBe(24);
    expect(observeBlade(23, crashed, suspect.next!, t)).toEqual({ wake: 24 });
    expect(observeBlade(24, crashed, suspect.next!, t).next).toMatchObject({
      state: ObservedState.OBSERVED_STATE_FAILED,
      sinceTick: 24,
      reason: 'no heartbeat since tick 19 (4 missed); the blade reports nothing (crashed)',
    });
  });

  it('is unknown while it comes up, and failed after the install grace without a first heartbeat', () => {
    const booting = blade(BladeState.BLADE_STATE_BOOTING, 3);
    const unknown = observeBlade(2, blade(BladeState.BLADE_STATE_OFF, 1), undefined, t);
    expect(unknown).toMatchObject({
      next: { state: ObservedState.OBSERVED_STATE_UNKNOWN, sinceTick: 2 },
      wake: 6, // off since its installation: failed at 2 + failedAfter unless it comes up
    });
    expect(observeBlade(4, booting, unknown.next!, t)).toEqual({ wake: 12 });
    expect(observeBlade(12, booting, unknown.next!, t).next).toMatchObject({
      state: ObservedState.OBSERVED_STATE_FAILED,
      sinceTick: 12,
      reason:
        'no first heartbeat in the 10 ticks since it was installed at tick 2; the blade reports nothing (booting)',
    });
    expect(
      observeBlade(8, blade(BladeState.BLADE_STATE_WORKING, 7), unknown.next!, t).next,
    ).toMatchObject({
      state: ObservedState.OBSERVED_STATE_HEALTHY,
      reason: 'first heartbeat at tick 7',
    });
  });

  it('fails a new blade that goes down before its first heartbeat after failedAfter ticks, like a silent one', () => {
    const unknown = observeBlade(2, blade(BladeState.BLADE_STATE_POWERED, 1), undefined, t).next!;
    // Its PDU lost power while it was booting: off since tick 4.
    const off = blade(BladeState.BLADE_STATE_OFF, 4);
    expect(observeBlade(5, off, unknown, t)).toEqual({ wake: 8 });
    expect(observeBlade(7, off, unknown, t)).toEqual({ wake: 8 });
    const failed = observeBlade(8, off, unknown, t).next!;
    expect(failed).toEqual({
      state: ObservedState.OBSERVED_STATE_FAILED,
      sinceTick: 8,
      reason:
        'no first heartbeat since it was installed at tick 2; the blade reports nothing (off) since tick 4, 4 ticks',
      lastHeartbeatTick: 0,
    });
    // Failed until its first heartbeat, however it comes up meanwhile.
    expect(observeBlade(15, blade(BladeState.BLADE_STATE_BOOTING, 14), failed, t)).toEqual({});
    expect(
      observeBlade(19, blade(BladeState.BLADE_STATE_WORKING, 18), failed, t).next,
    ).toMatchObject({
      state: ObservedState.OBSERVED_STATE_HEALTHY,
      sinceTick: 19,
      reason: 'first heartbeat at tick 18',
    });
  });
});

describe('observing a device', () => {
  it('reports its own health, changing only when it changes', () => {
    const on: PduActual = {
      ...PduActual.fromPartial({}),
      state: PduState.PDU_STATE_ON,
      reason: 'on',
    };
    const first = observeDevice(3, on, true, undefined).next!;
    expect(first).toMatchObject({
      state: ObservedState.OBSERVED_STATE_HEALTHY,
      reason: 'reports on',
    });
    expect(observeDevice(9, on, true, first)).toEqual({});
    const off = { ...on, state: PduState.PDU_STATE_OFF, reason: 'power loss (fault f4-1)' };
    expect(observeDevice(10, off, true, first).next).toMatchObject({
      state: ObservedState.OBSERVED_STATE_FAILED,
      sinceTick: 10,
      reason: 'reports off: power loss (fault f4-1)',
    });
  });
});
