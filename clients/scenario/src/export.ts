// A run as a scenario (issue 19 §3): the run's seed, its definition and the
// input journal (Clock.ListInputs) become a scenario that replays the run to
// the same digest. Pure: the caller reads the run, this decides the file.
import { ChamberError, Code } from '@chamber/errors';
import {
  PlacementLevel,
  PlacementRule,
  WorkloadInput_Action,
  commandActionToJSON,
  faultKindToJSON,
  targetStateToJSON,
  type DefinitionSource,
  type JournalRecord,
  type ListInputsResponse,
  type Schedule,
  type WorkloadSpec as WireSpec,
} from '@chamber/protos';
import {
  commandActions,
  enumTypes,
  faultKinds,
  fromWire,
  isOneOf,
  placementLevels,
  placementRules,
  targetStates,
  type EnumType,
} from '@chamber/world';
import { parse as parseYaml } from 'yaml';
import {
  inventorySamples,
  type FaultSchedule,
  type Input,
  type InventorySource,
  type Scenario,
  type TimedInput,
  type WorkloadSpec,
} from './model.js';

/** Options of {@link exportScenario}. */
export interface ExportOptions {
  /** The scenario's name; default `run-<seed>-tick-<tick>`. */
  readonly name?: string;
}

/**
 * The scenario that replays the run `run` (Clock.ListInputs) to its tick:
 * its seed, its definition (a shipped sample by name, any other written
 * inline), every input at the tick it took
 * effect (a fault under its id, which a `clear` names; who asked kept, since
 * faults and commands record it), `run.until` its tick, and the digest
 * there as the one expectation (a golden run). Fails with
 * `FailedPrecondition` for a run that cannot be replayed from a file: no
 * definition in force, no longer deterministic (a participant was dropped),
 * or a definition loaded during the run; and with
 * `Internal` for a journal entry it does not know.
 */
export function exportScenario(run: ListInputsResponse, options: ExportOptions = {}): Scenario {
  const refuse = (why: string): never => {
    throw new ChamberError(Code.FailedPrecondition, `the run cannot be exported: ${why}`);
  };
  if (!run.deterministic)
    refuse('it is no longer deterministic (a participant was dropped), so it would not replay');
  if (run.definition === undefined) refuse('no definition is in force');
  const specs = new Map<string, WorkloadSpec>();
  const timeline: TimedInput[] = run.inputs.map((entry) => ({
    at: entry.effectiveTick,
    input: inputOf(entry, specs, refuse),
    where: `journal entry at tick ${entry.effectiveTick} (${entry.inputId})`,
  }));
  return {
    name: options.name ?? `run-${run.seed}-tick-${run.tick}`,
    description: `Exported at tick ${run.tick}: replays the run to its digest.`,
    seed: run.seed,
    inventory: inventoryOf(run.definition!),
    workloads: [],
    timeline,
    run: { kind: 'tick', until: run.tick },
    expect: [{ at: 'end', check: { kind: 'digest', digest: run.digest }, where: 'export' }],
  };
}

/** A shipped sample by name; any other definition written into the scenario, as the data its YAML holds. */
function inventoryOf({ sample, source, fileName }: DefinitionSource): InventorySource {
  if (isOneOf(inventorySamples, sample)) return { kind: 'sample', sample };
  const definition: unknown = parseYaml(source);
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new ChamberError(
      Code.Internal,
      `the definition in force (${fileName}) is not a map; it cannot be written into a scenario`,
    );
  }
  return { kind: 'inline', definition: definition as Record<string, unknown> };
}

/** The API's word for a wire enum value, or `Internal` when the journal holds none of `list`. */
function word<T extends string>(type: EnumType, list: readonly T[], wire: string, what: string): T {
  const w = fromWire(type, wire);
  if (isOneOf(list, w)) return w;
  throw new ChamberError(Code.Internal, `the input journal holds ${what} ${wire}, not a known one`);
}

const by = (requestedBy: string) => (requestedBy === 'sdk' ? {} : { by: requestedBy });

