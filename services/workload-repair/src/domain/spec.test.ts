import { PlacementLevel, PlacementRule, type WorkloadSpec } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { checkSpec } from './spec.js';

const spec: WorkloadSpec = {
  name: 'web',
  instances: 3,
  demand: { cores: 2, memoryGib: 4, diskGib: 10, networkGbps: 0 },
  image: 'web:1',
  placement: {
    rule: PlacementRule.PLACEMENT_RULE_WEAK_ANTI_AFFINITY,
    level: PlacementLevel.PLACEMENT_LEVEL_ZONE,
  },
  maxUnavailable: 1,
};

const fieldOf = (s: WorkloadSpec | undefined) => checkSpec(s, 100).problem?.field;

describe('checkSpec', () => {
  it('takes a good spec as it is', () => {
    expect(checkSpec(spec, 100)).toEqual({ spec });
  });

  it('names the field of the first problem, in words', () => {
    expect(fieldOf(undefined)).toBe('spec');
    expect(fieldOf({ ...spec, name: '9web' })).toBe('spec.name');
    expect(fieldOf({ ...spec, instances: 101 })).toBe('spec.instances');
    expect(fieldOf({ ...spec, demand: undefined })).toBe('spec.demand.cores');
    expect(fieldOf({ ...spec, demand: { ...spec.demand!, cores: 0 } })).toBe('spec.demand.cores');
    expect(fieldOf({ ...spec, demand: { ...spec.demand!, diskGib: -1 } })).toBe(
      'spec.demand.disk_gib',
    );
    expect(fieldOf({ ...spec, image: ' ' })).toBe('spec.image');
    expect(fieldOf({ ...spec, maxUnavailable: 0 })).toBe('spec.max_unavailable');
    expect(checkSpec({ ...spec, name: 'Web' }, 100).problem?.message).toBe(
      'spec.name "Web" must be 1-63 lower-case letters, digits and "-", starting with a letter',
    );
  });

  it('wants a level unless the rule is none, and a rule of its words', () => {
    const level0 = {
      ...spec,
      placement: { ...spec.placement!, level: PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED },
    };
    expect(checkSpec(level0, 100).problem).toEqual({
      field: 'spec.placement.level',
      message:
        'spec.placement.level must be one of blade, rack, zone for the rule weak anti affinity',
    });
    const noRule = {
      ...spec,
      placement: { ...spec.placement!, rule: PlacementRule.PLACEMENT_RULE_UNSPECIFIED },
    };
    expect(fieldOf(noRule)).toBe('spec.placement.rule');
  });

  it('reads no placement as the rule none, and drops a level under none', () => {
    const none = {
      rule: PlacementRule.PLACEMENT_RULE_NONE,
      level: PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED,
    };
    expect(checkSpec({ ...spec, placement: undefined }, 100).spec?.placement).toEqual(none);
    expect(
      checkSpec(
        { ...spec, placement: { rule: none.rule, level: PlacementLevel.PLACEMENT_LEVEL_RACK } },
        100,
      ).spec?.placement,
    ).toEqual(none);
  });
});
