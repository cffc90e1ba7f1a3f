import { ChamberError, Code } from '@chamber/errors';
import { ReportLevel, type GetAvailabilityResponse, type ReportFigures } from '@chamber/protos';
import type { Chamber } from '@chamber/sdk';
import { repairStatuses, type RepairStatusWord } from '@chamber/world';
import {
  lastTickOf,
  type Check,
  type Condition,
  type CountBound,
  type Expectation,
  type Scenario,
  type TimedInput,
} from './model.js';
import { InputSubmitter } from './inputs.js';

/** One expectation's outcome: what it asked, what was seen, at which tick. */
export interface ExpectationResult {
  /** Where it is in the file: `scenario.yaml:40:5`. */
  readonly where: string;
  /** The tick it was checked at. */
  readonly tick: number;
  /** What it asks, in words: `standard/z1/rack3/pdu/0 observed is failed`. */
  readonly expected: string;
  /** What was there: `healthy`, `7`, `97.5 %`. */
  readonly observed: string;
  readonly passed: boolean;
}

/** A workload's figures over the whole run. */
export interface WorkloadFigures {
  readonly name: string;
  /** 1 − lost / desired instance-ticks (1 when nothing was desired). */
  readonly availability: number;
  readonly instanceTicksLost: number;
  readonly outages: number;
  readonly worstOutageTicks: number;
  readonly meanDetectionTicks?: number;
  readonly meanRecoveryTicks?: number;
}

/** What a run did and whether its expectations held. */
export interface ScenarioReport {
  readonly name: string;
  readonly seed: number;
  /** Every expectation held, and a run `until` a condition met it in time. */
  readonly passed: boolean;
  /** The last tick of the run. */
  readonly tick: number;
  /** The world digest through that tick: two runs with the same digest did the same. */
  readonly digest: string;
  /** With `until` a condition: the tick it held at, or undefined when it never did. */
  readonly conditionMetAt?: number;
  readonly expectations: readonly ExpectationResult[];
  readonly workloads: readonly WorkloadFigures[];
  /** Every repair of the run, by status word. */
  readonly repairs: Readonly<Partial<Record<RepairStatusWord, number>>>;
  /** Wall time of the run, in ms (not part of what it proves). */
  readonly wallMs: number;
  /**
   * The run's element figures over ticks 0 to `tick` (availability,
   * failures, MTBF, MTTR, detection delay, repair time), as the monitor's
   * reports give them; absent in a report of a run made before them.
   */
  readonly elements?: ReportFigures;
}

/** Where a run is, for progress lines. */
export interface RunProgress {
  readonly tick: number;
  readonly lastTick: number;
  /** What it is doing: `inputs`, `expectations`, `running`. */
  readonly doing: string;
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** The seed of the run instead of the scenario's. */
  readonly seed?: number;
  /** Called as the run moves on. */
  readonly onProgress?: (progress: RunProgress) => void;
}

/** What to do at a tick: check expectations (first), then submit the inputs of the next tick. */
type Step =
  | { readonly tick: number; readonly kind: 'expect'; readonly expectation: Expectation }
  | { readonly tick: number; readonly kind: 'inputs'; readonly inputs: readonly TimedInput[] };

/**
 * Runs `scenario` on `chamber` headless: a fresh run (a reset with its
 * seed) on the inventory the Chamber has (the caller starts one on the
 * scenario's inventory: {@link startFor}), its workloads created for tick 1,
 * the clock run with `RunUntil` as fast as the services settle (idle ticks
 * jumped, as `no_wait` does; `policy` inputs change nothing here, only how
 * fast a clock goes) from checkpoint to checkpoint — each timeline input
 * submitted while the clock stands at
 * the tick before its own, so it takes effect exactly at its tick; each
 * expectation checked when the clock stands at its tick — then to the run's
 * bound: its `until` tick, or until its condition holds (checked tick by
 * tick once the timeline is done) at the latest by `within`. `end`
 * expectations are checked there. Resolves with the report; rejects only
 * when the Chamber refuses an input or cannot be reached (a ChamberError).
 */
