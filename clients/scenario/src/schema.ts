// The scenario file's shape, in zod: what the parser checks first, and what
// the published JSON Schema (`scenarios/scenario.schema.json`) says. Rules
// that span fields (a clear naming an earlier fault, ticks within the run)
// are the parser's (parse.ts).
import {
  bladeStates,
  cableStates,
  commandActions,
  faultKinds,
  observedStates,
  pduStates,
  placementLevels,
  placementRules,
  policies,
  repairStatuses,
  targetStates,
  torStates,
} from '@chamber/world';
import { z } from 'zod';
import { inventorySamples, stateViews } from './model.js';

/** Upper bounds beyond which a value is a typo, not a scenario. */
export const limits = {
  /** The largest tick (about 190 years of one-minute ticks). */
  ticks: 100_000_000,
  timeline: 100_000,
  expectations: 10_000,
  /** Nodes that YAML aliases may copy in all. */
  aliasedNodes: 100_000,
  /** Bytes of YAML, like a definition's. */
  bytes: 4_000_000,
} as const;

/** A workload's name: 1-63 lower-case letters, digits and `-`, starting with a letter. */
export const workloadNamePattern = /^[a-z][a-z0-9-]{0,62}$/;
/** A scenario's or a fault's name: 1-63 letters, digits, `-`, `_` or `.`, starting with a letter or digit. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** An element path's characters; the path grammar of `@chamber/world` checks the rest. */
export const elementPathPattern = /^[A-Za-z0-9][A-Za-z0-9_/-]*$/;

/** Every state word an element may be in, in any view (which fit which element is the parser's check). */
export const stateWords = [
  ...new Set<string>([
    ...bladeStates,
    ...pduStates,
    ...torStates,
    ...cableStates,
    ...observedStates,
    ...targetStates,
  ]),
];

const tick = z.int().min(0).max(limits.ticks).meta({ description: 'a tick (a whole number ≥ 0)' });
const workloadName = z.string().regex(workloadNamePattern).meta({
  description: 'a workload: 1-63 lower-case letters, digits and "-", starting with a letter',
});
const id = z.string().regex(idPattern);
const elementPath = z.string().max(256).regex(elementPathPattern).meta({
  description:
    'an element path: region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]',
});

/** Exactly one of `keys` in a map: said in the JSON Schema (the parser says it in words). */
const oneOf = (keys: readonly string[]) => ({ oneOf: keys.map((k) => ({ required: [k] })) });

const demand = z.strictObject({
  cores: z.int().min(1).max(1024),
  memoryGib: z.number().min(0).optional(),
  diskGib: z.number().min(0).optional(),
  networkGbps: z.number().min(0).optional(),
});

const placement = z.strictObject({
  rule: z.enum(placementRules),
  level: z.enum(placementLevels).optional(),
});

const workload = z
  .strictObject({
    name: workloadName,
    instances: z.int().min(0).max(1_000_000),
    demand,
    image: z.string().min(1).max(128),
    placement: placement.optional(),
    maxUnavailable: z.int().min(1).optional(),
  })
  .meta({ description: 'a workload, as POST /workloads creates it' });

const fault = z
  .strictObject({
    id: id.optional().meta({ description: 'the name later inputs (clear) use for it' }),
    kind: z.enum(faultKinds),
    targets: z.array(elementPath).min(1).max(1000),
    at: tick.optional().meta({ description: 'the first tick it may occur (default: its own)' }),
    duration: z.int().min(1).max(limits.ticks).optional(),
    every: z.int().min(1).max(limits.ticks).optional(),
    probability: z.number().gt(0).max(1).optional(),
    mtbf: z.number().gt(0).optional(),
    mttr: z.number().gt(0).optional(),
  })
  .meta({ description: 'a fault, as POST /faults injects it, with an optional id' });

const policy = z.strictObject({
  policy: z.enum(policies),
  rate: z.number().gt(0).max(10_000).optional(),
});

const target = z.strictObject({
  path: elementPath,
  state: z.enum(targetStates),
  powered: z.boolean().optional(),
  drain: z.boolean().optional(),
  reason: z.string().max(500).optional(),
});

/** The inputs of a timeline entry: exactly one per entry. */
export const inputKeys = [
  'fault',
  'clear',
  'target',
  'create',
  'scale',
  'update',
  'delete',
  'policy',
  'command',
  'clearAll',
] as const;

/** The inputs that record who asked for them (`by`). */
export const inputsWithRequester = ['fault', 'clear', 'command', 'clearAll'] as const;