/** A journal entry as a scenario input; `specs`: each workload's spec so far. */
function inputOf(
  entry: JournalRecord,
  specs: Map<string, WorkloadSpec>,
  refuse: (why: string) => never,
): Input {
  const at = `tick ${entry.effectiveTick}`;
  if (entry.injectFault !== undefined) {
    const f = entry.injectFault;
    return {
      kind: 'fault',
      id: entry.inputId.slice('fault/'.length),
      fault: word(enumTypes.faultKind, faultKinds, faultKindToJSON(f.kind), 'the fault kind'),
      targets: f.targets,
      schedule: scheduleOf(f.schedule),
      ...by(f.requestedBy),
    };
  }
  if (entry.clearFault !== undefined)
    return { kind: 'clear', id: entry.clearFault.id, ...by(entry.clearFault.requestedBy) };
  if (entry.clearFaults !== undefined)
    return { kind: 'clearAll', ...by(entry.clearFaults.requestedBy) };
  if (entry.loadDefinition !== undefined)
    refuse(
      `a definition (${entry.loadDefinition.fileName}) was loaded at ${at}; export a run from its load on`,
    );
  if (entry.setTarget !== undefined) {
    const t = entry.setTarget;
    return {
      kind: 'target',
      path: t.path,
      state: word(enumTypes.targetState, targetStates, targetStateToJSON(t.state), 'the target'),
      powered: t.powered,
      drain: t.drain,
      reason: t.reason,
    };
  }
  if (entry.issueCommand !== undefined) {
    const c = entry.issueCommand;
    return {
      kind: 'command',
      target: c.target,
      action: word(
        enumTypes.commandAction,
        commandActions,
        commandActionToJSON(c.action),
        'the command',
      ),
      ...(c.image === '' ? {} : { image: c.image }),
      ...by(c.requestedBy),
    };
  }
  if (entry.workload?.spec !== undefined) {
    const spec = specOf(entry.workload.spec);
    const before = specs.get(spec.name);
    switch (entry.workload.action) {
      case WorkloadInput_Action.ACTION_CREATE:
        specs.set(spec.name, spec);
        return { kind: 'create', workload: spec };
      case WorkloadInput_Action.ACTION_DELETE:
        specs.delete(spec.name);
        return { kind: 'delete', name: spec.name };
      case WorkloadInput_Action.ACTION_UPDATE:
        specs.set(spec.name, spec);
        return updateOf(before, spec);
      default:
        break;
    }
  }
  throw new ChamberError(
    Code.Internal,
    `the input journal's entry ${entry.inputId} at ${at} is no input an export knows`,
  );
}

/**
 * An update as its smallest input: `scale` when only the instances changed,
 * else the fields that changed (a demand whole, its zeros said, since an
 * update merges it into the current one).
 */
function updateOf(before: WorkloadSpec | undefined, after: WorkloadSpec): Input {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const { demand } = after;
  const change = {
    ...(before?.instances === after.instances ? {} : { instances: after.instances }),
    ...(same(before?.demand, demand)
      ? {}
      : {
          demand: {
            cores: demand.cores,
            memoryGib: demand.memoryGib ?? 0,
            diskGib: demand.diskGib ?? 0,
            networkGbps: demand.networkGbps ?? 0,
          },
        }),
    ...(before?.image === after.image ? {} : { image: after.image }),
    ...(same(before?.placement, after.placement)
      ? {}
      : { placement: after.placement ?? { rule: 'none' as const } }),
    ...((before?.maxUnavailable ?? 1) === (after.maxUnavailable ?? 1)
      ? {}
      : { maxUnavailable: after.maxUnavailable ?? 1 }),
  };
  const keys = Object.keys(change);
  if (keys.length === 1 && change.instances !== undefined)
    return { kind: 'scale', name: after.name, instances: change.instances };
  // An update that changed nothing still takes effect (and is in the digest):
  // it is written with its instances.
  return {
    kind: 'update',
    name: after.name,
    change: keys.length === 0 ? { instances: after.instances } : change,
  };
}

/** A wire spec in the scenario's words; amounts of 0 and defaults left out. */
function specOf(wire: WireSpec): WorkloadSpec {
  const d = wire.demand;
  const rule = fromWire(enumTypes.placementRule, PlacementRule[wire.placement?.rule ?? 0] ?? '');
  const level = fromWire(
    enumTypes.placementLevel,
    PlacementLevel[wire.placement?.level ?? 0] ?? '',
  );
  return {
    name: wire.name,
    instances: wire.instances,
    demand: {
      cores: d?.cores ?? 0,
      ...(d === undefined || d.memoryGib === 0 ? {} : { memoryGib: d.memoryGib }),
      ...(d === undefined || d.diskGib === 0 ? {} : { diskGib: d.diskGib }),
      ...(d === undefined || d.networkGbps === 0 ? {} : { networkGbps: d.networkGbps }),
    },
    image: wire.image,
    ...(isOneOf(placementRules, rule) && rule !== 'none'
      ? {
          placement: {
            rule,
            ...(isOneOf(placementLevels, level) ? { level } : {}),
          },
        }
      : {}),
    ...(wire.maxUnavailable > 1 ? { maxUnavailable: wire.maxUnavailable } : {}),
  };
}

/** A wire schedule in the scenario's words: the fields given. */
function scheduleOf(schedule: Schedule | undefined): FaultSchedule {
  const s = schedule ?? {};
  return Object.fromEntries(
    (['at', 'duration', 'every', 'probability', 'mtbf', 'mttr'] as const)
      .filter((k) => s[k] !== undefined)
      .map((k) => [k, s[k]]),
  );
}
