import { ChamberError, Code } from '@chamber/errors';
import { ScenarioPlan } from '@chamber/protos';
import {
  definitionOf,
  lastTickOf,
  parseScenario,
  reportOfWire,
  runScenario,
  startFor,
  type Scenario,
  type ScenarioReport,
} from '@chamber/scenario';
import { connect } from '@chamber/sdk';
import { defaultPorts } from '@chamber/world';
import { readFile, writeFile } from 'node:fs/promises';
import type { AreaExtension, Context } from './program.js';
import { usageError } from './usage.js';
import { figureWords } from './report.js';
import { explain, restClient } from './rest.js';

/** A scenario file read and parsed: refused with every problem at file:line:col. */
async function readScenario(
  ctx: Context,
): Promise<{ file: string; scenario: Scenario; text: string }> {
  const file = ctx.values['file'] as string;
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ChamberError(
      Code.NotFound,
      `cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
    );
  });
  return { file, scenario: parseScenario(text, file), text };
}

/** The text of a scenario's inventory file (relative to its folder), which the scenarios service does not read. */
async function inventoryFileOf(
  file: string,
  scenario: Scenario,
): Promise<{ inventorySource?: string }> {
  if (scenario.inventory.kind !== 'file') return {};
  const definition = await definitionOf(scenario, file);
  return 'source' in definition ? { inventorySource: definition.source } : {};
}

/** `--connect [ADDRESS]`: the scenarios service of the running Chamber. */
const connectOption = (what: string) => ({
  flags: '--connect [ADDRESS]',
  description: `${what} through the running Chamber's scenarios service at ADDRESS (default $CHAMBER_SCENARIOS, else 127.0.0.1:${defaultPorts.scenarios})`,
});

/** The scenarios service's address: `--connect ADDRESS`, else $CHAMBER_SCENARIOS, else its default port. */
const scenariosAddress = (ctx: Context): string => {
  const connectTo = ctx.options['connect'] as string | boolean | undefined;
  return typeof connectTo === 'string'
    ? connectTo
    : (ctx.env['CHAMBER_SCENARIOS'] ?? `127.0.0.1:${defaultPorts.scenarios}`);
};

/** A plan for people: what applying the scenario now would do. */
export function planLines(plan: ScenarioPlan): string[] {
  const lines = [
    `scenario ${plan.name}, planned at tick ${plan.now} (its tick t is tick ${plan.now} + t)`,
  ];
  const d = plan.inventory;
  if (d === undefined) lines.push('  inventory: the one in force; nothing to load');
  else {
    lines.push(
      `  inventory: loads ${d.fileName} at tick ${plan.now + 1} (${d.blades} blades): ${d.added} record(s) added, ${d.updated} changed, ${d.removed} removed, ${d.unchanged} unchanged`,
    );
    const first = (label: string, paths: readonly string[], n: number) => {
      if (paths.length > 0) {
        lines.push(`    ${label}: ${paths.join(', ')}${n > paths.length ? ', …' : ''}`);
      }
    };
    first('added', d.addedPaths, d.added);
    first('changed', d.updatedPaths, d.updated);
    first('removed', d.removedPaths, d.removed);
  }
  for (const w of plan.workloads) lines.push(`  tick ${plan.now + 1}: create workload ${w}`);
  for (const i of plan.inputs) lines.push(`  tick ${i.at}: ${i.what}  ${i.where}`);
  if (plan.clockPolicy !== '') {
    lines.push(
      `  clock: ${plan.clockPolicy.replaceAll('_', ' ')}${plan.clockPolicy === 'measured' ? ` at ${plan.clockRate} ticks/s` : ''}`,
    );
  }
  if (plan.problems.length === 0) lines.push('  it can be applied now');
  else for (const p of plan.problems) lines.push(`  ✗ ${p}`);
  return lines;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The report for people: a headline, each expectation, the figures. */
export function reportLines(report: ScenarioReport): string[] {
  const failed = report.expectations.filter((e) => !e.passed).length;
  const lines = [
    `scenario ${report.name} (seed ${report.seed}): ${report.passed ? 'passed' : 'FAILED'} at tick ${report.tick}, in ${seconds(report.wallMs)}`,
  ];
  if (report.conditionMetAt !== undefined) {
    lines.push(`  its run condition held at tick ${report.conditionMetAt}`);
  }
  for (const e of report.expectations) {
    const mark = e.passed ? '✓' : '✗';
    lines.push(`  ${mark} tick ${e.tick}: ${e.expected} (${e.observed})  ${e.where}`);
  }
  lines.push(
    `  ${report.expectations.length - failed} of ${report.expectations.length} expectations held`,
  );
  for (const w of report.workloads) {
    const mean = (label: string, x: number | undefined) =>
      x === undefined ? [] : [`${label} ${x.toFixed(1)} ticks on average`];
    lines.push(
      `  ${w.name}: availability ${(w.availability * 100).toFixed(2)} %, ${w.instanceTicksLost} instance-ticks lost, ${[
        `${w.outages} outage(s)`,
        `the worst ${w.worstOutageTicks} ticks`,
        ...mean('detected in', w.meanDetectionTicks),
        ...mean('recovered in', w.meanRecoveryTicks),
      ].join(', ')}`,
    );
  }
  const e = report.elements;
  if (e !== undefined) lines.push(`  elements: ${figureWords(e)}`);
  const repairs = Object.entries(report.repairs).map(([status, n]) => `${n} ${status}`);
  lines.push(`  repairs: ${repairs.length === 0 ? 'none' : repairs.join(', ')}`);
  lines.push(`  digest ${report.digest}`);
  return lines;
}

const xml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** The run's element figures as JUnit properties (`availability`, `failures`, `mttr_ticks`, …), those it has. */
function elementProperties(report: ScenarioReport): string {
  const e = report.elements;
  if (e === undefined) return '';
  const figures: Array<[string, number | undefined]> = [
    ['availability', e.availability],
    ['failures', e.failures],
    ['open_outages', e.openOutages],
    ['mtbf_ticks', e.mtbfTicks],
    ['mttr_ticks', e.mttrTicks],
    ['longest_outage_ticks', e.longestOutageTicks],
    ['mean_detection_ticks', e.meanDetectionTicks],
    ['mean_repair_ticks', e.meanRepairTicks],
  ];
  return figures
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => `<property name="${name}" value="${v}"/>`)
    .join('');
}

