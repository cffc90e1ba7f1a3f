import {
  bladeStates,
  cableStates,
  elementPathGrammar,
  faultTargetError,
  observedStates,
  pduStates,
  targetStates,
  torStates,
  tryParseElementPath,
  type ElementPath,
  type ElementType,
  type PolicyWord,
} from '@chamber/world';
import {
  checkTextSize,
  quote,
  readYaml,
  show,
  sourceErrorsError,
  type Path,
  type Wording,
  type YamlSource,
} from '@chamber/yaml-source';
import {
  lastTickOf,
  scenarioDefaultSeed,
  type Check,
  type ClockPolicy,
  type Condition,
  type CountBound,
  type FaultSchedule,
  type ElementState,
  type Expectation,
  type Input,
  type InventorySource,
  type RunBound,
  type Scenario,
  type TimedInput,
  type WorkloadSpec,
} from './model.js';
import {
  checkKeys,
  conditionKeys,
  inputKeys,
  inputsWithRequester,
  inventoryKeys,
  limits,
  scenarioSchema,
  type RawCount,
  type RawElementState,
  type RawEntry,
  type RawScenario,
} from './schema.js';

/** `map` without its `undefined` fields: zod's optional fields, as the model's optional ones. */
function defined<T>(map: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined)) as T;
}

/** Where `path` points, for people: `timeline item 3 (at 40)`, `workload "web"`, `expect item 2`. */
function describePath(path: Path, raw: unknown): { context: string; field: string } {
  const at = (v: unknown, k: string | number): unknown =>
    typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
  const [top, index] = path;
  if (typeof index === 'number') {
    const item = at(at(raw, top!), index);
    const field = path.slice(2).join('.');
    if (top === 'timeline') {
      const tick = at(item, 'at');
      const when = typeof tick === 'number' ? ` (at ${tick})` : '';
      return { context: `timeline item ${index + 1}${when}`, field };
    }
    if (top === 'workloads') {
      const name = at(item, 'name');
      return {
        context:
          typeof name === 'string' ? `workload ${quote(name)}` : `workloads item ${index + 1}`,
        field,
      };
    }
    if (top === 'expect') return { context: `expect item ${index + 1}`, field };
  }
  return { context: 'the scenario', field: path.join('.') };
}

const wording: Wording = {
  describePath,
  union: (what, value, path) => {
    const last = path.at(-1);
    if (last === 'until')
      return `${what} must be a tick or a map with one condition and "within", got ${show(value)}`;
    if (last === 'at') return `${what} must be a tick or "end", got ${show(value)}`;
    return `${what} must be a count or a map with "min" and/or "max", got ${show(value)}`;
  },
  format: (what, value, path) => {
    const last = path.at(-1);
    if (last === 'digest') return `${what} ${show(value)} must be a hex digest (lower case)`;
    if (last === 'path' || path.at(-2) === 'targets')
      return `${what} ${show(value)} is not an element path: expected ${elementPathGrammar}`;
    // The scenario's own name and fault ids; the other names are workloads'.
    if ((last === 'name' && path.length === 1) || last === 'id' || last === 'clear')
      return `${what} ${show(value)} must be 1-63 letters, digits, "-", "_" or ".", starting with a letter or digit`;
    return `${what} ${show(value)} must be 1-63 lower-case letters, digits and "-", starting with a letter`;
  },
};

/**
 * Parses and checks the scenario `text` of the file `file` (the name its
 * errors are reported against). Returns the {@link Scenario}, defaults
 * applied and the timeline in the order it takes effect. Fails with one
 * `InvalidArgument` `ChamberError` whose message lists every problem found
 * as `file:line:col: what is wrong`, one a line (the first 20, then
 * `and N more`); a text over 4 MB is refused before it is read, naming its
 * size.
 */
