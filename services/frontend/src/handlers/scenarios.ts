import type { AnswerOf, OperationId } from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import { RunMode, ScenarioPlan, ScenarioRun } from '@chamber/protos';
import { parseScenario } from '@chamber/scenario';
import type { ScenariosClient } from '@chamber/scenarios-client';
import { scenarioRights } from '../domain/scenario-rights.js';
import type { Handlers } from '../http/server.js';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The scenarios service, behind the scenario routes. */
export interface ScenarioDeps {
  readonly scenarios: ScenariosClient;
  /** The folder of the shipped scenarios (`*.yaml`) `GET /scenarios/examples` lists. */
  readonly examplesDir: string;
}

/** The routes {@link scenarioHandlers} serves. */
export type ScenarioId = Extract<
  OperationId,
  | 'checkScenario'
  | 'planScenario'
  | 'startScenarioRun'
  | 'listScenarioRuns'
  | 'getScenarioRun'
  | 'listScenarioExamples'
>;

/** The file name a scenario is shown under when the body gives none. */
const defaultFileName = 'scenario.yaml';

/** A run's record as the API answers it: its JSON, as stored (and as `scenarios` events carry it). */
const runAnswer = (run: ScenarioRun): AnswerOf<'getScenarioRun'> =>
  ScenarioRun.toJSON(run) as AnswerOf<'getScenarioRun'>;

/**
 * The scenario routes: check a file, plan it against the running
 * simulation, start a run or an apply (one at a time; `step_time`
 * plus the rights its inputs need, checked here on the parsed file before
 * anything starts), list and read runs, list the shipped scenarios. Progress is not polled: it comes as
 * `scenarios` events of `/events` (the run records under `scenario-runs/`).
 */
export function scenarioHandlers(deps: ScenarioDeps): Pick<Handlers, ScenarioId> {
  const { scenarios, examplesDir } = deps;
  return {
    async checkScenario(request) {
      const { source, fileName } = request.input.body;
      return { body: await scenarios.check(source, fileName ?? defaultFileName) };
    },
    async planScenario(request) {
      const { source, fileName } = request.input.body;
      const plan = await scenarios.plan(source, { fileName: fileName ?? defaultFileName });
      return { body: ScenarioPlan.toJSON(plan) as AnswerOf<'planScenario'> };
    },
    async startScenarioRun(request) {
      const { source, fileName, seed, mode } = request.input.body;
      const name = fileName ?? defaultFileName;
      // Parsed here too, for the rights its inputs need: refused before anything starts.
      const scenario = parseScenario(source, name);
      const caller = request.caller!;
      const missing = scenarioRights(scenario).filter((r) => !caller.user.rights.includes(r));
      if (missing.length > 0) {
        throw new ChamberError(
          Code.PermissionDenied,
          `${mode === 'apply' ? 'applying' : 'running'} scenario ${scenario.name} needs the right(s) ${missing.map((r) => `"${r}"`).join(', ')}, which user "${caller.user.name}" does not hold`,
        );
      }
      const run = await scenarios.startRun(source, {
        fileName: name,
        ...(seed === undefined ? {} : { seed }),
        requestedBy: `user:${caller.user.name}`,
        mode: mode === 'apply' ? RunMode.RUN_MODE_APPLY : RunMode.RUN_MODE_RUN,
      });
      return { body: runAnswer(run) };
    },
    async listScenarioRuns() {
      return { body: { runs: (await scenarios.listRuns()).map(runAnswer) } };
    },
    async getScenarioRun(request) {
      return { body: runAnswer(await scenarios.getRun(request.input.params.id)) };
    },
    async listScenarioExamples() {
      return { body: { examples: await readExamples(examplesDir) } };
    },
  };
}

/**
 * The `*.yaml` files of `dir`, whole, by file name; none when the folder is
 * missing (a deployment without the repository's scenarios/). Other read
 * failures reject.
 */
async function readExamples(dir: string): Promise<Array<{ fileName: string; source: string }>> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((n) => n.endsWith('.yaml')).sort();
  return Promise.all(
    files.map(async (fileName) => ({
      fileName,
      source: await fs.readFile(path.join(dir, fileName), 'utf8'),
    })),
  );
}
