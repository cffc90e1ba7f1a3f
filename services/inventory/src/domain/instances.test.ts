import {
  BladeActual,
  BladeState,
  InstanceState,
  type InstanceActual,
  type InstanceRecord,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import {
  bladeLoss,
  evaluateInstance,
  type InstanceAtTick,
  type InstanceContext,
} from './instances.js';

// One instance at one tick, with no store: every rule of an instance's life
// where the hardware is.

const blade = 'r/z1/rack1/blade/3';
const timings: InstanceContext['timings'] = {
  instanceStartTicks: [2, 4],
  instanceStopTicks: [1, 1],
};
const at = (tick: number, seed = 1): InstanceContext => ({ tick, seed, timings });

const bladeIn = (state: BladeState, reason = ''): BladeActual => ({
  ...BladeActual.fromPartial({}),
  state,
  reason,
});
const working = bladeIn(BladeState.BLADE_STATE_WORKING, 'booted img-1');
const crashed = bladeIn(BladeState.BLADE_STATE_CRASHED, 'crashed (fault f7-1)');

const wanted: InstanceRecord = {
  workload: 'web',
  n: 1,
  generation: 1,
  image: 'web-1',
  demand: { cores: 2, memoryGib: 4, diskGib: 10, networkGbps: 0 },
  wanted: true,
  stopReason: '',
  createdTick: 3,
  replaces: '',
};
const unwanted: InstanceRecord = { ...wanted, wanted: false, stopReason: 'scaled down to 0' };

const actual = (state: InstanceState, sinceTick: number, dueTick = 0): InstanceActual => ({
  state,
  blade,
  sinceTick,
  dueTick,
  reason: 'as before',
});

function instance(e: Partial<InstanceAtTick> = {}): InstanceAtTick {
  return {
    workload: 'web',
    n: 1,
    placedOn: blade,
    instance: wanted,
    actual: undefined,
    blade: working,
    ...e,
  };
}

describe('an instance where the hardware is', () => {
  it('starts when placed on a working blade, due after a seeded draw from the start range', () => {
    const outcome = evaluateInstance(at(10), instance());
    const next = outcome.next!;
    expect(next).toMatchObject({
      state: InstanceState.INSTANCE_STATE_STARTING,
      blade,
      sinceTick: 10,
      reason: `starting web-1 on ${blade}`,
    });
    expect(next.dueTick).toBeGreaterThanOrEqual(12);
    expect(next.dueTick).toBeLessThanOrEqual(14);
    expect(outcome.wake).toBe(next.dueTick);
    // The same seed, instance and tick draw the same; the draws spread over the range.
    expect(evaluateInstance(at(10), instance())).toEqual(outcome);
    const dues = new Set(
      Array.from({ length: 40 }, (_, seed) => evaluateInstance(at(10, seed), instance())).map(
        (o) => (o.next as InstanceActual).dueTick,
      ),
    );
    expect([...dues].sort()).toEqual([12, 13, 14]);
  });

  it('is lost at once when placed on a blade that is not working', () => {
    expect(evaluateInstance(at(10), instance({ blade: crashed })).next).toEqual({
      state: InstanceState.INSTANCE_STATE_LOST,
      blade,
      sinceTick: 10,
      dueTick: 0,
      reason: `placed, but blade ${blade} crashed (fault f7-1)`,
    });
  });

  it('runs when its start is due and its blade still works, and waits until then', () => {
    const starting = actual(InstanceState.INSTANCE_STATE_STARTING, 10, 13);
    expect(evaluateInstance(at(12), instance({ actual: starting }))).toEqual({ wake: 13 });
    expect(evaluateInstance(at(13), instance({ actual: starting }))).toEqual({
      next: {
        state: InstanceState.INSTANCE_STATE_RUNNING,
        blade,
        sinceTick: 13,
        dueTick: 0,
        reason: `running on ${blade}`,
      },
    });
    // Running on a working blade: nothing to do.
    const running = actual(InstanceState.INSTANCE_STATE_RUNNING, 13);
    expect(evaluateInstance(at(20), instance({ actual: running }))).toEqual({});
  });

  it('is lost when its blade stops working, saying which blade and why, and stays lost', () => {
    for (const state of [
      InstanceState.INSTANCE_STATE_STARTING,
      InstanceState.INSTANCE_STATE_RUNNING,
    ]) {
      const outcome = evaluateInstance(
        at(20),
        instance({ actual: actual(state, 13, 15), blade: crashed }),
      );
      expect(outcome).toEqual({
        next: {
          state: InstanceState.INSTANCE_STATE_LOST,
          blade,
          sinceTick: 20,
          dueTick: 0,
          reason: `blade ${blade} crashed (fault f7-1)`,
        },
      });
    }
    // The blade works again: the instance's process is gone all the same.
    const lost = actual(InstanceState.INSTANCE_STATE_LOST, 20);
    expect(evaluateInstance(at(30), instance({ actual: lost }))).toEqual({});
  });

  it('says why a blade runs nothing, for every way a blade stops working', () => {
    expect(bladeLoss(blade, bladeIn(BladeState.BLADE_STATE_HUNG, 'hung (fault f2)'))).toBe(
      `blade ${blade} hung (fault f2)`,
    );
    expect(
      bladeLoss(
        blade,
        bladeIn(BladeState.BLADE_STATE_OFF, 'no power: pdu r/z1/rack1/pdu/0 is off'),
      ),
    ).toBe(`blade ${blade} is off: no power: pdu r/z1/rack1/pdu/0 is off`);
    expect(
      bladeLoss(
        blade,
        bladeIn(
          BladeState.BLADE_STATE_ISOLATED,
          'network path down: tor r/z1/rack1/tor/0 is failed',
        ),
      ),
    ).toBe(
      `blade ${blade} is cut off from the network: network path down: tor r/z1/rack1/tor/0 is failed`,
    );
    expect(
      bladeLoss(blade, bladeIn(BladeState.BLADE_STATE_FAILED, 'hardware failure (fault f3)')),
    ).toBe(`blade ${blade} failed: hardware failure (fault f3)`);
    expect(
      bladeLoss(blade, bladeIn(BladeState.BLADE_STATE_STOPPING, 'switched off; shutting down')),
    ).toBe(`blade ${blade} is shutting down: switched off; shutting down`);
    expect(bladeLoss(blade, undefined)).toBe(`blade ${blade} is no longer defined`);
  });

  it('stops when no longer wanted: stopping for the stop range, then stopped', () => {
    const running = actual(InstanceState.INSTANCE_STATE_RUNNING, 13);
    const stopping = evaluateInstance(at(20), instance({ actual: running, instance: unwanted }));
    expect(stopping).toEqual({
      next: {
        state: InstanceState.INSTANCE_STATE_STOPPING,
        blade,
        sinceTick: 20,
        dueTick: 21,
        reason: 'stopping: scaled down to 0',
      },
      wake: 21,
    });
    const next = stopping.next!;
    expect(evaluateInstance(at(21), instance({ actual: next, instance: unwanted }))).toEqual({
      next: {
        state: InstanceState.INSTANCE_STATE_STOPPED,
        blade,
        sinceTick: 21,
        dueTick: 0,
        reason: 'stopped: scaled down to 0',
      },
    });
    // A starting one stops the same way.
    const starting = actual(InstanceState.INSTANCE_STATE_STARTING, 10, 13);
    expect(
      evaluateInstance(at(11), instance({ actual: starting, instance: unwanted })).next,
    ).toMatchObject({ state: InstanceState.INSTANCE_STATE_STOPPING, dueTick: 12 });
    // Its record deleted counts as not wanted.
    expect(
      evaluateInstance(at(11), instance({ actual: running, instance: undefined })).next,
    ).toMatchObject({
      state: InstanceState.INSTANCE_STATE_STOPPING,
      reason: 'stopping: its instance record is gone',
    });
  });

  it('goes from lost to stopped at once when no longer wanted, and stops at once where nothing runs', () => {
    const lost = {
      ...actual(InstanceState.INSTANCE_STATE_LOST, 20),
      reason: `blade ${blade} crashed`,
    };
    expect(evaluateInstance(at(25), instance({ actual: lost, instance: unwanted })).next).toEqual({
      state: InstanceState.INSTANCE_STATE_STOPPED,
      blade,
      sinceTick: 25,
      dueTick: 0,
      reason: `stopped (scaled down to 0); it was lost: blade ${blade} crashed`,
    });
    // Unwanted before it started: stopped, never started.
    expect(evaluateInstance(at(5), instance({ instance: unwanted })).next).toMatchObject({
      state: InstanceState.INSTANCE_STATE_STOPPED,
      reason: 'stopped before it started: scaled down to 0',
    });
    // Stopping on a blade that stops working: nothing is left to stop.
    const stopping = actual(InstanceState.INSTANCE_STATE_STOPPING, 20, 22);
    expect(
      evaluateInstance(at(21), instance({ actual: stopping, instance: unwanted, blade: crashed }))
        .next,
    ).toMatchObject({ state: InstanceState.INSTANCE_STATE_STOPPED, sinceTick: 21 });
    // Stopped stays stopped.
    const stopped = actual(InstanceState.INSTANCE_STATE_STOPPED, 22);
    expect(evaluateInstance(at(30), instance({ actual: stopped, instance: unwanted }))).toEqual({});
  });

  it('deletes its actual record once its placement is deleted', () => {
    const stopped = actual(InstanceState.INSTANCE_STATE_STOPPED, 22);
    expect(evaluateInstance(at(30), instance({ actual: stopped, placedOn: undefined }))).toEqual({
      next: null,
    });
    expect(evaluateInstance(at(30), instance({ placedOn: undefined }))).toEqual({});
  });
});