export function parseScenario(text: string, file: string): Scenario {
  checkTextSize(text, file, { what: 'scenario', bytes: limits.bytes });
  const { source, value } = readYaml(text, file, scenarioSchema, wording, {
    document: 'scenario',
    aliasedNodes: limits.aliasedNodes,
  });
  const scenario = value === undefined ? undefined : build(value, source);
  if (scenario === undefined || source.hasErrors) throw sourceErrorsError(source.errors());
  return scenario;
}

/** The one key of `keys` that `map` has, or `undefined` after reporting none or several. */
function exactlyOne<K extends string>(
  source: YamlSource,
  path: Path,
  map: Readonly<Partial<Record<K, unknown>>>,
  keys: readonly K[],
  context: string,
  what: string,
): K | undefined {
  const present = keys.filter((k) => map[k] !== undefined);
  if (present.length === 1) return present[0];
  if (present.length === 0) {
    source.reportAt(
      path,
      'missing-key',
      `${context}: needs one ${what}: ${keys.map((k) => `"${k}"`).join(', ')}`,
    );
  } else {
    source.reportAtKey(
      path,
      present[1]!,
      'one-of',
      `${context}: has both "${present[0]}" and "${present[1]}"; give one ${what} per item`,
    );
  }
  return undefined;
}

/** The state words an element of `type` may be in, in `view`; `undefined`: it has no state there. */
function statesOf(type: ElementType, view: ElementState['view']): readonly string[] | undefined {
  const isDevice = type === 'pdu' || type === 'tor' || type === 'blade';
  if (view === 'target') return isDevice ? targetStates : undefined;
  if (view === 'observed') return isDevice ? observedStates : undefined;
  switch (type) {
    case 'blade':
      return bladeStates;
    case 'pdu':
      return pduStates;
    case 'tor':
      return torStates;
    case 'cable':
      return cableStates;
    default:
      return undefined;
  }
}

