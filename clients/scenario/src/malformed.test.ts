import { Code, isChamberError } from '@chamber/errors';
import { describe, expect, it } from 'vitest';
import { parseScenario } from './index.js';

// Malformed scenarios, each refused with the exact errors a person sees.
// `head` is a valid start; each case adds what breaks a rule.
const head = `name: s
inventory: { sample: standard }
workloads:
  - { name: web, instances: 2, demand: { cores: 2 }, image: w1 }
run: { until: 100 }
`;

/** The message a scenario is refused with, as lines. */
function refusal(text: string): string[] {
  try {
    parseScenario(text, 'scenario.yaml');
  } catch (error) {
    if (isChamberError(error) && error.code === Code.InvalidArgument)
      return error.message.split('\n');
    throw error;
  }
  throw new Error('the scenario was accepted');
}

const cases: Array<{ name: string; yaml: string; errors: string[] }> = [
  {
    name: 'syntax',
    yaml: `name: s\ninventory: [\n`,
    errors: [
      'scenario.yaml:3:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    name: 'missing run',
    yaml: `name: s\ninventory: { sample: standard }\n`,
    errors: ['scenario.yaml:1:1: the scenario: missing required key "run"'],
  },
  {
    name: 'unknown key',
    yaml: `${head}colour: red\n`,
    errors: ['scenario.yaml:6:1: the scenario: unknown key "colour"'],
  },
  {
    name: 'unknown sample, the samples listed',
    yaml: head.replace('sample: standard', 'sample: huge'),
    errors: [
      'scenario.yaml:2:22: the scenario: "inventory.sample" must be "small" or "standard" or "large", got "huge"',
    ],
  },
  {
    name: 'two inventories',
    yaml: head.replace('{ sample: standard }', '{ sample: standard, file: x.yaml }'),
    errors: [
      'scenario.yaml:2:32: the scenario: "inventory": has both "sample" and "file"; give one source per item',
    ],
  },
  {
    name: 'duplicate workload',
    yaml: head.replace(
      'run:',
      '  - { name: web, instances: 1, demand: { cores: 1 }, image: w2 }\nrun:',
    ),
    errors: ['scenario.yaml:5:13: workload "web" appears twice in workloads (first as item 1)'],
  },
  {
    name: 'unknown fault kind, the kinds listed',
    yaml: `${head}timeline:\n  - at: 5\n    fault: { kind: melt, targets: [standard/z1/rack1/blade/0] }\n`,
    errors: [
      'scenario.yaml:8:20: timeline item 1 (at 5): "fault.kind" must be "power_loss" or "network_loss" or "crash" or "hang" or "stuck_cable" or "hardware_failure", got "melt"',
    ],
  },
  {
    name: 'no input',
    yaml: `${head}timeline:\n  - at: 5\n`,
    errors: [
      'scenario.yaml:7:5: timeline item 1 (at 5): needs one input: "fault", "clear", "target", "create", "scale", "update", "delete", "policy", "command", "clearAll"',
    ],
  },
  {
    name: 'who asks, on an input that records no one',
    yaml: `${head}timeline:\n  - at: 5\n    scale: { name: web, instances: 3 }\n    by: alice\n`,
    errors: [
      'scenario.yaml:9:9: timeline item 1 (at 5): "by" goes with "fault", "clear", "command", "clearAll", not "scale"',
    ],
  },
  {
    name: 'two inputs',
    yaml: `${head}timeline:\n  - at: 5\n    scale: { name: web, instances: 3 }\n    delete: { name: web }\n`,
    errors: [
      'scenario.yaml:9:5: timeline item 1 (at 5): has both "scale" and "delete"; give one input per item',
    ],
  },
  {
    name: 'input at tick 0',
    yaml: `${head}timeline:\n  - at: 0\n    scale: { name: web, instances: 3 }\n`,
    errors: [
      'scenario.yaml:7:9: timeline item 1 (at 0): an input takes effect at tick 1 at the earliest (tick 0 is the start of the run)',
    ],
  },
  {
    name: 'input past the run',
    yaml: `${head}timeline:\n  - at: 101\n    scale: { name: web, instances: 3 }\n`,
    errors: [
      'scenario.yaml:7:9: timeline item 1 (at 101): tick 101 is past the end of the run (tick 100, run.until)',
    ],
  },
  {
    name: 'clear of an unknown fault',
    yaml: `${head}timeline:\n  - at: 5\n    fault: { id: a, kind: crash, targets: [standard/z1/rack1/blade/0] }\n  - at: 9\n    clear: b\n`,
    errors: [
      'scenario.yaml:10:12: timeline item 2 (at 9): no fault has id "b"; the earlier ones are "a"',
    ],
  },
  {
    name: 'clear before its fault',
    yaml: `${head}timeline:\n  - at: 50\n    fault: { id: a, kind: crash, targets: [standard/z1/rack1/blade/0] }\n  - at: 9\n    clear: a\n`,
    errors: [
      'scenario.yaml:10:12: timeline item 2 (at 9): clears fault "a" before it is injected (a clear takes effect after its fault)',
    ],
  },
  {
    name: 'scale before create',
    yaml: `${head}timeline:\n  - at: 5\n    scale: { name: api, instances: 3 }\n  - at: 8\n    create: { name: api, instances: 1, demand: { cores: 1 }, image: a1 }\n`,
    errors: [
      'scenario.yaml:8:20: timeline item 1 (at 5): workload "api" does not exist at tick 5 (create it earlier, in "workloads" or a "create" input)',
    ],
  },
  {
    name: 'a fault that cannot target its element',
    yaml: `${head}timeline:\n  - at: 5\n    fault: { kind: crash, targets: [standard/z1/rack1/pdu/0] }\n`,
    errors: [
      'scenario.yaml:8:37: timeline item 1 (at 5): a crash fault cannot target pdu "standard/z1/rack1/pdu/0"; it acts on blade (or everything of those in a region, zone or rack)',
    ],
  },
  {
    name: 'two schedules',
    yaml: `${head}timeline:\n  - at: 5\n    fault: { kind: hang, targets: [standard/z1], every: 10, mtbf: 5, mttr: 2 }\n`,
    errors: [
      'scenario.yaml:8:67: timeline item 1 (at 5): give at most one of "every", "probability" and "mtbf" (got "every" and "mtbf")',
    ],
  },
  {
    name: 'a state word of another view, the words listed',
    yaml: `${head}expect:\n  - at: end\n    state: { path: standard/z1/rack1/pdu/0, view: observed, is: on }\n`,
    errors: [
      'scenario.yaml:8:65: expect item 1: a pdu in the observed view is "healthy" or "suspect" or "failed" or "unknown", not "on"',
    ],
  },
  {
    name: 'an expectation past the run, and of an unknown workload',
    yaml: `${head}expect:\n  - at: 200\n    running: { workload: api, instances: 2 }\n`,
    errors: [
      'scenario.yaml:7:9: expect item 1: tick 200 is past the end of the run (tick 100, run.until)',
      'scenario.yaml:8:26: expect item 1: no workload "api" is created in this scenario',
    ],
  },
  {
    name: 'a bad tick and a bad bound',
    yaml: `${head}expect:\n  - at: soon\n    availability: { workload: web, atLeast: 1.5 }\n`,
    errors: [
      'scenario.yaml:7:9: expect item 1: "at" must be a tick or "end", got "soon"',
      'scenario.yaml:8:45: expect item 1: "availability.atLeast" must be at most 1, got 1.5',
    ],
  },
  {
    name: 'measured without a rate',
    yaml: `${head}clock: { policy: measured }\n`,
    errors: [
      'scenario.yaml:6:8: the scenario: "clock": "measured" needs a "rate" (ticks per second)',
    ],
  },
  {
    name: 'duplicate key',
    yaml: `${head}name: t\n`,
    errors: ['scenario.yaml:6:1: YAML: Map keys must be unique'],
  },
  {
    name: 'recursive alias',
    yaml: `${head}timeline: &t\n  - { at: 5, clear: *t }\n`,
    errors: [
      'scenario.yaml:7:21: YAML: alias *t is inside the node it names (&t), so the scenario would never end',
    ],
  },
  {
    name: 'bad workload name',
    yaml: head.replace('name: web', 'name: Web_1'),
    errors: [
      'scenario.yaml:4:13: workload "Web_1": "name" "Web_1" must be 1-63 lower-case letters, digits and "-", starting with a letter',
    ],
  },
  {
    name: 'placement without a level',
    yaml: head.replace('image: w1 }', 'image: w1, placement: { rule: strong_anti_affinity } }'),
    errors: [
      'scenario.yaml:4:76: workload "web": placement rule strong_anti_affinity needs a "level" (blade, rack or zone)',
    ],
  },
  {
    name: 'not an element path',
    yaml: `${head}timeline:\n  - at: 5\n    target: { path: "standard//rack1", state: retired }\n`,
    errors: [
      'scenario.yaml:8:21: timeline item 1 (at 5): "standard//rack1" is not an element path: expected region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]',
    ],
  },
  {
    name: 'drain while in service',
    yaml: `${head}timeline:\n  - at: 5\n    target: { path: standard/z1/rack1, state: in_service, drain: true }\n`,
    errors: [
      'scenario.yaml:8:66: timeline item 1 (at 5): "drain" goes with out_for_repair or retired, not in_service',
    ],
  },
  {
    name: 'an update that changes nothing',
    yaml: `${head}timeline:\n  - at: 5\n    update: { name: web }\n`,
    errors: [
      'scenario.yaml:8:13: timeline item 1 (at 5): "update" changes nothing: give instances, demand, image, placement or maxUnavailable',
    ],
  },
  {
    name: 'a rate without measured',
    yaml: `${head}timeline:\n  - at: 5\n    policy: { policy: no_wait, rate: 5 }\n`,
    errors: [
      'scenario.yaml:8:38: timeline item 1 (at 5): "rate" goes with measured only, not no_wait',
    ],
  },
  {
    name: 'two conditions',
    yaml: head.replace(
      'run: { until: 100 }',
      'run: { until: { atStrength: api, noOpenRepairs: true, within: 50 } }',
    ),
    errors: [
      'scenario.yaml:5:34: the scenario: "run.until": has both "atStrength" and "noOpenRepairs"; give one condition per item',
    ],
  },
  {
    name: 'a condition on an unknown workload',
    yaml: head.replace('run: { until: 100 }', 'run: { until: { atStrength: api, within: 50 } }'),
    errors: [
      'scenario.yaml:5:29: the scenario: "run.until.atStrength": no workload "api" is created in this scenario',
    ],
  },
  {
    name: 'an empty image',
    yaml: head.replace('image: w1', 'image: ""'),
    errors: [
      'scenario.yaml:4:61: workload "web": "image" must be at least 1 character(s) long, got ""',
    ],
  },
  {
    name: 'a condition on an element with no such state',
    yaml: head.replace(
      'run: { until: 100 }',
      'run: { until: { element: { path: s/z1/rack1, view: actual, is: working }, within: 9 } }',
    ),
    errors: [
      'scenario.yaml:5:52: the scenario: "run.until.element": a rack has no state in the actual view',
    ],
  },
  {
    name: 'a count with min above max',
    yaml: `${head}expect:\n  - at: end\n    repairs: { succeeded: { min: 3, max: 1 } }\n`,
    errors: ['scenario.yaml:8:27: expect item 1: "min" 3 is above "max" 1'],
  },
];

describe('malformed scenarios', () => {
  it.each(cases)('$name', ({ yaml, errors }) => {
    expect(refusal(yaml)).toEqual(errors);
  });

  it('lists 20 problems, then counts the rest', () => {
    const lines = refusal(
      `${head}expect:\n${Array.from({ length: 25 }, () => '  - { at: 500, noEscalations: true }').join('\n')}\n`,
    );
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe(
      'scenario.yaml:7:11: expect item 1: tick 500 is past the end of the run (tick 100, run.until)',
    );
    expect(lines[20]).toBe('and 5 more');
  });

  it('refuses a file over 4 MB before reading it', () => {
    expect(refusal(`${head}#${'x'.repeat(4_000_000)}\n`)).toEqual([
      'scenario.yaml is 4.0 MB (4,000,138 bytes); a scenario may be at most 4 MB (4,000,000 bytes): nothing was loaded',
    ]);
  });
});

describe('well-formed corners', () => {
  it('reads an inventory file or an inline definition, and a condition on an element', () => {
    const file = parseScenario(head.replace('{ sample: standard }', '{ file: racks.yaml }'), 's');
    expect(file.inventory).toEqual({ kind: 'file', path: 'racks.yaml' });
    const inline = parseScenario(
      head
        .replace('{ sample: standard }', '{ inline: { version: 1, regions: [] } }')
        .replace(
          'run: { until: 100 }',
          'run: { until: { element: { path: r/z1/rack1/tor/0, view: actual, is: working }, within: 9 } }',
        ),
      's',
    );
    expect(inline.inventory).toEqual({ kind: 'inline', definition: { version: 1, regions: [] } });
    expect(inline.run).toEqual({
      kind: 'condition',
      condition: { kind: 'element', path: 'r/z1/rack1/tor/0', view: 'actual', state: 'working' },
      within: 9,
    });
  });
});
