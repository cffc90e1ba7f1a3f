import {
  PlacementLevel,
  PlacementRule,
  WorkloadInput_Action,
  WorkloadPhase,
  type WorkloadRecord,
  type WorkloadSpec,
} from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { applyInput } from './inputs.js';

const spec: WorkloadSpec = {
  name: 'web',
  instances: 3,
  demand: { cores: 2, memoryGib: 4, diskGib: 10, networkGbps: 0 },
  image: 'web:1',
  placement: {
    rule: PlacementRule.PLACEMENT_RULE_NONE,
    level: PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED,
  },
  maxUnavailable: 1,
};

const created = applyInput(4, undefined, {
  action: WorkloadInput_Action.ACTION_CREATE,
  spec,
}).record!;
const update = (s: WorkloadSpec, current: WorkloadRecord = created) =>
  applyInput(9, current, { action: WorkloadInput_Action.ACTION_UPDATE, spec: s });

describe('applyInput', () => {
  it('creates the record at generation 1, numbering instances from 0', () => {
    expect(created).toMatchObject({
      spec,
      generation: 1,
      createdTick: 4,
      updatedTick: 4,
      nextInstance: 0,
      phase: WorkloadPhase.WORKLOAD_PHASE_PROGRESSING,
    });
  });

  it('bumps the generation when the image or the demand changes, not for a scale', () => {
    expect(update({ ...spec, instances: 5 }).record?.generation).toBe(1);
    expect(update({ ...spec, maxUnavailable: 2 }).record?.generation).toBe(1);
    expect(update({ ...spec, image: 'web:2' }).record?.generation).toBe(2);
    const more = update({ ...spec, demand: { ...spec.demand!, memoryGib: 8 } });
    expect(more.record).toMatchObject({ generation: 2, updatedTick: 9, createdTick: 4 });
    expect(more.reason).toBe(
      'updated web to generation 2 (web:1): its instances are replaced, at most 1 at a time',
    );
  });

  it('marks a deleted workload deleting', () => {
    const r = applyInput(9, created, { action: WorkloadInput_Action.ACTION_DELETE, spec });
    expect(r.record?.phase).toBe(WorkloadPhase.WORKLOAD_PHASE_DELETING);
  });

  it('ignores what no longer fits, keeping the record, and says why', () => {
    const deleting = { ...created, phase: WorkloadPhase.WORKLOAD_PHASE_DELETING };
    expect(applyInput(9, created, { action: WorkloadInput_Action.ACTION_CREATE, spec })).toEqual({
      record: created,
      reason: 'ignored a change to web: it exists already',
      isIgnored: true,
    });
    expect(update(spec, deleting)).toMatchObject({ record: deleting, isIgnored: true });
    expect(
      applyInput(9, undefined, { action: WorkloadInput_Action.ACTION_DELETE, spec }).reason,
    ).toBe('ignored a change to web: it does not exist');
  });
});