/** Checks the rules across fields and builds the model; reports on `source`. */
function build(raw: RawScenario, source: YamlSource): Scenario | undefined {
  const at = (path: Path): string => source.positionOf(path);

  // The inventory.
  const inventoryKey = exactlyOne(
    source,
    ['inventory'],
    raw.inventory,
    inventoryKeys,
    'the scenario: "inventory"',
    'source',
  );
  const inventory: InventorySource | undefined =
    inventoryKey === 'sample'
      ? { kind: 'sample', sample: raw.inventory.sample! }
      : inventoryKey === 'file'
        ? { kind: 'file', path: raw.inventory.file! }
        : inventoryKey === 'inline'
          ? { kind: 'inline', definition: raw.inventory.inline! }
          : undefined;

  // The run's bound, which every tick must stay within.
  const until = raw.run.until;
  let run: RunBound | undefined;
  if (typeof until === 'number') {
    run = { kind: 'tick', until };
  } else {
    const key = exactlyOne(
      source,
      ['run', 'until'],
      until,
      conditionKeys,
      'the scenario: "run.until"',
      'condition',
    );
    const condition: Condition | undefined =
      key === 'atStrength'
        ? { kind: 'atStrength', workload: until.atStrength! }
        : key === 'noOpenRepairs'
          ? { kind: 'noOpenRepairs' }
          : key === 'element'
            ? elementState(
                source,
                ['run', 'until', 'element'],
                until.element!,
                'the scenario: "run.until.element"',
                (s) => ({
                  kind: 'element' as const,
                  ...s,
                }),
              )
            : undefined;
    if (condition !== undefined) run = { kind: 'condition', condition, within: until.within };
  }
  const last = run === undefined ? undefined : lastTickOf(run);
  const withinRun = (tick: number, path: Path, context: string): void => {
    if (last !== undefined && tick > last)
      source.reportAt(
        path,
        'past-the-end',
        `${context}: tick ${tick} is past the end of the run (tick ${last}, run.until)`,
      );
  };

  // Workloads: those created at the start, then the timeline's, in the order they take effect.
  const everCreated = new Set<string>();
  const workloads: WorkloadSpec[] = [];
  const firstSeen = new Map<string, number>();
  (raw.workloads ?? []).forEach((w, i) => {
    const path: Path = ['workloads', i];
    const seenAt = firstSeen.get(w.name);
    if (seenAt !== undefined) {
      source.reportAt(
        [...path, 'name'],
        'duplicate-name',
        `workload "${w.name}" appears twice in workloads (first as item ${seenAt + 1})`,
      );
      return;
    }
    firstSeen.set(w.name, i);
    checkPlacement(source, [...path, 'placement'], w.placement, `workload "${w.name}"`);
    everCreated.add(w.name);
    workloads.push(w as WorkloadSpec);
  });
  const entries = (raw.timeline ?? []).map((entry, index) => ({ entry, index }));
  for (const { entry } of entries)
    if (entry.create !== undefined) everCreated.add(entry.create.name);
  entries.sort((a, b) => a.entry.at - b.entry.at || a.index - b.index);

  // The timeline, in the order it takes effect.
  const alive = new Set(workloads.map((w) => w.name));
  const faults = new Set<string>();
  const allFaultIds = new Set(
    (raw.timeline ?? []).flatMap((e) => (e.fault?.id === undefined ? [] : [e.fault.id])),
  );
  const timeline: TimedInput[] = [];
  for (const { entry, index } of entries) {
    const path: Path = ['timeline', index];
    const { context } = describePath(path, raw);
    if (entry.at < 1) {
      source.reportAt(
        [...path, 'at'],
        'too-early',
        `${context}: an input takes effect at tick 1 at the earliest (tick 0 is the start of the run)`,
      );
    }
    withinRun(entry.at, [...path, 'at'], context);
    const key = exactlyOne(source, path, entry, inputKeys, context, 'input');
    if (key === undefined) continue;
    if (entry.by !== undefined && !(inputsWithRequester as readonly string[]).includes(key)) {
      source.reportAt(
        [...path, 'by'],
        'bad-value',
        `${context}: "by" goes with ${inputsWithRequester.map((k) => `"${k}"`).join(', ')}, not "${key}"`,
      );
      continue;
    }
    const input = inputOf(source, path, context, entry, key, { alive, faults, allFaultIds });
    if (input !== undefined) timeline.push({ at: entry.at, input, where: at(path) });
    if (input?.kind === 'fault' && input.id !== undefined) faults.add(input.id);
  }

  // Expectations.
  const expectations: Expectation[] = [];
  (raw.expect ?? []).forEach((e, i) => {
    const path: Path = ['expect', i];
    const { context } = describePath(path, raw);
    if (e.at !== 'end') withinRun(e.at, [...path, 'at'], context);
    const key = exactlyOne(source, path, e, checkKeys, context, 'check');
    if (key === undefined) return;
    const known = (name: string, field: string): boolean => {
      if (everCreated.has(name)) return true;
      source.reportAt(
        [...path, key, field],
        'unknown-workload',
        `${context}: no workload "${name}" is created in this scenario`,
      );
      return false;
    };
    let check: Check | undefined;
    switch (key) {
      case 'state':
        check = elementState(source, [...path, 'state'], e.state!, context, (s) => ({
          kind: 'state' as const,
          ...s,
        }));
        break;
      case 'repairs': {
        const counts: Record<string, CountBound> = {};
        let ok = true;
        for (const [status, bound] of Object.entries(e.repairs!)) {
          const b = countOf(source, [...path, 'repairs', status], bound, context);
          if (b === undefined) ok = false;
          else counts[status] = b;
        }
        if (ok) check = { kind: 'repairs', counts };
        break;
      }
      case 'running': {
        const r = e.running!;
        const instances = countOf(source, [...path, 'running', 'instances'], r.instances, context);
        if (known(r.workload, 'workload') && instances !== undefined)
          check = { kind: 'running', workload: r.workload, instances };
        break;
      }
      case 'availability':
      case 'longestOutage':
      case 'recovery': {
        const c = e[key]!;
        if (!known(c.workload, 'workload')) break;
        check =
          key === 'availability'
            ? { kind: key, workload: c.workload, atLeast: e.availability!.atLeast }
            : { kind: key, workload: c.workload, atMost: e[key]!.atMost };
        break;
      }
      case 'noEscalations':
        check = { kind: 'noEscalations' };
        break;
      case 'digest':
        check = { kind: 'digest', digest: e.digest! };
        break;
    }
    if (check !== undefined) expectations.push({ at: e.at, check, where: at(path) });
  });

  if (run?.kind === 'condition' && run.condition.kind === 'atStrength') {
    if (!everCreated.has(run.condition.workload))
      source.reportAt(
        ['run', 'until', 'atStrength'],
        'unknown-workload',
        `the scenario: "run.until.atStrength": no workload "${run.condition.workload}" is created in this scenario`,
      );
  }
  const clock =
    raw.clock === undefined
      ? undefined
      : policyOf(source, ['clock'], raw.clock, 'the scenario: "clock"');
  if (inventory === undefined || run === undefined) return undefined;
  return {
    name: raw.name,
    ...(raw.description === undefined ? {} : { description: raw.description }),
    seed: raw.seed ?? scenarioDefaultSeed,
    inventory,
    workloads,
    ...(clock === undefined ? {} : { clock }),
    timeline,
    run,
    expect: expectations,
  };
}

