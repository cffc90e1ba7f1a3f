// Submitting a scenario's inputs to a Chamber, and saying them in words.
import { ChamberError, Code } from '@chamber/errors';
import { CommandAction, FaultStatus, type WorkloadSpec as WireSpec } from '@chamber/protos';
import type { Chamber } from '@chamber/sdk';
import { workloadSpec } from '@chamber/workloads-client';
import { enumTypes, toWire } from '@chamber/world';
import type { FaultSchedule, Input, WorkloadSpec } from './model.js';

/** A workload spec as the SDK takes it. */
const specWords = (spec: WorkloadSpec) => ({
  name: spec.name,
  instances: spec.instances,
  demand: spec.demand,
  image: spec.image,
  ...(spec.placement === undefined ? {} : { placement: spec.placement }),
  ...(spec.maxUnavailable === undefined ? {} : { maxUnavailable: spec.maxUnavailable }),
});

/**
 * Submits a scenario's inputs to a Chamber, each for the next tick,
 * remembering the faults the scenario named (for its `clear`s) and the
 * workloads it created.
 */
export class InputSubmitter {
  /** The workloads created so far, by name. */
  readonly workloads = new Set<string>();
  private readonly faultIds = new Map<string, string>();

  constructor(private readonly chamber: Chamber) {}

  /** Creates `spec` for the next tick. */
  async createWorkload(spec: WorkloadSpec): Promise<void> {
    await this.chamber.createWorkload(specWords(spec));
    this.workloads.add(spec.name);
  }

  /** Submits `input` for the next tick. */
  submit(input: Input): Promise<void> {
    return submit(this.chamber, input, this.faultIds, this.workloads);
  }
}

/**
 * `input` with its own ticks counted from `now` (a fault's `schedule.at`),
 * as an apply submits it: the scenario's tick t is tick `now + t`.
 */
export function shiftedBy(input: Input, now: number): Input {
  return input.kind === 'fault' && input.schedule.at !== undefined
    ? { ...input, schedule: { ...input.schedule, at: input.schedule.at + now } }
    : input;
}

/** Submits one input for the next tick. */
async function submit(
  chamber: Chamber,
  input: Input,
  faultIds: Map<string, string>,
  workloads: Set<string>,
): Promise<void> {
  switch (input.kind) {
    case 'fault': {
      const fault = await chamber.inject(
        input.fault,
        input.targets,
        { ...input.schedule },
        input.by,
      );
      if (input.id !== undefined) faultIds.set(input.id, fault.id);
      return;
    }
    case 'clear': {
      const id = faultIds.get(input.id);
      if (id === undefined) {
        throw new ChamberError(Code.FailedPrecondition, `fault "${input.id}" was not injected`);
      }
      // A fault that has ended already (a repair fixed what it broke) needs no clearing.
      if ((await chamber.faults.get(id)).status === FaultStatus.FAULT_STATUS_CLEARED) return;
      await chamber.clear(id, input.by);
      return;
    }
    case 'clearAll':
      await chamber.faults.clearAll(input.by ?? 'sdk');
      return;
    case 'command':
      await chamber.inventory.issueCommand(
        input.target,
        CommandAction[toWire(enumTypes.commandAction, input.action) as keyof typeof CommandAction],
        {
          requestedBy: input.by ?? 'sdk',
          ...(input.image === undefined ? {} : { image: input.image }),
        },
      );
      return;
    case 'target':
      await chamber.setTarget(input.path, {
        state: input.state,
        ...(input.powered === undefined ? {} : { powered: input.powered }),
        ...(input.drain === undefined ? {} : { drain: input.drain }),
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      });
      return;
    case 'create':
      await chamber.createWorkload(specWords(input.workload));
      workloads.add(input.workload.name);
      return;
    case 'scale':
      await updateWorkload(chamber, input.name, { instances: input.instances });
      return;
    case 'update':
      await updateWorkload(chamber, input.name, input.change);
      return;
    case 'delete':
      await chamber.workloads.delete(input.name);
      return;
    case 'policy':
      // The run drives the clock itself (see runScenario): a policy says how
      // fast the clock goes, which changes nothing of what happens.
      return;
  }
}

/** Replaces the fields of `change` in the workload's spec, for the next tick. */
async function updateWorkload(
  chamber: Chamber,
  name: string,
  change: Extract<Input, { kind: 'update' }>['change'],
): Promise<void> {
  const current = (await chamber.workloads.get(name)).spec!;
  const next: WireSpec = {
    ...current,
    ...(change.instances === undefined ? {} : { instances: change.instances }),
    ...(change.image === undefined ? {} : { image: change.image }),
    ...(change.maxUnavailable === undefined ? {} : { maxUnavailable: change.maxUnavailable }),
    demand: { ...current.demand!, ...change.demand },
    ...(change.placement === undefined
      ? {}
      : {
          placement: workloadSpec({
            name,
            instances: 0,
            demand: { cores: 0 },
            image: '',
            placement: change.placement,
          }).placement,
        }),
  };
  await chamber.workloads.update(next);
}

const scheduleWords = (s: FaultSchedule): string[] => [
  ...(s.at === undefined ? [] : [`from tick ${s.at}`]),
  ...(s.every === undefined ? [] : [`every ${s.every} ticks`]),
  ...(s.probability === undefined ? [] : [`with probability ${s.probability}`]),
  ...(s.mtbf === undefined ? [] : [`MTBF ${s.mtbf} ticks`]),
  ...(s.mttr === undefined ? [] : [`MTTR ${s.mttr} ticks`]),
  ...(s.duration === undefined ? [] : [`lasting ${s.duration} ticks`]),
];

/** `input` in words, as a plan lists it: `crash on standard/z1/rack1/blade/0, every 50 ticks`. */
export function describeInput(input: Input): string {
  switch (input.kind) {
    case 'fault': {
      const named = input.id === undefined ? '' : ` (${input.id})`;
      return [
        `inject ${input.fault}${named} on ${input.targets.join(', ')}`,
        ...scheduleWords(input.schedule),
      ].join(', ');
    }
    case 'clear':
      return `clear fault ${input.id}`;
    case 'clearAll':
      return 'clear every fault';
    case 'command':
      return `${input.action.replaceAll('_', ' ')} ${input.target}${input.image === undefined ? '' : ` with image ${input.image}`}`;
    case 'target':
      return [
        `set ${input.path} ${input.state.replaceAll('_', ' ')}`,
        ...(input.powered === undefined ? [] : [input.powered ? 'powered' : 'powered off']),
        ...(input.drain === true ? ['with drain'] : []),
      ].join(', ');
    case 'create':
      return `create workload ${describeWorkload(input.workload)}`;
    case 'scale':
      return `scale workload ${input.name} to ${input.instances}`;
    case 'update':
      return `update workload ${input.name}: ${Object.keys(input.change).join(', ')}`;
    case 'delete':
      return `delete workload ${input.name}`;
    case 'policy':
      return `clock ${input.policy.policy.replaceAll('_', ' ')}${input.policy.rate === undefined ? '' : ` at ${input.policy.rate} ticks/s`}`;
  }
}

/** A workload in words: `web, 12 instances of 2 cores (anti-affinity by rack)`. */
export function describeWorkload(spec: WorkloadSpec): string {
  const rule =
    spec.placement === undefined || spec.placement.rule === 'none'
      ? ''
      : ` (${spec.placement.rule.replaceAll('_', ' ')} by ${spec.placement.level ?? ''})`;
  return `${spec.name}, ${spec.instances} instance(s) of ${spec.demand.cores} core(s)${rule}`;
}
