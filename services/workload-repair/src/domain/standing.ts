import {
  InstanceHealth,
  InstanceState,
  type Instance,
  type InstanceActual,
  type InstanceObserved,
  type InstanceRecord,
  type PlacementRecord,
  type UnplacedRecord,
  type Workload,
  type WorkloadRecord,
} from '@chamber/protos';
import { enumTypes, fromWire, instanceName } from '@chamber/world';

/** What is stored about instances, by instance name (`web/3`): the join's inputs. */
export interface InstanceRecords {
  readonly intents: readonly InstanceRecord[];
  readonly placements: ReadonlyMap<string, PlacementRecord>;
  readonly unplaced: ReadonlyMap<string, UnplacedRecord>;
  readonly actual: ReadonlyMap<string, InstanceActual>;
  readonly observed: ReadonlyMap<string, InstanceObserved>;
}

/**
 * An instance as it stands: its intent joined with its placement (→ its
 * blade, `placed`), the scheduler's refusal (→ `pending` and why), its
 * actual state and what the monitor believes. Pure. Its state is the actual
 * one where there is one, `placed` with a placement and no actual yet,
 * `pending` before.
 */
export function standingInstance(intent: InstanceRecord, records: InstanceRecords): Instance {
  const name = instanceName(intent.workload, intent.n);
  const placement = records.placements.get(name);
  // Records older than the instance are about an earlier one of the same name, being cleaned up.
  const fresh = <T extends { sinceTick: number }>(r: T | undefined): T | undefined =>
    r !== undefined && r.sinceTick >= intent.createdTick ? r : undefined;
  const unplaced = fresh(records.unplaced.get(name));
  const actual = fresh(records.actual.get(name));
  const observed = fresh(records.observed.get(name));
  let state = InstanceState.INSTANCE_STATE_PENDING;
  let reason = unplaced?.explanation?.summary ?? 'waiting for the scheduler';
  let sinceTick = unplaced?.sinceTick ?? intent.createdTick;
  if (actual !== undefined) {
    state = actual.state;
    reason = actual.reason;
    sinceTick = actual.sinceTick;
  } else if (placement !== undefined) {
    state = InstanceState.INSTANCE_STATE_PLACED;
    reason = placement.explanation?.summary ?? `placed on ${placement.blade}`;
    sinceTick = placement.placedTick;
  }
  if (!intent.wanted) reason = intent.stopReason;
  return {
    workload: intent.workload,
    n: intent.n,
    generation: intent.generation,
    state,
    observed: observed?.health ?? InstanceHealth.INSTANCE_HEALTH_UNSPECIFIED,
    blade: placement?.blade ?? actual?.blade ?? '',
    wanted: intent.wanted,
    reason,
    sinceTick,
  };
}

/** The word of an instance's state (`running`); `pending` when it has none. */
export function stateWord(state: InstanceState): string {
  return fromWire(enumTypes.instanceState, InstanceState[state] ?? '') ?? 'pending';
}

/**
 * A workload as it stands: its record, with its wanted instances counted by
 * state word (`{ running: 3, pending: 1 }`) and the record's revision. Pure.
 */
export function standingWorkload(
  record: WorkloadRecord,
  revision: number,
  instances: readonly Instance[],
): Workload {
  const byState: Record<string, number> = {};
  for (const i of instances) {
    if (!i.wanted) continue;
    const word = stateWord(i.state);
    byState[word] = (byState[word] ?? 0) + 1;
  }
  return {
    spec: record.spec,
    generation: record.generation,
    phase: record.phase,
    instancesByState: byState,
    observedRunning: record.observedRunning,
    reason: record.reason,
    createdTick: record.createdTick,
    updatedTick: record.updatedTick,
    revision,
  };
}
