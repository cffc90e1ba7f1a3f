// A scenario planned against, and applied to, the simulation as it runs
// (DESIGN §4b): its inputs at their ticks counted from now, nothing reset.
import { ChamberError, Code } from '@chamber/errors';
import type { DefinitionRequest } from '@chamber/inventory-client';
import { Policy, type ClockStatus, type PlanDefinitionResponse } from '@chamber/protos';
import type { Chamber } from '@chamber/sdk';
import { enumTypes, fromWire, type PolicyWord } from '@chamber/world';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputSubmitter, describeInput, describeWorkload, shiftedBy } from './inputs.js';
import type { ClockPolicy, Input, Scenario, TimedInput } from './model.js';
import type { RunProgress } from './run.js';

/**
 * Reads a scenario's `file` inventory (its path as written in the scenario
 * `file`): the definition's text. By default, read from the scenario
 * file's folder; the scenarios service, which reads no caller's files, is
 * sent the text instead.
 */
export type InventoryReader = (inventoryPath: string, file: string) => Promise<string>;

/** Reads a `file` inventory from the folder of the scenario file. */
const readBeside: InventoryReader = (inventoryPath, file) =>
  readFile(path.resolve(path.dirname(file), inventoryPath), 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      throw new ChamberError(
        Code.NotFound,
        `${file}: cannot read its inventory ${inventoryPath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
      );
    },
  );

/**
 * The definition `scenario`'s inventory names, as the inventory takes it: a
 * sample by name, the file (read by `read`), or the inline definition as
 * JSON text (JSON is YAML).
 */
export async function definitionOf(
  scenario: Scenario,
  file: string,
  read: InventoryReader = readBeside,
): Promise<DefinitionRequest> {
  const { inventory } = scenario;
  if (inventory.kind === 'sample') return { sample: inventory.sample };
  if (inventory.kind === 'inline') {
    return {
      source: JSON.stringify(inventory.definition, null, 2),
      fileName: `${scenario.name}.yaml`,
    };
  }
  return { source: await read(inventory.path, file), fileName: path.basename(inventory.path) };
}

/** Whether loading `plan`'s definition would change nothing: it is the one in force. */
export const changesNothing = (plan: PlanDefinitionResponse): boolean =>
  plan.added + plan.updated + plan.removed === 0;

/** An input as a plan lists it: the tick it would take effect at, in words, and its place in the file. */
export interface PlannedInput {
  readonly at: number;
  readonly what: string;
  readonly where: string;
}

/** What applying a scenario now would do; nothing of it is written. */
export interface ScenarioPlan {
  readonly name: string;
  /** The tick the simulation stands at: the scenario's tick `t` is tick `now + t`. */
  readonly now: number;
  /**
   * The definition it would load first (at `now + 1`), with what that changes;
   * absent when the definition in force is the scenario's already.
   */
  readonly inventory?: PlanDefinitionResponse;
  /** The workloads it would create at `now + 1`, in words. */
  readonly workloads: readonly string[];
  /** Every input of its timeline, at the tick it would take effect. */
  readonly inputs: readonly PlannedInput[];
  /** The clock policy it would set, if it names one. */
  readonly clock?: ClockPolicy;
  /** Why it cannot be applied now (a workload that exists already, …); empty when it can. */
  readonly problems: readonly string[];
}

/** The workload each input creates or changes, if any. */
function workloadOf(
  input: Input,
): { name: string; creates: boolean; deletes: boolean } | undefined {
  switch (input.kind) {
    case 'create':
      return { name: input.workload.name, creates: true, deletes: false };
    case 'scale':
    case 'update':
      return { name: input.name, creates: false, deletes: false };
    case 'delete':
      return { name: input.name, creates: false, deletes: true };
    default:
      return undefined;
  }
}

/**
 * What applying `scenario` (read from `file`) to `chamber` now would do:
 * the definition it would load and what that changes, the workloads it
 * would create, each input at its tick, and what stands in its way.
 * Reads only.
 */
export async function planScenario(
  chamber: Chamber,
  scenario: Scenario,
  file: string,
  read?: InventoryReader,
): Promise<ScenarioPlan> {
  const now = await chamber.tick();
  const definition = await chamber.inventory.planDefinition(
    await definitionOf(scenario, file, read),
  );
  const existing = new Set((await chamber.workloads.list()).map((w) => w.spec?.name ?? ''));
  const problems: string[] = [];
  const creates = [
    ...scenario.workloads.map((workload): TimedInput => ({
      at: 1,
      input: { kind: 'create', workload },
      where: file,
    })),
    ...scenario.timeline,
  ];
  for (const { at, input, where } of creates) {
    const w = workloadOf(input);
    if (w === undefined) continue;
    if (w.creates && existing.has(w.name)) {
      problems.push(`${where}: workload ${w.name} exists already; it would not be created`);
    } else if (!w.creates && !existing.has(w.name)) {
      problems.push(`${where}: no workload ${w.name} at tick ${now + at} to ${input.kind}`);
    }
    if (w.creates) existing.add(w.name);
    if (w.deletes) existing.delete(w.name);
  }
  return {
    name: scenario.name,
    now,
    ...(changesNothing(definition) ? {} : { inventory: definition }),
    workloads: scenario.workloads.map(describeWorkload),
    inputs: scenario.timeline.map((t) => ({
      at: now + t.at,
      what: describeInput(shiftedBy(t.input, now)),
      where: t.where,
    })),
    ...(scenario.clock === undefined ? {} : { clock: scenario.clock }),
    problems,
  };
}

/** What {@link applyScenario} did. */
export interface AppliedScenario {
  readonly plan: ScenarioPlan;
  /** The tick the clock stood at when the last input was in. */
  readonly tick: number;
}

/** Options of {@link applyScenario}. */
export interface ApplyOptions {
  /** Called as the clock moves to each input's tick. */
  readonly onProgress?: (progress: RunProgress) => void;
  /** How a `file` inventory is read (default: beside the scenario file). */
  readonly readInventory?: InventoryReader;
}

/**
 * Applies `scenario` to the simulation as it runs, nothing reset: its
 * definition loaded first when it is not the one in force, its workloads
 * created and each input submitted so that each takes effect exactly at
 * `now + t`. The clock is taken to each of those ticks with `RunUntil`,
 * which bounds a clock that runs by itself (`measured` keeps its pace) and
 * moves a paused one as fast as it settles; at the end a clock that runs
 * by itself goes on (the scenario's `clock` policy, or the one it had).
 * Refused with `FailedPrecondition`, nothing written, when the plan finds
 * problems; `Aborted` when the clock passes an input's tick before the
 * input is in (someone changed the policy meanwhile), saying how many
 * inputs were applied.
 */
export async function applyScenario(
  chamber: Chamber,
  scenario: Scenario,
  file: string,
  options: ApplyOptions = {},
): Promise<AppliedScenario> {
  const before = await chamber.status();
  await hold(chamber);
  const read = options.readInventory;
  let plan = await planScenario(chamber, scenario, file, read);
  if (plan.problems.length > 0) {
    await resume(chamber, policyOf(before));
    throw new ChamberError(
      Code.FailedPrecondition,
      `scenario ${scenario.name} cannot be applied at tick ${plan.now}; nothing was changed:\n${plan.problems.join('\n')}`,
    );
  }
  if (scenario.clock !== undefined) {
    // Its own pace from the start; a policy change lifts the hold, so hold again.
    await chamber.setPolicy(scenario.clock.policy, scenario.clock.rate);
    await hold(chamber);
    plan = await planScenario(chamber, scenario, file, read);
  }
  const { now } = plan;
  const last = Math.max(now, ...plan.inputs.map((i) => i.at - 1));
  const progress = (tick: number, doing: string) =>
    options.onProgress?.({ tick, lastTick: last, doing });
  if (plan.inventory !== undefined) {
    const definition = await definitionOf(scenario, file, read);
    await ('sample' in definition
      ? chamber.inventory.loadSample(definition.sample)
      : chamber.inventory.loadDefinition(definition.source, definition.fileName));
  }
  const inputs = new InputSubmitter(chamber);
  for (const spec of scenario.workloads) await inputs.createWorkload(spec);
  let applied = 0;
  let tick = now;
  for (const [i, { at, input }] of scenario.timeline.entries()) {
    const due = now + at - 1;
    if (due > tick) {
      tick = await chamber.runUntil(due);
      progress(tick, 'running');
    }
    await inputs.submit(shiftedBy(input, now));
    applied++;
    const next = scenario.timeline[i + 1];
    if (next === undefined || next.at !== at) {
      // Each input went in while the clock stood at `due`, or some took effect late.
      const stands = await chamber.tick();
      if (stands !== due) {
        throw new ChamberError(
          Code.Aborted,
          `scenario ${scenario.name}: the clock moved to tick ${stands} before the inputs of tick ${due + 1} were in (was its policy changed meanwhile?); ${applied} of ${scenario.timeline.length} inputs were applied, some of them late, and the rest were not`,
        );
      }
      progress(tick, 'inputs');
    }
  }
  const after = await chamber.status();
  await resume(chamber, scenario.clock ?? policyOf(after));
  return { plan, tick: after.tick };
}

/** Whether a clock with `policy` moves by itself (`measured`, `no_wait`). */
const runsByItself = (policy: Policy) =>
  policy === Policy.POLICY_MEASURED || policy === Policy.POLICY_NO_WAIT;

/**
 * Stops a clock that runs by itself at the next tick or so, with a
 * `RunUntil` bound (a paused or manual one stands still already), so that
 * "now" stays now; resolves once the tick it stands at is settled.
 */
async function hold(chamber: Chamber): Promise<void> {
  for (;;) {
    const status = await chamber.status();
    const isHeld = status.until !== undefined && status.until <= status.tick;
    if (!runsByItself(status.policy) || isHeld) {
      await chamber.waitForTick(status.tick);
      return;
    }
    // Bounded at the next tick, unless the clock is past it by then: try again.
    await chamber.runUntil(status.tick + 1);
  }
}

/** The clock's policy in words, as its status gives it. */
const policyOf = (status: ClockStatus): ClockPolicy => ({
  policy: fromWire(enumTypes.policy, Policy[status.policy]) as PolicyWord,
  rate: status.rate,
});

/**
 * Lets a clock that runs by itself (`clock`: `measured`, `no_wait`) go on
 * past the `RunUntil` bound, by setting its policy again; a paused or
 * manual one stays where it is.
 */
async function resume(chamber: Chamber, clock: ClockPolicy): Promise<void> {
  if (clock.policy === 'measured' || clock.policy === 'no_wait') {
    await chamber.setPolicy(clock.policy, clock.policy === 'measured' ? clock.rate : undefined);
  }
}
