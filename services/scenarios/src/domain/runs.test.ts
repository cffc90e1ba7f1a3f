import { RunMode, RunState, type ScenarioReport } from '@chamber/protos';
import { parseScenario } from '@chamber/scenario';
import { describe, expect, it } from 'vitest';
import {
  appliedRun,
  failedRun,
  interruptedRun,
  isRunning,
  progressed,
  reported,
  runId,
  startedRun,
} from './runs.js';

const scenario = parseScenario(
  ['name: tiny', 'inventory:', '  sample: small', 'run:', '  until: 12', ''].join('\n'),
  'tiny.yaml',
);
const at = new Date('2026-12-03T09:00:00Z');
const run = startedRun({
  id: runId(at, 'a1'),
  scenario,
  fileName: 'tiny.yaml',
  seed: 7,
  requestedBy: 'alice',
  now: at,
  mode: RunMode.RUN_MODE_RUN,
});
const report = (passed: boolean): ScenarioReport => ({
  name: 'tiny',
  seed: 7,
  passed,
  tick: 12,
  digest: 'd',
  conditionMetAt: undefined,
  elements: undefined,
  expectations: [],
  workloads: [],
  repairs: {},
  wallMs: 5,
});

describe('a scenario run record', () => {
  it('starts running at tick 0, loading, bound by the scenario’s last tick', () => {
    expect(run).toMatchObject({ name: 'tiny', state: RunState.RUN_STATE_RUNNING, tick: 0 });
    expect(run.lastTick).toBe(12);
    expect(run.doing).toBe('loading');
    expect(isRunning(run)).toBe(true);
  });

  it('has ids that sort in the order runs started', () => {
    const later = runId(new Date(at.getTime() + 1), '00');
    expect([later, run.id].sort()).toEqual([run.id, later]);
  });

  it('ends passed or failed as its report says, in error, or interrupted', () => {
    const moved = progressed(run, { tick: 5, doing: 'inputs' });
    expect(moved).toMatchObject({ tick: 5, doing: 'inputs' });
    expect(reported(moved, report(true), at).state).toBe(RunState.RUN_STATE_PASSED);
    expect(reported(moved, report(false), at)).toMatchObject({
      state: RunState.RUN_STATE_FAILED,
      tick: 12,
    });
    expect(failedRun(moved, 'refused', at)).toMatchObject({
      state: RunState.RUN_STATE_ERROR,
      reason: 'refused',
    });
    const gone = interruptedRun(moved, 'its runner died', at);
    expect(gone.state).toBe(RunState.RUN_STATE_INTERRUPTED);
    expect(isRunning(gone)).toBe(false);
  });

  it('ends an apply applied, with the plan it applied and the tick its last input went in at', () => {
    const plan = {
      name: 'tiny',
      now: 40,
      inventory: undefined,
      workloads: [],
      inputs: [{ at: 45, what: 'clear fault c', where: 'tiny.yaml:9:5' }],
      clockPolicy: '',
      clockRate: 0,
      problems: [],
    };
    const done = appliedRun(run, { plan, tick: 44 }, at);
    expect(done).toMatchObject({ state: RunState.RUN_STATE_APPLIED, tick: 44, plan });
    expect(isRunning(done)).toBe(false);
  });
});