export async function runScenario(
  chamber: Chamber,
  scenario: Scenario,
  options: RunOptions = {},
): Promise<ScenarioReport> {
  const started = performance.now();
  const seed = options.seed ?? scenario.seed;
  const lastTick = lastTickOf(scenario.run);
  let tick = (await chamber.reset(seed)).tick;
  const progress = (doing: string) => options.onProgress?.({ tick, lastTick, doing });
  // The clock stays paused: only `RunUntil` moves it, as fast as the
  // services settle (idle ticks jumped), to exactly each checkpoint. A clock
  // running by itself (no_wait, measured) could pass a checkpoint before its
  // inputs are in, and the run would not be the same twice.
  const runTo = async (to: number) => {
    if (to <= tick) return;
    tick = await chamber.runUntil(to);
    progress('running');
  };

  const inputs = new InputSubmitter(chamber);
  for (const spec of scenario.workloads) await inputs.createWorkload(spec);
  const results: ExpectationResult[] = [];
  for (const step of plan(scenario)) {
    await runTo(step.tick);
    if (step.kind === 'expect') {
      progress('expectations');
      results.push(await check(chamber, step.expectation, tick));
    } else {
      progress('inputs');
      for (const { input } of step.inputs) await inputs.submit(input);
    }
  }

  let conditionMetAt: number | undefined;
  const { run } = scenario;
  if (run.kind === 'tick') await runTo(run.until);
  else {
    for (;;) {
      if (await holds(chamber, run.condition)) {
        conditionMetAt = tick;
        break;
      }
      if (tick >= run.within) break;
      await runTo(tick + 1);
    }
  }
  for (const e of scenario.expect) {
    if (e.at === 'end') results.push(await check(chamber, e, tick));
  }

  const repairs = await repairCounts(chamber);
  // Workloads only: no groups of elements, the totals and the repairs.
  const elements = (
    await chamber.reports.report({ from: 0, to: tick }, ReportLevel.REPORT_LEVEL_WORKLOAD)
  ).total;
  const figures: WorkloadFigures[] = [];
  for (const name of [...inputs.workloads].sort()) {
    const a = await availabilityOf(chamber, name, tick);
    if (a !== undefined) figures.push(figuresOf(name, a));
  }
  const conditionPassed = run.kind === 'tick' || conditionMetAt !== undefined;
  return {
    name: scenario.name,
    seed,
    passed: conditionPassed && results.every((r) => r.passed),
    tick,
    digest: await chamber.digest(),
    ...(conditionMetAt === undefined ? {} : { conditionMetAt }),
    expectations: results,
    workloads: figures,
    repairs,
    wallMs: Math.round(performance.now() - started),
    ...(elements === undefined ? {} : { elements }),
  };
}

/** The checkpoints of a run in order: at each tick, its expectations, then the next tick's inputs. */
function plan(scenario: Scenario): Step[] {
  const steps: Step[] = [];
  for (const e of scenario.expect) {
    if (e.at !== 'end') steps.push({ tick: e.at, kind: 'expect', expectation: e });
  }
  const byTick = new Map<number, TimedInput[]>();
  for (const t of scenario.timeline) byTick.set(t.at, [...(byTick.get(t.at) ?? []), t]);
  for (const [at, inputs] of byTick) steps.push({ tick: at - 1, kind: 'inputs', inputs });
  // Stable: expectations before inputs at the same tick, each kind in file order.
  return steps
    .map((s, i) => ({ s, i }))
    .sort(
      (a, b) =>
        a.s.tick - b.s.tick ||
        (a.s.kind === b.s.kind ? 0 : a.s.kind === 'expect' ? -1 : 1) ||
        a.i - b.i,
    )
    .map(({ s }) => s);
}

/** Whether a run condition holds now. */
async function holds(chamber: Chamber, condition: Condition): Promise<boolean> {
  switch (condition.kind) {
    case 'atStrength': {
      const w = await chamber.workloads.get(condition.workload);
      return (await chamber.runningInstances(condition.workload)) === w.spec?.instances;
    }
    case 'noOpenRepairs':
      return (await chamber.listRepairs({ statuses: ['pending', 'running'] })).length === 0;
    case 'element':
      return same(await chamber.state(condition.path, { view: condition.view }), condition.state);
  }
}

/** State words compare alike with `_` or a space (`in_service`, `in service`). */
const same = (a: string, b: string) => a.replaceAll('_', ' ') === b.replaceAll('_', ' ');

const inBound = (n: number, bound: CountBound): boolean =>
  bound.exactly !== undefined
    ? n === bound.exactly
    : (bound.min === undefined || n >= bound.min) && (bound.max === undefined || n <= bound.max);

const describeBound = (bound: CountBound): string =>
  bound.exactly !== undefined
    ? `${bound.exactly}`
    : [
        bound.min === undefined ? '' : `at least ${bound.min}`,
        bound.max === undefined ? '' : `at most ${bound.max}`,
      ]
        .filter(Boolean)
        .join(' and ');

