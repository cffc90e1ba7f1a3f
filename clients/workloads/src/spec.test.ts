import { PlacementLevel, PlacementRule } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { workloadSpec } from './spec.js';

describe('workloadSpec, a spec in words', () => {
  it('turns the placement words into the wire enums, with defaults for what is left out', () => {
    expect(
      workloadSpec({
        name: 'web',
        instances: 3,
        demand: { cores: 2 },
        image: 'web:1',
        placement: { rule: 'strong_anti_affinity', level: 'rack' },
      }),
    ).toEqual({
      name: 'web',
      instances: 3,
      demand: { cores: 2, memoryGib: 0, diskGib: 0, networkGbps: 0 },
      image: 'web:1',
      placement: {
        rule: PlacementRule.PLACEMENT_RULE_STRONG_ANTI_AFFINITY,
        level: PlacementLevel.PLACEMENT_LEVEL_RACK,
      },
      maxUnavailable: 1,
    });
  });

  it('reads no placement as the rule none, and refuses a word it does not know, naming the field', () => {
    const base = { name: 'web', instances: 1, demand: { cores: 1 }, image: 'x' };
    expect(workloadSpec(base).placement).toEqual({
      rule: PlacementRule.PLACEMENT_RULE_NONE,
      level: PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED,
    });
    expect(() =>
      workloadSpec({ ...base, placement: { rule: 'spread' as never, level: 'rack' } }),
    ).toThrow(/placement\.rule must be one of none, strong_affinity/);
  });
});
