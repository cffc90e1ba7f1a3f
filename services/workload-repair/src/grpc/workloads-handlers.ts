import { ChamberError, Code } from '@chamber/errors';
import { unary as unaryCall, type HandlerLogger } from '@chamber/grpc';
import { InputWriter } from '@chamber/participant';
import {
  AvailabilitySample,
  InstanceActual,
  InstanceObserved,
  InstanceRecord,
  PendingRecord,
  PlacementRecord,
  SettledRecord,
  UnplacedRecord,
  WorkloadInput,
  WorkloadInput_Action,
  WorkloadPhase,
  WorkloadRecord,
  type Instance,
  type WorkloadSpec,
  type WorkloadsServer,
} from '@chamber/protos';
import { cmp, op, type Compare, type Entry, type Store } from '@chamber/store';
import { summarizeAvailability, workloadsInbox, workloadsOwner } from '@chamber/workloads-client';
import { instanceName, instanceOfKey, isUnder, keys } from '@chamber/world';
import { applyInput } from '../domain/inputs.js';
import { checkSpec, nameProblem, type SpecProblem } from '../domain/spec.js';
import { standingInstance, standingWorkload, type InstanceRecords } from '../domain/standing.js';

/** The Workloads RPCs' limits. */
export interface WorkloadsHandlerOptions {
  /** The most instances one workload may ask for. */
  readonly maxInstances: number;
}

/** A workload as it stands, with its stored record's mod revision (0: not stored yet). */
interface Standing {
  readonly record: WorkloadRecord;
  readonly revision: number;
}

/** Placement reads in flight at once while reading one workload's placements. */
const readsInFlight = 256;

const invalid = (problem: SpecProblem): ChamberError =>
  new ChamberError(Code.InvalidArgument, problem.message, { details: { field: problem.field } });

/**
 * The Workloads RPCs: create, update and delete are checked, then written as
 * inputs (`inputs/workload-repair/<id>`) that the manager applies at the
 * next tick, answering that tick; get, list and list-instances read the
 * records (the workload and instance records joined with placements, the
 * scheduler's refusals, actual and observed states); get-availability folds
 * the monitor's samples of a workload (`availability/<workload>/`) over a
 * range of ticks, by default from 0 to the last settled tick.
 */
