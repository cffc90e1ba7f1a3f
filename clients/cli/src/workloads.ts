import type { Availability, Instance, PlacementExplanation, Workload } from '@chamber/api';
import { placementLevels, placementRules } from '@chamber/world';
import { meanTicks, table, ticks } from './format.js';
import {
  parserOf,
  show,
  type AreaExtension,
  type CommandExtension,
  type Context,
  type ExtraOption,
  type RestCall,
} from './program.js';

/** The demand and placement options of `create` and `update`: the body's nested fields, flat. */
const specOptions: readonly ExtraOption[] = [
  {
    flags: '--cores <C>',
    description: 'cores per instance',
    parse: parserOf({ type: 'integer', minimum: 1 })!,
  },
  {
    flags: '--memory-gib <GIB>',
    description: 'GiB of memory per instance',
    parse: parserOf({ type: 'number', minimum: 0 })!,
  },
  {
    flags: '--disk-gib <GIB>',
    description: 'GiB of disk per instance',
    parse: parserOf({ type: 'number', minimum: 0 })!,
  },
  {
    flags: '--network-gbps <GBPS>',
    description: 'Gbps of network per instance',
    parse: parserOf({ type: 'number', minimum: 0 })!,
  },
  {
    flags: '--rule <RULE>',
    description: `the placement rule: ${placementRules.join(' | ')} (strong: a constraint, weak: a preference)`,
    parse: parserOf({ type: 'string', enum: [...placementRules] })!,
  },
  {
    flags: '--level <LEVEL>',
    description: `the level the rule applies at: ${placementLevels.join(' | ')}`,
    parse: parserOf({ type: 'string', enum: [...placementLevels] })!,
  },
];

/** The body's `demand` and `placement` from the flat options, each only when given. */
function nestedOf(ctx: Context): Record<string, unknown> {
  const o = ctx.options;
  const demand = Object.fromEntries(
    (['cores', 'memoryGib', 'diskGib', 'networkGbps'] as const)
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, o[k]]),
  );
  const rule = o['rule'] as string | undefined;
  const level = o['level'] as string | undefined;
  return {
    ...(Object.keys(demand).length === 0 ? {} : { demand }),
    ...(rule === undefined && level === undefined
      ? {}
      : { placement: { rule: rule ?? 'none', ...(level === undefined ? {} : { level }) } }),
  };
}

/** Makes the call with `demand` and `placement` made from the flat options. */
async function callWithSpec(ctx: Context, route: RestCall): Promise<unknown> {
  const input = await route.input(ctx);
  const body = (input.body ?? {}) as Record<string, unknown>;
  return route.call(ctx, { ...input, body: { ...body, ...nestedOf(ctx) } });
}

/** `web: created at tick 12` (or changed, deleted). */
function printAccepted(what: string) {
  return (ctx: Context, body: unknown): void => {
    const { effectiveTick = 0 } = body as { effectiveTick?: number };
    show(ctx, body, `${String(ctx.values['name'])}: ${what} at tick ${effectiveTick}`);
  };
}

/** `strong anti affinity by rack`, `none`. */
function placementWords(w: Workload): string {
  const rule = w.placement.rule.replaceAll('_', ' ');
  return w.placement.level === undefined || w.placement.rule === 'none'
    ? rule
    : `${rule} by ${w.placement.level}`;
}

/** `4 cores, 8 GiB memory, 20 GiB disk` (amounts of 0 left out). */
function demandWords(w: Workload): string {
  const d = w.demand;
  return [
    `${d.cores} cores`,
    ...(d.memoryGib ? [`${d.memoryGib} GiB memory`] : []),
    ...(d.diskGib ? [`${d.diskGib} GiB disk`] : []),
    ...(d.networkGbps ? [`${d.networkGbps} Gbps network`] : []),
  ].join(', ');
}

/** `ready  6 of 6 observed running  (running 6)`. */
function statusWords(w: Workload): string {
  const states = Object.entries(w.instancesByState)
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
  return `${w.phase ?? 'waiting for its tick'}  ${w.observedRunning} of ${w.instances} observed running${states === '' ? '' : `  (${states})`}`;
}

function printWorkload(ctx: Context, w: Workload): void {
  show(ctx, w, `${w.name}  ${statusWords(w)}`);
}

function printWorkloadInFull(ctx: Context, w: Workload): void {
  show(ctx, w, [
    `${w.name}  ${statusWords(w)}`,
    `  instances: ${w.instances} of ${demandWords(w)}, image ${w.image}`,
    `  placement: ${placementWords(w)}; at most ${w.maxUnavailable} unavailable at once`,
    `  generation ${w.generation}; created at tick ${w.createdTick}, changed at tick ${w.updatedTick}; revision ${w.revision}`,
    ...(w.reason === '' ? [] : [`  ${w.reason}`]),
  ]);
}

/** `web/3  running  observed running  r1/z1/rack2/blade/1  since tick 9  (reason)`. */
function printInstance(ctx: Context, i: Instance): void {
  const parts = [
    i.name,
    i.wanted ? i.state : `${i.state} (unwanted)`,
    i.observed === undefined ? 'not observed' : `observed ${i.observed}`,
    i.blade ?? '-',
    `since tick ${i.sinceTick}`,
  ];
  show(ctx, i, `${parts.join('  ')}${i.reason === undefined ? '' : `  (${i.reason})`}`);
}

function printInstances(ctx: Context, body: unknown): void {
  const { instances } = body as { instances: Instance[] };
  if (instances.length === 0 && !ctx.isJson) ctx.print('(no instances)');
  for (const i of instances) printInstance(ctx, i);
}

/**
 * The explanation for people: the decision, the candidates as a table with
 * each score component in its own column, and the blades set aside by filter.
 */