/** What the timeline knows when it reaches an input. */
interface TimelineState {
  /** The workloads that exist when the input takes effect. */
  readonly alive: Set<string>;
  /** The ids of the faults injected before it. */
  readonly faults: ReadonlySet<string>;
  /** Every fault id of the timeline. */
  readonly allFaultIds: ReadonlySet<string>;
}

function inputOf(
  source: YamlSource,
  path: Path,
  context: string,
  entry: RawEntry,
  key: (typeof inputKeys)[number],
  state: TimelineState,
): Input | undefined {
  const here: Path = [...path, key];
  const by = entry.by === undefined ? {} : { by: entry.by };
  const exists = (name: string): boolean => {
    if (state.alive.has(name)) return true;
    source.reportAt(
      [...here, 'name'],
      'unknown-workload',
      `${context}: workload "${name}" does not exist at tick ${entry.at} (create it earlier, in "workloads" or a "create" input)`,
    );
    return false;
  };
  switch (key) {
    case 'fault': {
      const f = entry.fault!;
      let ok = true;
      const fail = (field: string, rule: string, message: string): void => {
        ok = false;
        source.reportAt([...here, field], rule, `${context}: ${message}`);
      };
      if (f.id !== undefined && state.faults.has(f.id))
        fail('id', 'duplicate-name', `fault id "${f.id}" is used twice`);
      f.targets.forEach((t, i) => {
        const element = elementOf(source, [...here, 'targets', i], t, context);
        if (element === undefined) {
          ok = false;
          return;
        }
        const why = faultTargetError(f.kind, element);
        if (why !== undefined) {
          ok = false;
          source.reportAt([...here, 'targets', i], 'bad-target', `${context}: ${why}`);
        }
      });
      // The faults service's rules for a schedule, said before anything runs.
      if (f.at !== undefined && f.at < entry.at)
        fail(
          'at',
          'too-early',
          `"fault.at" ${f.at} is before the fault is injected (tick ${entry.at})`,
        );
      if (f.every !== undefined && f.duration !== undefined && f.duration >= f.every)
        fail(
          'duration',
          'bad-schedule',
          `"fault.duration" (${f.duration}) must be shorter than "fault.every" (${f.every})`,
        );
      if ((f.mtbf === undefined) !== (f.mttr === undefined))
        fail(
          f.mtbf === undefined ? 'mttr' : 'mtbf',
          'bad-schedule',
          '"mtbf" and "mttr" go together: give both',
        );
      const modes = (['every', 'probability', 'mtbf'] as const).filter((m) => f[m] !== undefined);
      if (modes.length > 1)
        fail(
          modes[1]!,
          'bad-schedule',
          `give at most one of "every", "probability" and "mtbf" (got "${modes[0]}" and "${modes[1]}")`,
        );
      if (f.mtbf !== undefined && f.duration !== undefined)
        fail(
          'duration',
          'bad-schedule',
          '"duration" does not apply with "mtbf" ("mttr" sets how long each failure lasts)',
        );
      if (!ok) return undefined;
      const { id, kind, targets, ...schedule } = f;
      return {
        kind: 'fault',
        ...(id === undefined ? {} : { id }),
        fault: kind,
        targets,
        schedule: defined<FaultSchedule>(schedule),
        ...by,
      };
    }
    case 'clear': {
      const id = entry.clear!;
      if (state.faults.has(id)) return { kind: 'clear', id, ...by };
      const known = [...state.faults];
      source.reportAt(
        here,
        'unknown-fault',
        state.allFaultIds.has(id)
          ? `${context}: clears fault "${id}" before it is injected (a clear takes effect after its fault)`
          : `${context}: no fault has id "${id}"${known.length === 0 ? ' (no earlier fault has an id)' : `; the earlier ones are ${known.map((k) => `"${k}"`).join(', ')}`}`,
      );
      return undefined;
    }
    case 'target': {
      const t = entry.target!;
      const element = elementOf(source, [...here, 'path'], t.path, context);
      if (element === undefined) return undefined;
      if (!['pdu', 'tor', 'blade', 'rack', 'zone'].includes(element.type)) {
        source.reportAt(
          [...here, 'path'],
          'bad-target',
          `${context}: a target is set on a PDU, a TOR, a blade, or every blade of a rack or zone, not on a ${element.type}`,
        );
        return undefined;
      }
      if (t.drain === true && t.state === 'in_service') {
        source.reportAt(
          [...here, 'drain'],
          'bad-target',
          `${context}: "drain" goes with out_for_repair or retired, not in_service`,
        );
        return undefined;
      }
      return defined<Input>({ kind: 'target', ...t });
    }
    case 'create': {
      const w = entry.create!;
      if (state.alive.has(w.name)) {
        source.reportAt(
          [...here, 'name'],
          'duplicate-name',
          `${context}: workload "${w.name}" already exists at tick ${entry.at}`,
        );
        return undefined;
      }
      if (!checkPlacement(source, [...here, 'placement'], w.placement, context)) return undefined;
      state.alive.add(w.name);
      return { kind: 'create', workload: w as WorkloadSpec };
    }
    case 'scale': {
      const s = entry.scale!;
      return exists(s.name) ? { kind: 'scale', name: s.name, instances: s.instances } : undefined;
    }
    case 'update': {
      const { name, ...change } = entry.update!;
      if (!exists(name)) return undefined;
      if (Object.keys(change).length === 0) {
        source.reportAt(
          here,
          'missing-key',
          `${context}: "update" changes nothing: give instances, demand, image, placement or maxUnavailable`,
        );
        return undefined;
      }
      if (!checkPlacement(source, [...here, 'placement'], change.placement, context))
        return undefined;
      return {
        kind: 'update',
        name,
        change: change as Extract<Input, { kind: 'update' }>['change'],
      };
    }
    case 'delete': {
      const { name } = entry.delete!;
      if (!exists(name)) return undefined;
      state.alive.delete(name);
      return { kind: 'delete', name };
    }
    case 'policy': {
      const policy = policyOf(source, here, entry.policy!, context);
      return policy === undefined ? undefined : { kind: 'policy', policy };
    }
    case 'clearAll':
      return { kind: 'clearAll', ...by };
    case 'command': {
      const c = entry.command!;
      const element = elementOf(source, [...here, 'target'], c.target, context);
      if (element === undefined) return undefined;
      return defined<Input>({ kind: 'command', ...c, target: element.path, ...by });
    }
  }
}