async function repairCounts(chamber: Chamber): Promise<Partial<Record<RepairStatusWord, number>>> {
  const counts: Partial<Record<RepairStatusWord, number>> = {};
  for (const status of repairStatuses) {
    const n = (await chamber.listRepairs({ statuses: [status] })).length;
    if (n > 0) counts[status] = n;
  }
  return counts;
}

/** A workload's availability from tick 0 to `tick`; undefined before its first sample. */
async function availabilityOf(
  chamber: Chamber,
  workload: string,
  tick: number,
): Promise<GetAvailabilityResponse | undefined> {
  try {
    return await chamber.workloads.availability(workload, { fromTick: 0, toTick: tick });
  } catch (error) {
    if (error instanceof ChamberError && error.code === Code.NotFound) return undefined;
    throw error;
  }
}

function figuresOf(name: string, a: GetAvailabilityResponse): WorkloadFigures {
  return {
    name,
    availability: a.availability,
    instanceTicksLost: a.instanceTicksLost,
    outages: a.outages.length,
    worstOutageTicks: a.worstOutageTicks,
    ...(a.meanDetectionTicks === undefined ? {} : { meanDetectionTicks: a.meanDetectionTicks }),
    ...(a.meanRecoveryTicks === undefined ? {} : { meanRecoveryTicks: a.meanRecoveryTicks }),
  };
}

/** The longest detection-to-end of a workload's outages; undefined while one is open or undetected. */
function longestRecovery(a: GetAvailabilityResponse): number | undefined {
  let longest = 0;
  for (const o of a.outages) {
    if (o.endTick === undefined || o.detectedTick === undefined) return undefined;
    longest = Math.max(longest, o.endTick - o.detectedTick);
  }
  return longest;
}

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

/** Checks one expectation now (the clock standing at `tick`). */
async function check(chamber: Chamber, e: Expectation, tick: number): Promise<ExpectationResult> {
  const result = (expected: string, observed: string, passed: boolean): ExpectationResult => ({
    where: e.where,
    tick,
    expected,
    observed,
    passed,
  });
  const c: Check = e.check;
  switch (c.kind) {
    case 'state': {
      const state = await chamber.state(c.path, { view: c.view });
      return result(`${c.path} ${c.view} is ${c.state}`, state || 'no state', same(state, c.state));
    }
    case 'repairs': {
      const counts = await repairCounts(chamber);
      const wrong = Object.entries(c.counts).filter(
        ([status, bound]) => !inBound(counts[status as RepairStatusWord] ?? 0, bound),
      );
      const asked = Object.entries(c.counts)
        .map(([status, bound]) => `${status} ${describeBound(bound)}`)
        .join(', ');
      const seen = Object.keys(c.counts)
        .map((status) => `${status} ${counts[status as RepairStatusWord] ?? 0}`)
        .join(', ');
      return result(`repairs: ${asked}`, seen, wrong.length === 0);
    }
    case 'running': {
      const n = await chamber.runningInstances(c.workload);
      return result(
        `${c.workload} running ${describeBound(c.instances)}`,
        `${n}`,
        inBound(n, c.instances),
      );
    }
    case 'availability': {
      const a = await availabilityOf(chamber, c.workload, tick);
      const value = a?.availability;
      return result(
        `${c.workload} availability at least ${percent(c.atLeast)}`,
        value === undefined ? 'no samples' : percent(value),
        value !== undefined && value >= c.atLeast,
      );
    }
    case 'longestOutage': {
      const a = await availabilityOf(chamber, c.workload, tick);
      const worst = a?.worstOutageTicks ?? 0;
      return result(
        `${c.workload} longest outage at most ${c.atMost} ticks`,
        `${worst} ticks`,
        worst <= c.atMost,
      );
    }
    case 'recovery': {
      const a = await availabilityOf(chamber, c.workload, tick);
      const longest = a === undefined ? 0 : longestRecovery(a);
      return result(
        `${c.workload} recovers within ${c.atMost} ticks of detection`,
        longest === undefined ? 'an outage still open or never detected' : `${longest} ticks`,
        longest !== undefined && longest <= c.atMost,
      );
    }
    case 'noEscalations': {
      const n = (await chamber.listRepairs({ statuses: ['escalated'] })).length;
      return result('no repair escalated', `${n} escalated`, n === 0);
    }
    case 'digest': {
      const digest = await chamber.digest();
      return result(`digest ${c.digest}`, digest, digest === c.digest);
    }
  }
}
