import type { AnswerOf, OperationId } from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import { ScenarioRun } from '@chamber/protos';
import { parseScenario } from '@chamber/scenario';
import type { ScenariosClient } from '@chamber/scenarios-client';
import { scenarioRights } from '../domain/scenario-rights.js';
import type { Handlers } from '../http/server.js';

/** The scenarios service, behind the scenario routes. */
export interface ScenarioDeps {
  readonly scenarios: ScenariosClient;
}

/** The routes {@link scenarioHandlers} serves. */
export type ScenarioId = Extract<
  OperationId,
  'checkScenario' | 'startScenarioRun' | 'listScenarioRuns' | 'getScenarioRun'
>;

/** The file name a scenario is shown under when the body gives none. */
const defaultFileName = 'scenario.yaml';

/** A run's record as the API answers it: its JSON, as stored (and as `scenarios` events carry it). */
const runAnswer = (run: ScenarioRun): AnswerOf<'getScenarioRun'> =>
  ScenarioRun.toJSON(run) as AnswerOf<'getScenarioRun'>;

/**
 * The scenario routes: check a file, start a run (one at a time; `step_time`
 * plus the rights its inputs need, checked here on the parsed file before
 * anything starts), list and read runs. Progress is not polled: it comes as
 * `scenarios` events of `/events` (the run records under `scenario-runs/`).
 */
export function scenarioHandlers(deps: ScenarioDeps): Pick<Handlers, ScenarioId> {
  const { scenarios } = deps;
  return {
    async checkScenario(request) {
      const { source, fileName } = request.input.body;
      return { body: await scenarios.check(source, fileName ?? defaultFileName) };
    },
    async startScenarioRun(request) {
      const { source, fileName, seed } = request.input.body;
      const name = fileName ?? defaultFileName;
      // Parsed here too, for the rights its inputs need: refused before anything starts.
      const scenario = parseScenario(source, name);
      const caller = request.caller!;
      const missing = scenarioRights(scenario).filter((r) => !caller.user.rights.includes(r));
      if (missing.length > 0) {
        throw new ChamberError(
          Code.PermissionDenied,
          `running scenario ${scenario.name} needs the right(s) ${missing.map((r) => `"${r}"`).join(', ')}, which user "${caller.user.name}" does not hold`,
        );
      }
      const run = await scenarios.startRun(source, {
        fileName: name,
        ...(seed === undefined ? {} : { seed }),
        requestedBy: `user:${caller.user.name}`,
      });
      return { body: runAnswer(run) };
    },
    async listScenarioRuns() {
      return { body: { runs: (await scenarios.listRuns()).map(runAnswer) } };
    },
    async getScenarioRun(request) {
      return { body: runAnswer(await scenarios.getRun(request.input.params.id)) };
    },
  };
}