export function formatExplanation(e: PlacementExplanation): string[] {
  const head = e.placed
    ? `${e.workload}/${e.n} placed on ${e.blade ?? '?'} at tick ${e.tick}`
    : `${e.workload}/${e.n} pending since tick ${e.tick}: no blade fits`;
  const lines = [head, `  ${e.summary}`];
  if (e.candidates.length > 0) {
    const names = [...new Set(e.candidates.flatMap((c) => c.components.map((k) => k.name)))];
    const rows = [
      ['', 'candidate', 'score', ...names],
      ...e.candidates.map((c) => [
        c.blade === e.blade ? '▶' : '',
        c.blade,
        String(c.score),
        ...names.map((n) => {
          const value = c.components.find((k) => k.name === n)?.value;
          return value === undefined ? '' : String(value);
        }),
      ]),
    ];
    lines.push('', ...table(rows).map((l) => `  ${l}`));
  }
  if (e.filtered.length > 0) {
    const rows = [
      ['filtered out', 'blades', 'why'],
      ...e.filtered.map((f) => [f.filter, f.blades.toLocaleString('en'), f.reason]),
    ];
    lines.push('', ...table(rows).map((l) => `  ${l}`));
  }
  return lines;
}

/**
 * A workload's availability for people: the loss and the outages in
 * sentences, the counts now, and the outages as a table.
 */
export function formatAvailability(a: Availability): string[] {
  const percent = (Math.floor(a.availability * 1000) / 10).toFixed(1);
  const count = a.outages.length;
  const outages =
    count === 0
      ? 'no outage'
      : `${count} outage${count === 1 ? '' : 's'}, the worst ${ticks(a.worstOutageTicks)}`;
  const detection =
    a.meanDetectionTicks === undefined
      ? count === 0
        ? ''
        : '; none detected'
      : `; detected after ${meanTicks(a.meanDetectionTicks)}${
          a.meanRecoveryTicks === undefined
            ? ', not recovered yet'
            : `, recovered in ${meanTicks(a.meanRecoveryTicks)}`
        } on average`;
  const lines = [
    `${a.workload}, ticks ${a.fromTick} to ${a.toTick}: lost ${a.instanceTicksLost.toLocaleString('en')} instance-ticks of ${a.instanceTicksDesired.toLocaleString('en')} (${percent} % available)`,
    `  ${outages}${detection}`,
    `  at tick ${a.toTick}: ${a.desired} desired, ${a.running} running, ${a.observedRunning} observed running${
      a.rampTicks === 0 ? '' : `; ${ticks(a.rampTicks)} ramping up (not counted)`
    }`,
  ];
  if (count > 0) {
    const rows = [
      ['outage', 'started', 'detected', 'ended', 'lasted', 'lost'],
      ...a.outages.map((o, i) => [
        String(i + 1),
        `tick ${o.startTick}`,
        o.detectedTick === undefined ? 'not detected' : `tick ${o.detectedTick}`,
        o.endTick === undefined ? 'still out' : `tick ${o.endTick}`,
        ticks(o.ticks),
        `${o.instanceTicksLost.toLocaleString('en')} instance-ticks`,
      ]),
    ];
    lines.push('', ...table(rows).map((l) => `  ${l}`));
  }
  return lines;
}

const withSpec: CommandExtension = {
  filled: ['demand', 'placement'],
  options: specOptions,
  run: async (ctx, route) => printAccepted('changes')(ctx, await callWithSpec(ctx, route)),
};

/**
 * The `workload` area: the workload routes of the table, answers in words.
 * `create` and `update` take the demand and placement as flat options
 * (`--cores 4 --rule strong_anti_affinity --level rack`); `scale` is the
 * change of `instances` alone; `explain` prints the scheduler's explanation
 * as a table; `availability` the lost instance-ticks and the outages in
 * sentences and a table.
 */
export const workloadArea: AreaExtension = {
  summary: 'workloads: what runs on the simulated cloud, their instances and placements',
  commands: {
    create: {
      ...withSpec,
      validate: (ctx) =>
        ctx.options['cores'] === undefined ? 'missing --cores: cores per instance' : undefined,
      run: async (ctx, route) => printAccepted('created')(ctx, await callWithSpec(ctx, route)),
    },
    update: withSpec,
    scale: {
      args: {
        instances: { name: 'N', description: 'desired running instances', isRequired: true },
      },
      filled: ['demand', 'placement', 'image', 'maxUnavailable'],
      summary: 'scale a workload to N instances at the next tick',
      print: (ctx, body) =>
        printAccepted(`scales to ${String(ctx.values['instances'])}`)(ctx, body),
    },
    delete: { print: printAccepted('deleted') },
    ls: {
      print: (ctx, body) => {
        const { workloads } = body as { workloads: Workload[] };
        if (workloads.length === 0 && !ctx.isJson) ctx.print('(no workloads)');
        for (const w of workloads) printWorkload(ctx, w);
      },
    },
    get: { print: (ctx, body) => printWorkloadInFull(ctx, body as Workload) },
    instances: { print: printInstances },
    on: {
      args: {
        under: {
          name: 'PATH',
          description: 'a blade, or a rack, zone or region',
          isRequired: true,
        },
      },
      summary: 'the instances on a blade or under a rack, zone or region',
      print: printInstances,
    },
    availability: {
      print: (ctx, body) => {
        const a = body as Availability;
        show(ctx, a, formatAvailability(a));
      },
    },
    explain: {
      args: { n: { name: 'N', description: 'the instance number' } },
      print: (ctx, body) => {
        const e = body as PlacementExplanation;
        show(ctx, e, formatExplanation(e));
      },
    },
  },
};
