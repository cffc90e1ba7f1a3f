import { ChamberError, Code } from '@chamber/errors';
import { PlacementLevel, PlacementRule, type WorkloadSpec } from '@chamber/protos';
import {
  enumTypes,
  isOneOf,
  placementLevels,
  placementRules,
  toWire,
  type PlacementLevelWord,
  type PlacementRuleWord,
} from '@chamber/world';

/** A workload's spec as people write it: the placement rule and level in words. */
export interface WorkloadSpecWords {
  readonly name: string;
  readonly instances: number;
  readonly demand: {
    readonly cores: number;
    readonly memoryGib?: number;
    readonly diskGib?: number;
    readonly networkGbps?: number;
  };
  readonly image: string;
  /** Absent: no rule. */
  readonly placement?: {
    readonly rule: PlacementRuleWord;
    /** Required unless the rule is `none`. */
    readonly level?: PlacementLevelWord;
  };
  /** Absent: 1. */
  readonly maxUnavailable?: number;
}

/**
 * The wire spec of `words`. Fails with `InvalidArgument` naming the field
 * when the rule or level is no word of its list; the rest is checked by the
 * service.
 */
export function workloadSpec(words: WorkloadSpecWords): WorkloadSpec {
  const rule = words.placement?.rule ?? 'none';
  const level = words.placement?.level;
  if (!isOneOf(placementRules, rule)) {
    throw new ChamberError(
      Code.InvalidArgument,
      `placement.rule must be one of ${placementRules.join(', ')}`,
      { details: { field: 'placement.rule' } },
    );
  }
  if (level !== undefined && !isOneOf(placementLevels, level)) {
    throw new ChamberError(
      Code.InvalidArgument,
      `placement.level must be one of ${placementLevels.join(', ')}`,
      { details: { field: 'placement.level' } },
    );
  }
  return {
    name: words.name,
    instances: words.instances,
    demand: {
      cores: words.demand.cores,
      memoryGib: words.demand.memoryGib ?? 0,
      diskGib: words.demand.diskGib ?? 0,
      networkGbps: words.demand.networkGbps ?? 0,
    },
    image: words.image,
    placement: {
      rule: PlacementRule[toWire(enumTypes.placementRule, rule) as keyof typeof PlacementRule],
      level:
        level === undefined
          ? PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED
          : PlacementLevel[toWire(enumTypes.placementLevel, level) as keyof typeof PlacementLevel],
    },
    maxUnavailable: words.maxUnavailable ?? 1,
  };
}
