import { PlacementLevel, PlacementRule, type WorkloadSpec } from '@chamber/protos';
import {
  enumTypes,
  fromWire,
  isValidWorkloadName,
  placementLevels,
  placementRules,
} from '@chamber/world';

/** A spec refused: the field (as the .proto names it, `spec.demand.cores`) and why, in words. */
export interface SpecProblem {
  readonly field: string;
  readonly message: string;
}

/** The checked spec, or the first problem found. */
export type SpecCheck =
  | { readonly spec: WorkloadSpec; readonly problem?: undefined }
  | { readonly spec?: undefined; readonly problem: SpecProblem };

const ruleWord = (rule: PlacementRule): string | undefined =>
  fromWire(enumTypes.placementRule, PlacementRule[rule] ?? '');
const levelWord = (level: PlacementLevel): string | undefined =>
  fromWire(enumTypes.placementLevel, PlacementLevel[level] ?? '');

/** Whether `name` can name a workload; the problem with it otherwise. */
export function nameProblem(name: string, field: string): SpecProblem | undefined {
  return isValidWorkloadName(name)
    ? undefined
    : {
        field,
        message: `${field} "${name}" must be 1-63 lower-case letters, digits and "-", starting with a letter`,
      };
}

/**
 * Checks a workload's spec as a request gives it. Pure. The name follows
 * `isValidWorkloadName`; `instances` is at most `maxInstances`; the demand
 * asks for at least one core and no negative amount; the image is named; the
 * placement rule is one of its words, with a level unless the rule is
 * `none` (an absent placement is `none`); `max_unavailable` is at least 1.
 * Resolves with the spec as it is stored (placement `none` made explicit, a
 * level under `none` dropped).
 */
export function checkSpec(spec: WorkloadSpec | undefined, maxInstances: number): SpecCheck {
  const refuse = (field: string, message: string): SpecCheck => ({
    problem: { field, message },
  });
  if (spec === undefined) return refuse('spec', 'spec: give the workload');
  const named = nameProblem(spec.name, 'spec.name');
  if (named !== undefined) return { problem: named };
  if (!Number.isInteger(spec.instances) || spec.instances < 0 || spec.instances > maxInstances)
    return refuse(
      'spec.instances',
      `spec.instances must be a whole number from 0 to ${maxInstances}, not ${spec.instances}`,
    );
  const demand = spec.demand;
  if (demand === undefined || !(demand.cores > 0))
    return refuse('spec.demand.cores', 'spec.demand.cores must be at least 1 core');
  for (const [field, value] of [
    ['memory_gib', demand.memoryGib],
    ['disk_gib', demand.diskGib],
    ['network_gbps', demand.networkGbps],
  ] as const) {
    if (!Number.isFinite(value) || value < 0)
      return refuse(`spec.demand.${field}`, `spec.demand.${field} must not be negative`);
  }
  if (spec.image.trim() === '') return refuse('spec.image', 'spec.image: name the image to run');
  const rule = spec.placement?.rule ?? PlacementRule.PLACEMENT_RULE_UNSPECIFIED;
  const level = spec.placement?.level ?? PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED;
  const isNone =
    rule === PlacementRule.PLACEMENT_RULE_NONE ||
    (rule === PlacementRule.PLACEMENT_RULE_UNSPECIFIED &&
      level === PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED);
  if (!isNone && ruleWord(rule) === undefined)
    return refuse(
      'spec.placement.rule',
      `spec.placement.rule must be one of ${placementRules.join(', ')}`,
    );
  if (!isNone && levelWord(level) === undefined)
    return refuse(
      'spec.placement.level',
      `spec.placement.level must be one of ${placementLevels.join(', ')} for the rule ${(ruleWord(rule) ?? '').replace(/_/g, ' ')}`,
    );
  if (!Number.isInteger(spec.maxUnavailable) || spec.maxUnavailable < 1)
    return refuse('spec.max_unavailable', 'spec.max_unavailable must be at least 1');
  return {
    spec: {
      ...spec,
      placement: isNone
        ? {
            rule: PlacementRule.PLACEMENT_RULE_NONE,
            level: PlacementLevel.PLACEMENT_LEVEL_UNSPECIFIED,
          }
        : { rule, level },
    },
  };
}