/** A clock policy, after its rule: a rate with `measured`, and only there. */
function policyOf(
  source: YamlSource,
  path: Path,
  raw: { policy: PolicyWord; rate?: number | undefined },
  context: string,
): ClockPolicy | undefined {
  if (raw.policy === 'measured' && raw.rate === undefined) {
    source.reportAt(
      path,
      'missing-key',
      `${context}: "measured" needs a "rate" (ticks per second)`,
    );
    return undefined;
  }
  if (raw.policy !== 'measured' && raw.rate !== undefined) {
    source.reportAt(
      [...path, 'rate'],
      'bad-value',
      `${context}: "rate" goes with measured only, not ${raw.policy}`,
    );
    return undefined;
  }
  return raw.rate === undefined ? { policy: raw.policy } : { policy: raw.policy, rate: raw.rate };
}

/** Whether a placement keeps its rule: a level unless the rule is `none`. */
function checkPlacement(
  source: YamlSource,
  path: Path,
  placement: { rule: string; level?: string | undefined } | undefined,
  context: string,
): boolean {
  if (placement === undefined || placement.rule === 'none' || placement.level !== undefined)
    return true;
  source.reportAt(
    path,
    'missing-key',
    `${context}: placement rule ${placement.rule} needs a "level" (blade, rack or zone)`,
  );
  return false;
}

