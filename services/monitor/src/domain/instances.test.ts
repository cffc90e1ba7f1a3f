import {
  InstanceHealth,
  InstanceState,
  ObservedState,
  type InstanceActual,
  type InstanceObserved,
  type ObservedRecord,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { observeInstance } from './instances.js';

// One instance as the control plane sees it, with no store.

const blade = 'r/z1/rack1/blade/3';
const actual = (state: InstanceState, reason = ''): InstanceActual => ({
  state,
  blade,
  sinceTick: 9,
  dueTick: 0,
  reason,
});
const bladeObserved = (state: ObservedState, lastHeartbeatTick = 0): ObservedRecord => ({
  state,
  sinceTick: 11,
  reason: 'as observed',
  lastHeartbeatTick,
});
const healthy = { observed: bladeObserved(ObservedState.OBSERVED_STATE_HEALTHY), isHeard: true };
const silent = (observed: ObservedRecord) => ({ observed, isHeard: false });

describe('an instance as the monitor sees it', () => {
  it('believes the actual state while its blade is heard from', () => {
    const cases: Array<[InstanceState, InstanceHealth, string]> = [
      [
        InstanceState.INSTANCE_STATE_STARTING,
        InstanceHealth.INSTANCE_HEALTH_STARTING,
        'reports starting',
      ],
      [
        InstanceState.INSTANCE_STATE_RUNNING,
        InstanceHealth.INSTANCE_HEALTH_RUNNING,
        'reports running',
      ],
      [
        InstanceState.INSTANCE_STATE_STOPPING,
        InstanceHealth.INSTANCE_HEALTH_RUNNING,
        'reports stopping',
      ],
      [
        InstanceState.INSTANCE_STATE_STOPPED,
        InstanceHealth.INSTANCE_HEALTH_STOPPED,
        'reports stopped',
      ],
    ];
    for (const [state, health, reason] of cases) {
      expect(observeInstance(10, actual(state), undefined, healthy)).toEqual({
        next: { health, blade, sinceTick: 10, reason },
      });
    }
    expect(
      observeInstance(
        10,
        actual(InstanceState.INSTANCE_STATE_LOST, `blade ${blade} crashed`),
        undefined,
        healthy,
      ),
    ).toEqual({
      next: {
        health: InstanceHealth.INSTANCE_HEALTH_FAILED,
        blade,
        sinceTick: 10,
        reason: `reports lost: blade ${blade} crashed`,
      },
    });
  });

  it('is failed while its blade is observed suspect or failed, naming the blade and its silence', () => {
    const running = actual(InstanceState.INSTANCE_STATE_RUNNING);
    for (const state of [
      ObservedState.OBSERVED_STATE_SUSPECT,
      ObservedState.OBSERVED_STATE_FAILED,
    ]) {
      expect(observeInstance(12, running, undefined, silent(bladeObserved(state, 6)))).toEqual({
        next: {
          health: InstanceHealth.INSTANCE_HEALTH_FAILED,
          blade,
          sinceTick: 12,
          reason: `its blade ${blade} is not heard from since tick 6`,
        },
      });
    }
    // A blade never heard from.
    expect(
      observeInstance(
        12,
        running,
        undefined,
        silent(bladeObserved(ObservedState.OBSERVED_STATE_FAILED)),
      ).next,
    ).toMatchObject({ reason: `its blade ${blade} is observed failed since tick 11` });
  });

  it('writes only changes, keeps its since tick while its health holds, and goes with its actual record', () => {
    const running: InstanceObserved = {
      health: InstanceHealth.INSTANCE_HEALTH_RUNNING,
      blade,
      sinceTick: 10,
      reason: 'reports running',
    };
    expect(
      observeInstance(15, actual(InstanceState.INSTANCE_STATE_RUNNING), running, healthy),
    ).toEqual({});
    // Stopping still serves: the same health, a new reason, the same since tick.
    expect(
      observeInstance(15, actual(InstanceState.INSTANCE_STATE_STOPPING), running, healthy).next,
    ).toEqual({ ...running, reason: 'reports stopping' });
    expect(observeInstance(15, undefined, running, healthy)).toEqual({ next: null });
    expect(observeInstance(15, undefined, undefined, healthy)).toEqual({});
    // Its blade not observed yet but heard from: it is believed.
    expect(
      observeInstance(15, actual(InstanceState.INSTANCE_STATE_STOPPED), running, {
        observed: undefined,
        isHeard: true,
      }).next,
    ).toMatchObject({ health: InstanceHealth.INSTANCE_HEALTH_STOPPED });
  });

  it('hears nothing new while its blade is silent but not yet suspect: lost shows when the blade does', () => {
    const running: InstanceObserved = {
      health: InstanceHealth.INSTANCE_HEALTH_RUNNING,
      blade,
      sinceTick: 10,
      reason: 'reports running',
    };
    const lost = actual(InstanceState.INSTANCE_STATE_LOST, `blade ${blade} crashed`);
    const quiet = silent({
      ...bladeObserved(ObservedState.OBSERVED_STATE_HEALTHY),
      lastHeartbeatTick: 11,
    });
    expect(observeInstance(13, lost, running, quiet)).toEqual({});
    expect(observeInstance(13, lost, undefined, quiet)).toEqual({});
    // Its blade back (heard again) before it was suspect: the instance reports lost.
    expect(observeInstance(14, lost, running, healthy).next).toMatchObject({
      health: InstanceHealth.INSTANCE_HEALTH_FAILED,
      sinceTick: 14,
    });
  });
});