/** The report as a JUnit XML test suite: one test case per expectation. */
export function junitOf(report: ScenarioReport): string {
  const failures = report.expectations.filter((e) => !e.passed).length;
  const cases = report.expectations.map((e) => {
    const name = xml(`tick ${e.tick}: ${e.expected} (${e.where})`);
    const failure = e.passed
      ? ''
      : `<failure message="${xml(`saw ${e.observed}`)}">${xml(`expected ${e.expected}, saw ${e.observed}`)}</failure>`;
    return `    <testcase classname="${xml(report.name)}" name="${name}">${failure}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites>`,
    `  <testsuite name="${xml(report.name)}" tests="${report.expectations.length}" failures="${failures}" time="${(report.wallMs / 1000).toFixed(3)}">`,
    `    <properties><property name="seed" value="${report.seed}"/><property name="digest" value="${report.digest}"/>${elementProperties(report)}</properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** `chamber scenario …`: scenario files, checked and run headless, and the run exported as one. */
export const scenarioArea: AreaExtension = {
  summary:
    'scenario files: check one, plan or apply it against the running Chamber, run it headless and check its expectations, or export the run as one',
  commands: {
    export: {
      options: [{ flags: '--out <FILE>', description: 'write it to FILE (default: stdout)' }],
      async run(ctx) {
        const out = ctx.options['out'] as string | undefined;
        if (out === '') throw usageError('--out needs a file name');
        const client = await restClient(ctx);
        const text = await client.open('exportScenario').then(
          (response) => response.text(),
          (error: unknown) => {
            throw explain(error);
          },
        );
        if (out === undefined) ctx.print(text.trimEnd());
        else {
          await writeFile(out, text);
          ctx.note(`wrote ${out}`);
        }
      },
    },
  },
  composites: {
    check: {
      summary: 'check a scenario file: every problem at file:line:col, nothing run',
      args: [{ name: 'FILE', description: 'the scenario file (YAML)' }],
      async run(ctx) {
        const { scenario } = await readScenario(ctx);
        if (ctx.isJson) {
          ctx.print(JSON.stringify({ name: scenario.name, valid: true }));
          return;
        }
        ctx.print(
          `${scenario.name}: valid; ${scenario.timeline.length} input(s), ${scenario.expect.length} expectation(s), runs to tick ${lastTickOf(scenario.run)} at most`,
        );
      },
    },
    plan: {
      summary:
        'say what applying a scenario to the running Chamber now would do (the definition it loads, its workloads, each input at now + its tick, what stands in its way); nothing written; exits 1 when it cannot be applied',
      args: [{ name: 'FILE', description: 'the scenario file (YAML)' }],
      options: [connectOption('ask')],
      async run(ctx) {
        const { file, scenario, text } = await readScenario(ctx);
        const chamber = connect({ addresses: { scenarios: scenariosAddress(ctx) } });
        let plan: ScenarioPlan;
        try {
          plan = await chamber.planScenario(text, {
            fileName: file,
            ...(await inventoryFileOf(file, scenario)),
          });
        } finally {
          chamber.close();
        }
        if (ctx.isJson) ctx.print(JSON.stringify(ScenarioPlan.toJSON(plan)));
        else for (const line of planLines(plan)) ctx.print(line);
        if (plan.problems.length > 0) {
          throw new ChamberError(
            Code.FailedPrecondition,
            `scenario ${plan.name} cannot be applied now: ${plan.problems.length} problem(s)`,
          );
        }
      },
    },
    apply: {
      summary:
        'apply a scenario to the running Chamber: nothing reset, each input at now + its tick (the clock taken to each: a paused one as fast as it settles, a measured one at its pace); refused, nothing written, when its plan finds problems',
      args: [{ name: 'FILE', description: 'the scenario file (YAML)' }],
      options: [connectOption('apply it')],
      async run(ctx) {
        const { file, scenario, text } = await readScenario(ctx);
        const address = scenariosAddress(ctx);
        ctx.note(
          `applying ${scenario.name} to the running Chamber (scenarios service at ${address})…`,
        );
        const chamber = connect({ addresses: { scenarios: address } });
        let plan: ScenarioPlan;
        let tick = 0;
        try {
          let shown = 0;
          plan = await chamber.applyScenario(text, {
            fileName: file,
            ...(await inventoryFileOf(file, scenario)),
            onProgress: (run) => {
              tick = run.tick;
              const now = performance.now();
              if (now - shown < 1000) return;
              shown = now;
              ctx.note(`tick ${run.tick}: ${run.doing}`);
            },
          });
        } finally {
          chamber.close();
        }
        if (ctx.isJson) {
          ctx.print(JSON.stringify({ plan: ScenarioPlan.toJSON(plan), tick }));
          return;
        }
        for (const line of planLines(plan).filter((l) => !l.startsWith('  it can be'))) {
          ctx.print(line);
        }
        ctx.print(`  applied: every input is in; the clock stands at tick ${tick}`);
      },
    },
    run: {
      summary:
        'run a scenario headless: a Chamber of its own on its inventory (or with --connect the running one), its inputs at their ticks, the clock run as fast as it settles, its expectations checked; exits 1 when one fails',
      args: [{ name: 'FILE', description: 'the scenario file (YAML)' }],
      options: [
        { flags: '--seed <N>', description: "the run's seed instead of the scenario's" },
        { flags: '--junit <OUT>', description: 'also write the report as JUnit XML to OUT' },
        {
          flags: '--layout <LAYOUT>',
          description:
            'how its Chamber runs: single (one process, the default: starts fastest) or processes (as npm start)',
        },
        connectOption(
          'run it on the running Chamber instead (its inventory loaded if another is in force, then a reset with its seed),',
        ),
      ],
      validate(ctx) {
        const seed = ctx.options['seed'] as string | undefined;
        if (seed !== undefined && !/^\d+$/.test(seed)) {
          return `--seed must be a whole number, got "${seed}"`;
        }
        const layout = ctx.options['layout'] as string | undefined;
        if (layout !== undefined && layout !== 'single' && layout !== 'processes') {
          return `--layout must be single or processes, got "${layout}"`;
        }
        if (layout !== undefined && ctx.options['connect'] !== undefined) {
          return '--layout is for a Chamber of its own: not with --connect';
        }
        return undefined;
      },
      async run(ctx) {
        const { file, scenario, text } = await readScenario(ctx);
        const seedText = ctx.options['seed'] as string | undefined;
        const seed = seedText === undefined ? undefined : Number(seedText);
        const layout = (ctx.options['layout'] as 'single' | 'processes' | undefined) ?? 'single';
        const junit = ctx.options['junit'] as string | undefined;
        if (junit === '') throw usageError('--junit needs a file name');
        const connectTo = ctx.options['connect'] as string | boolean | undefined;
        let shown = 0;
        const onProgress = (tick: number, lastTick: number) => {
          // A line a second at most: progress for people, not a log.
          const now = performance.now();
          if (now - shown < 1000) return;
          shown = now;
          ctx.note(`tick ${tick} of ${lastTick} at most`);
        };
        let report: ScenarioReport;
        if (connectTo !== undefined) {
          const address = scenariosAddress(ctx);
          ctx.note(
            `running ${scenario.name} on the running Chamber (scenarios service at ${address})…`,
          );
          const chamber = connect({ addresses: { scenarios: address } });
          try {
            const wire = await chamber.runScenario(text, {
              fileName: file,
              ...(seed === undefined ? {} : { seed }),
              ...(await inventoryFileOf(file, scenario)),
              onProgress: (run) => onProgress(run.tick, run.lastTick),
            });
            report = reportOfWire(wire);
          } finally {
            chamber.close();
          }
        } else {
          ctx.note(`starting a Chamber of its own (${layout}) for ${scenario.name}…`);
          const chamber = await startFor(scenario, file, {
            layout,
            ...(seed === undefined ? {} : { seed }),
          });
          try {
            report = await runScenario(chamber, scenario, {
              ...(seed === undefined ? {} : { seed }),
              onProgress: ({ tick, lastTick }) => onProgress(tick, lastTick),
            });
          } finally {
            await chamber.stop();
          }
        }
        if (junit !== undefined) await writeFile(junit, junitOf(report));
        if (ctx.isJson) ctx.print(JSON.stringify(report));
        else for (const line of reportLines(report)) ctx.print(line);
        if (!report.passed) {
          const failed = report.expectations.filter((e) => !e.passed).length;
          throw new ChamberError(
            Code.FailedPrecondition,
            failed > 0
              ? `scenario ${scenario.name}: ${failed} of ${report.expectations.length} expectation(s) failed`
              : `scenario ${scenario.name}: its run condition did not hold by tick ${lastTickOf(scenario.run)}`,
          );
        }
      },
    },
  },
};
