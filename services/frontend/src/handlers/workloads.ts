import type { AnswerOf, BodyOf, OperationId } from '@chamber/api';
import {
  InstanceHealth,
  InstanceState,
  PlacementLevel,
  PlacementRule,
  WorkloadPhase,
  type ExplainPlacementResponse,
  type GetAvailabilityResponse,
  type Instance as InstanceMessage,
  type Workload as WorkloadMessage,
  type WorkloadSpec,
} from '@chamber/protos';
import type {
  SchedulerClient,
  WorkloadsClient,
  WorkloadSpecWords,
} from '@chamber/workloads-client';
import {
  enumTypes,
  fromWire,
  instanceName,
  type InstanceHealthWord,
  type InstanceStateWord,
  type PlacementLevelWord,
  type PlacementRuleWord,
  type WorkloadPhaseWord,
} from '@chamber/world';
import { revisionOf } from './accounts.js';
import type { Handlers } from '../http/server.js';

/** The workload repair manager and the scheduler, behind the workload routes. */
export interface WorkloadDeps {
  readonly workloads: WorkloadsClient;
  readonly scheduler: SchedulerClient;
}

/** The routes {@link workloadHandlers} serves. */
export type WorkloadId = Extract<
  OperationId,
  | 'createWorkload'
  | 'listWorkloads'
  | 'getWorkload'
  | 'replaceWorkload'
  | 'updateWorkload'
  | 'deleteWorkload'
  | 'listWorkloadInstances'
  | 'explainPlacement'
  | 'getWorkloadAvailability'
  | 'listInstances'
>;

type WorkloadAnswer = AnswerOf<'getWorkload'>;
type InstanceAnswer = AnswerOf<'listInstances'>['instances'][number];
type SpecBody = BodyOf<'replaceWorkload'>;

/** A spec's fields besides its name, in words, as the API's bodies and answers give them. */
function specWords(spec: WorkloadSpec): Omit<WorkloadSpecWords, 'name'> {
  const rule = fromWire(enumTypes.placementRule, PlacementRule[spec.placement?.rule ?? 0] ?? '');
  const level = fromWire(
    enumTypes.placementLevel,
    PlacementLevel[spec.placement?.level ?? 0] ?? '',
  );
  const demand = spec.demand;
  return {
    instances: spec.instances,
    demand: {
      cores: demand?.cores ?? 0,
      memoryGib: demand?.memoryGib ?? 0,
      diskGib: demand?.diskGib ?? 0,
      networkGbps: demand?.networkGbps ?? 0,
    },
    image: spec.image,
    placement: {
      rule: (rule ?? 'none') as PlacementRuleWord,
      ...(level === undefined ? {} : { level: level as PlacementLevelWord }),
    },
    maxUnavailable: spec.maxUnavailable,
  };
}

/** A workload as the API answers it: its spec and status, enums in words. */
function workloadAnswer(w: WorkloadMessage): WorkloadAnswer {
  const spec = specWords(w.spec ?? emptySpec);
  const phase = fromWire(enumTypes.workloadPhase, WorkloadPhase[w.phase] ?? '');
  return {
    name: w.spec?.name ?? '',
    instances: spec.instances,
    demand: { memoryGib: 0, diskGib: 0, networkGbps: 0, ...spec.demand },
    image: spec.image,
    placement: spec.placement ?? { rule: 'none' },
    maxUnavailable: spec.maxUnavailable ?? 1,
    generation: w.generation,
    ...(phase === undefined ? {} : { phase: phase as WorkloadPhaseWord }),
    instancesByState: { ...w.instancesByState },
    observedRunning: w.observedRunning,
    reason: w.reason,
    createdTick: w.createdTick,
    updatedTick: w.updatedTick,
    revision: w.revision,
  };
}

/** An instance as the API answers it, enums in words. */
function instanceAnswer(i: InstanceMessage): InstanceAnswer {
  const state = fromWire(enumTypes.instanceState, InstanceState[i.state] ?? '') ?? 'pending';
  const observed = fromWire(enumTypes.instanceHealth, InstanceHealth[i.observed] ?? '');
  return {
    workload: i.workload,
    n: i.n,
    name: instanceName(i.workload, i.n),
    generation: i.generation,
    state: state as InstanceStateWord,
    ...(observed === undefined ? {} : { observed: observed as InstanceHealthWord }),
    ...(i.blade === '' ? {} : { blade: i.blade }),
    wanted: i.wanted,
    ...(i.reason === '' ? {} : { reason: i.reason }),
    sinceTick: i.sinceTick,
  };
}

function explanationAnswer(
  workload: string,
  n: number,
  res: ExplainPlacementResponse,
): AnswerOf<'explainPlacement'> {
  const e = res.explanation;
  return {
    workload,
    n,
    placed: res.placed,
    tick: e?.tick ?? 0,
    ...(e === undefined || e.blade === '' ? {} : { blade: e.blade }),
    summary: e?.summary ?? '',
    candidates: (e?.candidates ?? []).map((c) => ({
      blade: c.blade,
      score: c.score,
      components: c.components.map((k) => ({ name: k.name, value: k.value })),
    })),
    filtered: (e?.filtered ?? []).map((f) => ({
      filter: f.filter,
      blades: f.blades,
      reason: f.reason,
    })),
  };
}

