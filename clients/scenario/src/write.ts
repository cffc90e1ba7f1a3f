// A scenario as its file: the inverse of parse.ts, in the words and layout
// of the shipped scenarios, so `parseScenario` reads back what was written.
import { stringify } from 'yaml';
import type { Check, CountBound, Input, RunBound, Scenario } from './model.js';

/** The map `map` without its `undefined` fields, for the file. */
function defined(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined));
}

/**
 * The YAML text of `scenario` (with the schema line editors use), which
 * {@link parseScenario} reads back to the same scenario (but for the
 * positions in `where`). Never fails.
 */
export function formatScenario(scenario: Scenario): string {
  const { inventory } = scenario;
  const file = defined({
    name: scenario.name,
    description: scenario.description,
    seed: scenario.seed,
    inventory:
      inventory.kind === 'sample'
        ? { sample: inventory.sample }
        : inventory.kind === 'file'
          ? { file: inventory.path }
          : { inline: inventory.definition },
    workloads: scenario.workloads.length === 0 ? undefined : scenario.workloads,
    clock: scenario.clock,
    timeline:
      scenario.timeline.length === 0
        ? undefined
        : scenario.timeline.map(({ at, input }) => ({ at, ...entryOf(input) })),
    run: { until: untilOf(scenario.run) },
    expect:
      scenario.expect.length === 0
        ? undefined
        : scenario.expect.map(({ at, check }) => ({ at, ...checkOf(check) })),
  });
  return `# yaml-language-server: $schema=./scenario.schema.json\n${stringify(file, { lineWidth: 100 })}`;
}

/** A timeline entry's input, keyed by its kind. */
function entryOf(input: Input): Record<string, unknown> {
  switch (input.kind) {
    case 'fault': {
      const { id, fault, targets, schedule, by } = input;
      return defined({ fault: defined({ id, kind: fault, targets, ...schedule }), by });
    }
    case 'clear':
      return defined({ clear: input.id, by: input.by });
    case 'target': {
      const { path, state, powered, drain, reason } = input;
      return { target: defined({ path, state, powered, drain, reason }) };
    }
    case 'create':
      return { create: input.workload };
    case 'scale':
      return { scale: { name: input.name, instances: input.instances } };
    case 'update':
      return { update: { name: input.name, ...input.change } };
    case 'delete':
      return { delete: { name: input.name } };
    case 'policy':
      return { policy: input.policy };
    case 'clearAll':
      return defined({ clearAll: true, by: input.by });
    case 'command': {
      const { target, action, image, by } = input;
      return defined({ command: defined({ target, action, image }), by });
    }
  }
}

function untilOf(run: RunBound): unknown {
  if (run.kind === 'tick') return run.until;
  const { condition, within } = run;
  switch (condition.kind) {
    case 'atStrength':
      return { atStrength: condition.workload, within };
    case 'noOpenRepairs':
      return { noOpenRepairs: true, within };
    case 'element':
      return {
        element: { path: condition.path, view: condition.view, is: condition.state },
        within,
      };
  }
}

const countOf = (bound: CountBound): unknown =>
  bound.exactly !== undefined ? bound.exactly : defined({ min: bound.min, max: bound.max });

/** An expectation's check, keyed by its kind. */
function checkOf(check: Check): Record<string, unknown> {
  switch (check.kind) {
    case 'state':
      return { state: { path: check.path, view: check.view, is: check.state } };
    case 'repairs':
      return {
        repairs: Object.fromEntries(
          Object.entries(check.counts).map(([status, bound]) => [status, countOf(bound)]),
        ),
      };
    case 'running':
      return { running: { workload: check.workload, instances: countOf(check.instances) } };
    case 'availability':
      return { availability: { workload: check.workload, atLeast: check.atLeast } };
    case 'longestOutage':
    case 'recovery':
      return { [check.kind]: { workload: check.workload, atMost: check.atMost } };
    case 'noEscalations':
      return { noEscalations: true };
    case 'digest':
      return { digest: check.digest };
  }
}
