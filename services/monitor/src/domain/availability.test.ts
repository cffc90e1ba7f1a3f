import {
  InstanceHealth,
  InstanceState,
  WorkloadPhase,
  WorkloadRecord,
  WorkloadSpec,
  type InstanceActual,
  type InstanceObserved,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { countAvailability, sampleAvailability } from './availability.js';

const workload = (
  instances: number,
  phase = WorkloadPhase.WORKLOAD_PHASE_READY,
): WorkloadRecord => ({
  ...WorkloadRecord.fromPartial({}),
  spec: { ...WorkloadSpec.fromPartial({}), name: 'web', instances },
  phase,
});
const actual = (...states: InstanceState[]): InstanceActual[] =>
  states.map((state) => ({
    state,
    blade: 'r/z1/rack1/blade/0',
    sinceTick: 1,
    dueTick: 0,
    reason: '',
  }));
const observed = (...healths: InstanceHealth[]): InstanceObserved[] =>
  healths.map((health) => ({ health, blade: 'r/z1/rack1/blade/0', sinceTick: 1, reason: '' }));

describe('countAvailability', () => {
  it('counts the instances running in truth and those believed running', () => {
    expect(
      countAvailability(
        workload(3),
        actual(
          InstanceState.INSTANCE_STATE_RUNNING,
          InstanceState.INSTANCE_STATE_LOST,
          InstanceState.INSTANCE_STATE_RUNNING,
          InstanceState.INSTANCE_STATE_STARTING,
          InstanceState.INSTANCE_STATE_STOPPING,
        ),
        observed(
          InstanceHealth.INSTANCE_HEALTH_RUNNING,
          InstanceHealth.INSTANCE_HEALTH_RUNNING,
          InstanceHealth.INSTANCE_HEALTH_RUNNING,
          InstanceHealth.INSTANCE_HEALTH_STARTING,
          InstanceHealth.INSTANCE_HEALTH_FAILED,
        ),
      ),
    ).toEqual({ desired: 3, running: 2, observedRunning: 3 });
  });

  it('desires nothing of a workload deleted or gone, while its instances still run', () => {
    const running = actual(InstanceState.INSTANCE_STATE_RUNNING);
    const believed = observed(InstanceHealth.INSTANCE_HEALTH_RUNNING);
    expect(
      countAvailability(workload(3, WorkloadPhase.WORKLOAD_PHASE_DELETING), running, believed),
    ).toEqual({ desired: 0, running: 1, observedRunning: 1 });
    expect(countAvailability(undefined, [], [])).toEqual({
      desired: 0,
      running: 0,
      observedRunning: 0,
    });
  });
});

describe('sampleAvailability', () => {
  const counts = { desired: 3, running: 2, observedRunning: 3 };

  it('writes a sample only when the counts differ from the last one', () => {
    expect(sampleAvailability('web', 10, counts, undefined)).toEqual({
      workload: 'web',
      tick: 10,
      ...counts,
    });
    expect(sampleAvailability('web', 11, counts, { ...counts })).toBeUndefined();
    expect(sampleAvailability('web', 12, { ...counts, observedRunning: 2 }, counts)).toMatchObject({
      tick: 12,
      observedRunning: 2,
    });
  });

  it('writes nothing for a workload that never had anything, and one last sample at its end', () => {
    const none = { desired: 0, running: 0, observedRunning: 0 };
    expect(sampleAvailability('web', 3, none, undefined)).toBeUndefined();
    expect(sampleAvailability('web', 30, none, counts)).toEqual({
      workload: 'web',
      tick: 30,
      ...none,
    });
  });
});