/** A workload's availability as the API answers it: numbers, optional figures left out. */
function availabilityAnswer(a: GetAvailabilityResponse): AnswerOf<'getWorkloadAvailability'> {
  return {
    workload: a.workload,
    fromTick: a.fromTick,
    toTick: a.toTick,
    desired: a.desired,
    running: a.running,
    observedRunning: a.observedRunning,
    instanceTicksDesired: a.instanceTicksDesired,
    instanceTicksLost: a.instanceTicksLost,
    availability: a.availability,
    outages: a.outages.map((o) => ({
      startTick: o.startTick,
      ...(o.detectedTick === undefined ? {} : { detectedTick: o.detectedTick }),
      ...(o.endTick === undefined ? {} : { endTick: o.endTick }),
      ticks: o.ticks,
      instanceTicksLost: o.instanceTicksLost,
    })),
    worstOutageTicks: a.worstOutageTicks,
    ...(a.meanDetectionTicks === undefined ? {} : { meanDetectionTicks: a.meanDetectionTicks }),
    ...(a.meanRecoveryTicks === undefined ? {} : { meanRecoveryTicks: a.meanRecoveryTicks }),
    rampTicks: a.rampTicks,
    samples: a.samples.map((x) => ({
      tick: x.tick,
      desired: x.desired,
      running: x.running,
      observedRunning: x.observedRunning,
    })),
  };
}

/** The spec of workload `name` from a body of its fields in words. */
function specOf(name: string, body: SpecBody): WorkloadSpecWords {
  return {
    name,
    instances: body.instances,
    demand: body.demand,
    image: body.image,
    ...(body.placement === undefined ? {} : { placement: body.placement }),
    ...(body.maxUnavailable === undefined ? {} : { maxUnavailable: body.maxUnavailable }),
  };
}

/**
 * The handlers of the workload routes, over the Workloads and Scheduler gRPC
 * services: bodies and answers in the API's words, the services' refusals
 * as they come (their fields renamed by the route table's `serviceFields`).
 */
export function workloadHandlers(deps: WorkloadDeps): Pick<Handlers, WorkloadId> {
  const { workloads, scheduler } = deps;
  return {
    async createWorkload(request) {
      const { name, ...rest } = request.input.body;
      return { body: { effectiveTick: await workloads.create(specOf(name, rest)) } };
    },
    async listWorkloads() {
      return { body: { workloads: (await workloads.list()).map(workloadAnswer) } };
    },
    async getWorkload(request) {
      const found = await workloads.get(request.input.params.name);
      return { body: workloadAnswer(found), etag: found.revision };
    },
    async replaceWorkload(request) {
      const { name } = request.input.params;
      const matchRevision = revisionOf(request, 'workload');
      const spec = specOf(name, request.input.body);
      return { body: { effectiveTick: await workloads.update(spec, matchRevision) } };
    },
    async updateWorkload(request) {
      const { name } = request.input.params;
      const given = request.input.body;
      const matchRevision = revisionOf(request, 'workload');
      const current = await workloads.get(name);
      // The change is guarded on the revision read, so nothing between the read and the write is lost.
      const guard = matchRevision ?? (current.revision === 0 ? undefined : current.revision);
      const words = specWords(current.spec ?? emptySpec);
      const spec = specOf(name, {
        ...words,
        ...definedOf(given),
        demand: { ...words.demand, ...definedOf(given.demand ?? {}) },
      });
      return { body: { effectiveTick: await workloads.update(spec, guard) } };
    },
    async deleteWorkload(request) {
      const matchRevision = revisionOf(request, 'workload');
      return {
        body: {
          effectiveTick: await workloads.delete(request.input.params.name, matchRevision),
        },
      };
    },
    async listWorkloadInstances(request) {
      const { name } = request.input.params;
      // A name with no workload is 404, not an empty list.
      const [, instances] = await Promise.all([
        workloads.get(name),
        workloads.listInstances({ workload: name }),
      ]);
      return { body: { instances: instances.map(instanceAnswer) } };
    },
    async explainPlacement(request) {
      const { name, n } = request.input.params;
      const res = await scheduler.explain(name, n);
      return { body: explanationAnswer(name, n, res) };
    },
    async getWorkloadAvailability(request) {
      const { name } = request.input.params;
      const { from, to } = request.input.query;
      const res = await workloads.availability(name, {
        ...(from === undefined ? {} : { fromTick: from }),
        ...(to === undefined ? {} : { toTick: to }),
      });
      return { body: availabilityAnswer(res) };
    },
    async listInstances(request) {
      const { under, workload } = request.input.query;
      const instances = await workloads.listInstances({
        ...(under === undefined ? {} : { under }),
        ...(workload === undefined ? {} : { workload }),
      });
      return { body: { instances: instances.map(instanceAnswer) } };
    },
  };
}

/** The fields of `body` that are given. */
function definedOf<T extends object>(body: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(body).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

const emptySpec: WorkloadSpec = {
  name: '',
  instances: 0,
  demand: undefined,
  image: '',
  placement: undefined,
  maxUnavailable: 1,
};
