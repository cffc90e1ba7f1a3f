import {
  Demand,
  WorkloadInput_Action,
  WorkloadPhase,
  type WorkloadInput,
  type WorkloadRecord,
} from '@chamber/protos';

/** What applying one workload input did: the record after it (unchanged when ignored) and why. */
export interface Applied {
  readonly record: WorkloadRecord | undefined;
  /** In words: `created web (4 instances)`, or why the input was ignored. */
  readonly reason: string;
  readonly isIgnored: boolean;
}

/**
 * Workload input `input` applied at `tick` to the workload's record
 * `current` (absent: no such workload). Pure. Create makes the record
 * (generation 1); update replaces the spec, bumping the generation when the
 * demand or the image changed (what an instance is: its instances are then
 * replaced by a rolling update); delete marks it deleting (the manager then
 * stops its instances). An input that no longer fits (the gRPC service
 * checked it, but another input took effect first: a create of a name that
 * exists, an update or delete of one that is gone or going) is ignored, and
 * says why.
 */
export function applyInput(
  tick: number,
  current: WorkloadRecord | undefined,
  input: WorkloadInput,
): Applied {
  const spec = input.spec;
  const name = spec?.name ?? '';
  const ignore = (why: string): Applied => ({
    record: current,
    reason: `ignored a change to ${name}: ${why}`,
    isIgnored: true,
  });
  if (spec === undefined) return ignore('the input holds no spec');
  const isDeleting = current?.phase === WorkloadPhase.WORKLOAD_PHASE_DELETING;
  switch (input.action) {
    case WorkloadInput_Action.ACTION_CREATE:
      if (current !== undefined) return ignore('it exists already');
      return {
        record: {
          spec,
          generation: 1,
          phase: WorkloadPhase.WORKLOAD_PHASE_PROGRESSING,
          observedRunning: 0,
          createdTick: tick,
          updatedTick: tick,
          reason: `0 of ${spec.instances} running; created`,
          nextInstance: 0,
        },
        reason: `created ${name} (${spec.instances} instance${spec.instances === 1 ? '' : 's'} of ${spec.image})`,
        isIgnored: false,
      };
    case WorkloadInput_Action.ACTION_UPDATE: {
      if (current === undefined) return ignore('it does not exist');
      if (isDeleting) return ignore('it is being deleted');
      const before = current.spec!;
      const isNewInstance =
        before.image !== spec.image ||
        JSON.stringify(Demand.toJSON(before.demand ?? Demand.fromPartial({}))) !==
          JSON.stringify(Demand.toJSON(spec.demand ?? Demand.fromPartial({})));
      const generation = current.generation + (isNewInstance ? 1 : 0);
      return {
        record: { ...current, spec, generation, updatedTick: tick },
        reason: isNewInstance
          ? `updated ${name} to generation ${generation} (${spec.image}): its instances are replaced, at most ${spec.maxUnavailable} at a time`
          : `updated ${name} (${spec.instances} instance${spec.instances === 1 ? '' : 's'})`,
        isIgnored: false,
      };
    }
    case WorkloadInput_Action.ACTION_DELETE:
      if (current === undefined) return ignore('it does not exist');
      if (isDeleting) return ignore('it is being deleted already');
      return {
        record: { ...current, phase: WorkloadPhase.WORKLOAD_PHASE_DELETING, updatedTick: tick },
        reason: `deleting ${name}: its instances are stopped`,
        isIgnored: false,
      };
    default:
      return ignore('the input says no action');
  }
}
