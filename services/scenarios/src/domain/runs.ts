// A scenario run's record through its life: pure transitions, no I/O. The
// runner writes each one to `scenario-runs/<id>`.
import type { Scenario } from '@chamber/scenario';
import {
  RunState,
  type DefinitionSource,
  type ScenarioReport,
  type ScenarioRun,
} from '@chamber/protos';
import { lastTickOf } from '@chamber/scenario';

/** A run's id: `run-<ms since 1970>-<suffix>`, so ids sort in the order runs started. */
export function runId(now: Date, suffix: string): string {
  return `run-${String(now.getTime()).padStart(13, '0')}-${suffix}`;
}

/** The record of a run that starts now: running, at tick 0, loading its inventory. */
export function startedRun(options: {
  readonly id: string;
  readonly scenario: Scenario;
  readonly fileName: string;
  readonly seed: number;
  readonly requestedBy: string;
  readonly now: Date;
}): ScenarioRun {
  return {
    id: options.id,
    name: options.scenario.name,
    fileName: options.fileName,
    seed: options.seed,
    state: RunState.RUN_STATE_RUNNING,
    tick: 0,
    lastTick: lastTickOf(options.scenario.run),
    doing: 'loading',
    report: undefined,
    reason: '',
    startedAt: options.now,
    endedAt: undefined,
    requestedBy: options.requestedBy,
  };
}

/** The run moved on: where it stands and what it does. */
export function progressed(
  run: ScenarioRun,
  progress: { readonly tick: number; readonly doing: string },
): ScenarioRun {
  return { ...run, tick: progress.tick, doing: progress.doing };
}

/** The run ended with a report: passed or failed as the report says. */
export function reported(run: ScenarioRun, report: ScenarioReport, now: Date): ScenarioRun {
  return {
    ...run,
    state: report.passed ? RunState.RUN_STATE_PASSED : RunState.RUN_STATE_FAILED,
    tick: report.tick,
    doing: 'done',
    report,
    endedAt: now,
  };
}

/** The run ended without a report: the Chamber refused an input or was out of reach. */
export function failedRun(run: ScenarioRun, reason: string, now: Date): ScenarioRun {
  return { ...run, state: RunState.RUN_STATE_ERROR, doing: 'done', reason, endedAt: now };
}

/** A run whose runner is gone (found running by a service that just started, or stopping). */
export function interruptedRun(run: ScenarioRun, reason: string, now: Date): ScenarioRun {
  return { ...run, state: RunState.RUN_STATE_INTERRUPTED, doing: 'done', reason, endedAt: now };
}

/** Whether a run is still going (its record says so). */
export function isRunning(run: ScenarioRun): boolean {
  return run.state === RunState.RUN_STATE_RUNNING;
}

/**
 * Whether the definition in force is the scenario's: the same text (a
 * sample's file, a file's text, an inline definition as JSON).
 */
export function isDefinitionInForce(text: string, inForce: DefinitionSource | undefined): boolean {
  return inForce !== undefined && inForce.source === text;
}
