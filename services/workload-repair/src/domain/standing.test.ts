import {
  InstanceHealth,
  InstanceState,
  type InstanceRecord,
  type WorkloadRecord,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { standingInstance, standingWorkload, type InstanceRecords } from './standing.js';

const intent = (n: number, wanted = true): InstanceRecord => ({
  workload: 'web',
  n,
  generation: 1,
  image: 'web:1',
  demand: undefined,
  wanted,
  stopReason: wanted ? '' : 'scaled down to 2',
  createdTick: 3,
  replaces: '',
});

const blade = 'r/z1/rack1/blade/0';
const explanation = (summary: string) => ({
  tick: 4,
  blade: '',
  candidates: [],
  filtered: [],
  summary,
});

const records: InstanceRecords = {
  intents: [intent(0), intent(1), intent(2), intent(3, false)],
  placements: new Map([
    [
      'web/1',
      {
        workload: 'web',
        n: 1,
        blade,
        demand: undefined,
        placedTick: 4,
        explanation: explanation('best fit'),
      },
    ],
    [
      'web/2',
      { workload: 'web', n: 2, blade, demand: undefined, placedTick: 4, explanation: undefined },
    ],
    [
      'web/3',
      { workload: 'web', n: 3, blade, demand: undefined, placedTick: 4, explanation: undefined },
    ],
  ]),
  unplaced: new Map([
    [
      'web/0',
      {
        workload: 'web',
        n: 0,
        sinceTick: 4,
        explanation: explanation('no blade has 2 free cores'),
      },
    ],
  ]),
  actual: new Map([
    [
      'web/2',
      {
        state: InstanceState.INSTANCE_STATE_RUNNING,
        blade,
        sinceTick: 6,
        dueTick: 0,
        reason: 'started',
      },
    ],
    [
      'web/3',
      {
        state: InstanceState.INSTANCE_STATE_STOPPING,
        blade,
        sinceTick: 7,
        dueTick: 8,
        reason: 'stopping',
      },
    ],
  ]),
  observed: new Map([
    ['web/2', { health: InstanceHealth.INSTANCE_HEALTH_RUNNING, blade, sinceTick: 7, reason: '' }],
  ]),
};

describe('an instance as it stands', () => {
  it('is pending with the scheduler’s reason, placed, then its actual state; unwanted ones say why', () => {
    const all = records.intents.map((i) => standingInstance(i, records));
    expect(all.map((i) => [i.n, i.state, i.blade, i.reason, i.sinceTick, i.observed])).toEqual([
      [
        0,
        InstanceState.INSTANCE_STATE_PENDING,
        '',
        'no blade has 2 free cores',
        4,
        InstanceHealth.INSTANCE_HEALTH_UNSPECIFIED,
      ],
      [
        1,
        InstanceState.INSTANCE_STATE_PLACED,
        blade,
        'best fit',
        4,
        InstanceHealth.INSTANCE_HEALTH_UNSPECIFIED,
      ],
      [
        2,
        InstanceState.INSTANCE_STATE_RUNNING,
        blade,
        'started',
        6,
        InstanceHealth.INSTANCE_HEALTH_RUNNING,
      ],
      [
        3,
        InstanceState.INSTANCE_STATE_STOPPING,
        blade,
        'scaled down to 2',
        7,
        InstanceHealth.INSTANCE_HEALTH_UNSPECIFIED,
      ],
    ]);
  });

  it('counts a workload’s wanted instances by state word', () => {
    const record = {
      spec: undefined,
      generation: 1,
      observedRunning: 1,
    } as unknown as WorkloadRecord;
    const all = records.intents.map((i) => standingInstance(i, records));
    expect(standingWorkload(record, 42, all)).toMatchObject({
      instancesByState: { pending: 1, placed: 1, running: 1 },
      revision: 42,
    });
  });
});