export function createWorkloadsHandlers(
  store: Store,
  logger: HandlerLogger,
  options: WorkloadsHandlerOptions,
): WorkloadsServer {
  const unary = <Req, Res>(fn: (req: Req) => Promise<Res>) => unaryCall<Req, Res>(fn, logger);
  const writer = new InputWriter(store);

  /**
   * The workloads as they stand once the inputs waiting are applied (as the
   * manager will apply them, in order, at their ticks), each with its stored
   * record's mod revision (0 while only its create waits). `only`: just that
   * workload's.
   */
  async function standing(only?: string): Promise<Map<string, Standing>> {
    const stored = await store.list(
      WorkloadRecord,
      only === undefined ? keys.workloadsPrefix : keys.workload(only),
    );
    const at = { revision: stored.revision };
    const [inbox, markers] = await Promise.all([
      store.list(WorkloadInput, workloadsInbox, at),
      store.list(PendingRecord, keys.pendingPrefix, at),
    ]);
    const out = new Map<string, Standing>();
    for (const e of stored.entries) {
      // A prefix read of `workloads/web` also finds `workloads/web-2`.
      const name = e.value.spec?.name ?? '';
      if (only === undefined || name === only)
        out.set(name, { record: e.value, revision: e.modRevision });
    }
    const effectiveTickOf = new Map(
      markers.entries.map((m) => [m.key.slice(keys.pendingPrefix.length), m.value.effectiveTick]),
    );
    const waiting = inbox.entries
      .map((e) => ({
        id: e.key.slice(workloadsInbox.length),
        input: e.value,
        tick: effectiveTickOf.get(e.key.slice(workloadsInbox.length)),
      }))
      .filter(
        (w): w is typeof w & { tick: number } =>
          w.tick !== undefined && (only === undefined || w.input.spec?.name === only),
      )
      .sort((a, b) => a.tick - b.tick || a.id.localeCompare(b.id, 'en', { numeric: true }));
    for (const { input, tick } of waiting) {
      const name = input.spec?.name ?? '';
      const before = out.get(name);
      const applied = applyInput(tick, before?.record, input);
      if (applied.record === undefined) out.delete(name);
      else out.set(name, { record: applied.record, revision: before?.revision ?? 0 });
    }
    return out;
  }

  /** Checks that workload `name` exists and may change; the guard for `matchRevision`. */
  async function changeable(name: string, matchRevision: number | undefined): Promise<Compare[]> {
    const found = (await standing(name)).get(name);
    if (found === undefined)
      throw new ChamberError(Code.NotFound, `no workload "${name}"`, {
        details: { field: 'name' },
      });
    if (found.record.phase === WorkloadPhase.WORKLOAD_PHASE_DELETING)
      throw new ChamberError(Code.FailedPrecondition, `workload "${name}" is being deleted`);
    if (matchRevision === undefined) return [];
    if (found.revision !== matchRevision)
      throw new ChamberError(
        Code.FailedPrecondition,
        `workload "${name}" changed: its revision is ${found.revision === 0 ? 'none yet' : found.revision}, not ${matchRevision}; read it again`,
        { details: { field: 'match_revision' } },
      );
    return [cmp.modRevision(keys.workload(name), '==', matchRevision)];
  }

  async function submit(
    action: WorkloadInput_Action,
    spec: WorkloadSpec,
    compares: Compare[],
    conflict: () => ChamberError,
  ): Promise<{ effectiveTick: number }> {
    const { effectiveTick } = await writer.submit({
      id: { sequence: 'workload/w' },
      owner: workloadsOwner,
      journal: { workload: { action, spec } },
      ops: (_tick, id) => [op.put(WorkloadInput, workloadsInbox + id, { action, spec })],
      compares,
      conflict,
    });
    return { effectiveTick };
  }

  const changedMeanwhile = (name: string) => () =>
    new ChamberError(
      Code.FailedPrecondition,
      `workload "${name}" changed meanwhile; read it again`,
      { details: { field: 'match_revision' } },
    );

  /** One workload's placements at `revision`: its keys picked from the placement keys, then read. */
  async function placementsOf(
    workload: string,
    revision: number,
  ): Promise<Entry<PlacementRecord>[]> {
    const mine = (await store.listKeys(keys.placementsPrefix, { revision })).filter(
      (key) => instanceOfKey(key)?.workload === workload,
    );
    const found: Entry<PlacementRecord>[] = [];
    for (let from = 0; from < mine.length; from += readsInFlight) {
      const read = await Promise.all(
        mine
          .slice(from, from + readsInFlight)
          .map((key) => store.get(PlacementRecord, key, { revision })),
      );
      for (const e of read) if (e !== undefined) found.push(e);
    }
    return found;
  }

  /**
   * What is stored about instances (all, one workload's, or those on blades
   * under `under`), all read at one revision. One workload's reads only its
   * records: its placements are found among the placement keys alone, as a
   * placement is keyed by its blade.
   */
  async function instanceRecords(workload: string, under: string): Promise<InstanceRecords> {
    const intents = await store.list(
      InstanceRecord,
      workload === '' ? keys.instancesPrefix : keys.instancesOfWorkload(workload),
    );
    const at = { revision: intents.revision };
    const ofWorkload = (all: string, one: (w: string) => string): string =>
      workload === '' ? all : one(workload);
    const [placements, unplaced, actual, observed] = await Promise.all([
      workload === '' || under !== ''
        ? store
            .list(
              PlacementRecord,
              under === '' ? keys.placementsPrefix : keys.placementsOn(under),
              at,
            )
            .then((r) => r.entries)
        : placementsOf(workload, intents.revision),
      store.list(UnplacedRecord, ofWorkload(keys.unplacedPrefix, keys.unplacedOf), at),
      store.list(InstanceActual, ofWorkload(keys.instanceActualPrefix, keys.instanceActualOf), at),
      store.list(
        InstanceObserved,
        ofWorkload(keys.instanceObservedPrefix, keys.instanceObservedOf),
        at,
      ),
    ]);
    // Keyed by instance name (`web/3`), from each record's key.
    const byName = <T>(entries: readonly Entry<T>[]): Map<string, T> => {
      const map = new Map<string, T>();
      for (const e of entries) {
        const of = instanceOfKey(e.key);
        if (of !== undefined) map.set(instanceName(of.workload, of.n), e.value);
      }
      return map;
    };
    return {
      intents: intents.entries.map((e) => e.value),
      placements: byName(placements),
      unplaced: byName(unplaced.entries),
      actual: byName(actual.entries),
      observed: byName(observed.entries),
    };
  }

  async function standingInstances(workload: string, under: string): Promise<Instance[]> {
    const records = await instanceRecords(workload, under);
    return records.intents
      .map((intent) => standingInstance(intent, records))
      .filter((i) => under === '' || (i.blade !== '' && isUnder(i.blade, under)))
      .sort((a, b) => a.workload.localeCompare(b.workload) || a.n - b.n);
  }

  return {
    createWorkload: unary(async (req) => {
      const checked = checkSpec(req.spec, options.maxInstances);
      if (checked.problem !== undefined) throw invalid(checked.problem);
      const name = checked.spec.name;
      const found = (await standing(name)).get(name);
      if (found !== undefined)
        throw new ChamberError(
          Code.AlreadyExists,
          found.record.phase === WorkloadPhase.WORKLOAD_PHASE_DELETING
            ? `workload "${name}" is being deleted; create it again once it is gone`
            : `workload "${name}" exists already`,
          { details: { field: 'spec.name' } },
        );
      const exists = () =>
        new ChamberError(Code.AlreadyExists, `workload "${name}" exists already`, {
          details: { field: 'spec.name' },
        });
      return submit(
        WorkloadInput_Action.ACTION_CREATE,
        checked.spec,
        [cmp.absent(keys.workload(name))],
        exists,
      );
    }),

    updateWorkload: unary(async (req) => {
      const checked = checkSpec(req.spec, options.maxInstances);
      if (checked.problem !== undefined) throw invalid(checked.problem);
      const name = checked.spec.name;
      const compares = await changeable(name, req.matchRevision);
      return submit(
        WorkloadInput_Action.ACTION_UPDATE,
        checked.spec,
        compares,
        changedMeanwhile(name),
      );
    }),

    deleteWorkload: unary(async (req) => {
      const problem = nameProblem(req.name, 'name');
      if (problem !== undefined) throw invalid(problem);
      const compares = await changeable(req.name, req.matchRevision);
      return submit(
        WorkloadInput_Action.ACTION_DELETE,
        { ...emptySpec, name: req.name },
        compares,
        changedMeanwhile(req.name),
      );
    }),

    getWorkload: unary(async (req) => {
      const problem = nameProblem(req.name, 'name');
      if (problem !== undefined) throw invalid(problem);
      const found = (await standing(req.name)).get(req.name);
      if (found === undefined)
        throw new ChamberError(Code.NotFound, `no workload "${req.name}"`, {
          details: { field: 'name' },
        });
      const instances = await standingInstances(req.name, '');
      return { workload: standingWorkload(found.record, found.revision, instances) };
    }),

    listWorkloads: unary(async () => {
      const [records, instances] = await Promise.all([standing(), standingInstances('', '')]);
      const byWorkload = new Map<string, Instance[]>();
      for (const i of instances) {
        const list = byWorkload.get(i.workload) ?? [];
        list.push(i);
        byWorkload.set(i.workload, list);
      }
      return {
        workloads: [...records]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, { record, revision }]) =>
            standingWorkload(record, revision, byWorkload.get(name) ?? []),
          ),
      };
    }),

    listInstances: unary(async (req) => {
      if (req.workload !== '') {
        const problem = nameProblem(req.workload, 'workload');
        if (problem !== undefined) throw invalid(problem);
      }
      const under = req.under.replace(/^\/+|\/+$/g, '');
      return { instances: await standingInstances(req.workload, under) };
    }),

    getAvailability: unary(async (req) => {
      const problem = nameProblem(req.workload, 'workload');
      if (problem !== undefined) throw invalid(problem);
      const stored = await store.list(AvailabilitySample, keys.availabilityOf(req.workload));
      // A workload that never wanted an instance has no sample: nothing was desired.
      const exists =
        stored.entries.length > 0 ||
        (await store.get(WorkloadRecord, keys.workload(req.workload), {
          revision: stored.revision,
        })) !== undefined;
      if (!exists)
        throw new ChamberError(
          Code.NotFound,
          `workload "${req.workload}" has no availability: it never existed in this run`,
          { details: { field: 'workload' } },
        );
      const fromTick = req.fromTick ?? 0;
      const toTick =
        req.toTick ??
        (await store.get(SettledRecord, keys.clockSettled, { revision: stored.revision }))?.value
          .tick ??
        0;
      if (fromTick > toTick)
        throw new ChamberError(
          Code.InvalidArgument,
          `from tick ${fromTick} is after to tick ${toTick}`,
          { details: { field: req.fromTick === undefined ? 'to_tick' : 'from_tick' } },
        );
      return {
        workload: req.workload,
        ...summarizeAvailability(
          stored.entries.map((e) => e.value),
          fromTick,
          toTick,
        ),
      };
    }),
  };
}

const emptySpec: WorkloadSpec = {
  name: '',
  instances: 0,
  demand: undefined,
  image: '',
  placement: undefined,
  maxUnavailable: 0,
};