/** The element `text` names, or `undefined` after reporting that it names none. */
function elementOf(
  source: YamlSource,
  path: Path,
  text: string,
  context: string,
): ElementPath | undefined {
  const element = tryParseElementPath(text);
  if (element === undefined) {
    source.reportAt(
      path,
      'bad-path',
      `${context}: ${quote(text)} is not an element path: expected ${elementPathGrammar}`,
    );
  }
  return element;
}

/** An element's state in a view, after the path grammar and the words of its kind and view. */
function elementState<T>(
  source: YamlSource,
  path: Path,
  raw: RawElementState,
  context: string,
  make: (state: ElementState) => T,
): T | undefined {
  const element = elementOf(source, [...path, 'path'], raw.path, context);
  if (element === undefined) return undefined;
  const words = statesOf(element.type, raw.view);
  if (words === undefined) {
    source.reportAt(
      [...path, 'view'],
      'bad-view',
      `${context}: a ${element.type} has no state in the ${raw.view} view`,
    );
    return undefined;
  }
  if (!words.includes(raw.is)) {
    source.reportAt(
      [...path, 'is'],
      'bad-value',
      `${context}: a ${element.type} in the ${raw.view} view is ${words.map((w) => `"${w}"`).join(' or ')}, not ${quote(raw.is)}`,
    );
    return undefined;
  }
  return make({ path: element.path, view: raw.view, state: raw.is });
}

/** A count bound, after its rule: `min` at most `max`, one of them at least. */
function countOf(
  source: YamlSource,
  path: Path,
  raw: RawCount,
  context: string,
): CountBound | undefined {
  if (typeof raw === 'number') return { exactly: raw };
  if (raw.min === undefined && raw.max === undefined) {
    source.reportAt(path, 'missing-key', `${context}: a count needs "min", "max" or both`);
    return undefined;
  }
  if (raw.min !== undefined && raw.max !== undefined && raw.min > raw.max) {
    source.reportAt(path, 'bad-range', `${context}: "min" ${raw.min} is above "max" ${raw.max}`);
    return undefined;
  }
  return {
    ...(raw.min === undefined ? {} : { min: raw.min }),
    ...(raw.max === undefined ? {} : { max: raw.max }),
  };
}
