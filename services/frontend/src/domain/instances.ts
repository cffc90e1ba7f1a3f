import {
  enumTypes,
  fromWire,
  instanceHealths,
  instanceStates,
  isOneOf,
  type InstanceHealthWord,
  type InstanceStateWord,
} from '@chamber/world';

/** A state record of an instance (unplaced, actual, observed): when it began, and its enum's wire name. */
export interface InstancePart {
  readonly sinceTick: number;
  /** The wire name (`INSTANCE_STATE_RUNNING`, `INSTANCE_HEALTH_FAILED`); empty for none. */
  readonly wire: string;
}

/** What the store holds about one instance (`web/3`), as the metrics keep it. */
export interface InstanceParts {
  /** Its intent (`instances/`): whether it is wanted and the tick it was created. */
  readonly intent: { readonly isWanted: boolean; readonly createdTick: number } | undefined;
  /** Whether a placement (`placements/<blade>/…`) binds it to a blade. */
  readonly isPlaced: boolean;
  readonly actual: InstancePart | undefined;
  readonly observed: InstancePart | undefined;
}

/** Records older than the instance are about an earlier one of the same name, being cleaned up. */
function fresh(part: InstancePart | undefined, createdTick: number): InstancePart | undefined {
  return part !== undefined && part.sinceTick >= createdTick ? part : undefined;
}

/**
 * The state word of an instance as it stands, joined as the workload repair
 * manager joins it (its `standingInstance`): the actual state where there is
 * a fresh one, `placed` with a placement and no actual yet, `pending`
 * before; `undefined` when it has no intent. Pure.
 */
export function instanceState(parts: InstanceParts): InstanceStateWord | undefined {
  const { intent } = parts;
  if (intent === undefined) return undefined;
  const actual = fresh(parts.actual, intent.createdTick);
  if (actual !== undefined) {
    const word = fromWire(enumTypes.instanceState, actual.wire);
    return isOneOf(instanceStates, word) ? word : 'pending';
  }
  return parts.isPlaced ? 'placed' : 'pending';
}

/**
 * The observed health word of an instance (what the monitor believes), or
 * `undefined` when it has no intent or the monitor has not observed it
 * since it was created. Pure.
 */
export function instanceHealth(parts: InstanceParts): InstanceHealthWord | undefined {
  const { intent } = parts;
  if (intent === undefined) return undefined;
  const observed = fresh(parts.observed, intent.createdTick);
  const word =
    observed === undefined ? undefined : fromWire(enumTypes.instanceHealth, observed.wire);
  return isOneOf(instanceHealths, word) ? word : undefined;
}