const entry = z
  .strictObject({
    at: tick.meta({ description: 'the tick the input takes effect (≥ 1)' }),
    fault: fault.optional(),
    clear: id.optional().meta({ description: 'the id of an earlier fault of the scenario' }),
    target: target.optional(),
    create: workload.optional(),
    scale: z
      .strictObject({ name: workloadName, instances: z.int().min(0).max(1_000_000) })
      .optional(),
    update: z
      .strictObject({
        name: workloadName,
        instances: z.int().min(0).max(1_000_000).optional(),
        demand: demand.partial().optional(),
        image: z.string().min(1).max(128).optional(),
        placement: placement.optional(),
        maxUnavailable: z.int().min(1).optional(),
      })
      .optional(),
    delete: z.strictObject({ name: workloadName }).optional(),
    policy: policy.optional(),
    command: z
      .strictObject({
        target: elementPath,
        action: z.enum(commandActions),
        image: z.string().min(1).max(128).optional(),
      })
      .optional()
      .meta({ description: 'a command to the hardware, as POST /commands issues it' }),
    clearAll: z
      .literal(true)
      .optional()
      .meta({ description: 'clear every fault not cleared yet, as POST /faults/clear-all does' }),
    by: z.string().min(1).max(128).optional().meta({
      description:
        'who asks (fault, clear, command and clearAll only), recorded in the fault or command; default "sdk"',
    }),
  })
  .meta(oneOf(inputKeys));

const elementState = z.strictObject({
  path: elementPath,
  view: z.enum(stateViews),
  is: z.enum(stateWords as [string, ...string[]]),
});

/** The conditions `run.until` may wait for: exactly one per `until`. */
export const conditionKeys = ['atStrength', 'noOpenRepairs', 'element'] as const;

const condition = z
  .strictObject({
    atStrength: workloadName.optional(),
    noOpenRepairs: z.literal(true).optional(),
    element: elementState.optional(),
    within: tick.meta({ description: 'the last tick it may take' }),
  })
  .meta(oneOf(conditionKeys));

const count = z.union([
  z.int().min(0),
  z.strictObject({ min: z.int().min(0).optional(), max: z.int().min(0).optional() }),
]);

/** The checks an expectation may make: exactly one per expectation. */
export const checkKeys = [
  'state',
  'repairs',
  'running',
  'availability',
  'longestOutage',
  'recovery',
  'noEscalations',
  'digest',
] as const;

const expectation = z
  .strictObject({
    at: z.union([tick, z.literal('end')]),
    state: elementState.optional(),
    repairs: z.partialRecord(z.enum(repairStatuses), count).optional(),
    running: z.strictObject({ workload: workloadName, instances: count }).optional(),
    availability: z
      .strictObject({ workload: workloadName, atLeast: z.number().min(0).max(1) })
      .optional(),
    longestOutage: z.strictObject({ workload: workloadName, atMost: tick }).optional(),
    recovery: z.strictObject({ workload: workloadName, atMost: tick }).optional(),
    noEscalations: z.literal(true).optional(),
    digest: z
      .string()
      .regex(/^[0-9a-f]{16,128}$/)
      .optional(),
  })
  .meta(oneOf(checkKeys));

/** The inventory sources: exactly one. */
export const inventoryKeys = ['sample', 'file', 'inline'] as const;

export const scenarioSchema = z
  .strictObject({
    name: id,
    description: z.string().max(4000).optional(),
    seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    inventory: z
      .strictObject({
        sample: z.enum(inventorySamples).optional(),
        file: z.string().min(1).max(1024).optional(),
        inline: z.record(z.string(), z.unknown()).optional(),
      })
      .meta(oneOf(inventoryKeys)),
    workloads: z.array(workload).optional(),
    clock: policy.optional(),
    timeline: z.array(entry).max(limits.timeline).optional(),
    run: z.strictObject({ until: z.union([tick, condition]) }),
    expect: z.array(expectation).max(limits.expectations).optional(),
  })
  .meta({
    title: 'Chamber scenario',
    description:
      'A simulation as a file: inventory, seed, workloads, a timeline of inputs at ticks, how far to run and what must hold (clients/scenario/README.md)',
  });

export type RawScenario = z.infer<typeof scenarioSchema>;
export type RawEntry = z.infer<typeof entry>;
export type RawExpectation = z.infer<typeof expectation>;
export type RawCondition = z.infer<typeof condition>;
export type RawCount = z.infer<typeof count>;
export type RawElementState = z.infer<typeof elementState>;
