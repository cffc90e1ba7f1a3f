import { RunState, type ScenarioReport } from '@chamber/protos';
import { parseScenario } from '@chamber/scenario';
import { describe, expect, it } from 'vitest';
import {
  failedRun,
  interruptedRun,
  isDefinitionInForce,
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
});
const report = (passed: boolean): ScenarioReport => ({
  name: 'tiny',
  seed: 7,
  passed,
  tick: 12,
  digest: 'd',
  conditionMetAt: undefined,
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

  it('loads its inventory only when the definition in force is another', () => {
    const inForce = { fileName: 'small.yaml', source: 'a: 1\n', loadId: 'l1', sample: '' };
    expect(isDefinitionInForce('a: 1\n', inForce)).toBe(true);
    expect(isDefinitionInForce('a: 2\n', inForce)).toBe(false);
    expect(isDefinitionInForce('a: 1\n', undefined)).toBe(false);
  });
});
