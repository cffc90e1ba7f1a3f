import { unary as unaryCall, serverStream, type HandlerLogger } from '@chamber/grpc';
import type { ScenariosServer } from '@chamber/protos';
import { lastTickOf, parseScenario } from '@chamber/scenario';
import type { ScenarioRunner } from '../runner.js';

/** The file name a scenario is shown under when the caller gives none. */
const defaultFileName = 'scenario.yaml';

/**
 * The Scenarios RPCs: `Check` parses (INVALID_ARGUMENT with every problem
 * at file:line:col); `StartRun` hands the scenario to the {@link
 * ScenarioRunner} (one run at a time) and answers with its first record;
 * `GetRun`, `ListRuns` and `WatchRun` read the records in the store.
 */
export function createScenariosHandlers(
  runner: ScenarioRunner,
  logger: HandlerLogger,
): ScenariosServer {
  const unary = <Req, Res>(fn: (req: Req) => Promise<Res>) => unaryCall<Req, Res>(fn, logger);
  return {
    // Async, so a refused scenario rejects (INVALID_ARGUMENT) rather than throws.
    // eslint-disable-next-line @typescript-eslint/require-await
    check: unary(async (req) => {
      const scenario = parseScenario(req.source, req.fileName || defaultFileName);
      return {
        name: scenario.name,
        inputs: scenario.timeline.length,
        expectations: scenario.expect.length,
        lastTick: lastTickOf(scenario.run),
      };
    }),
    startRun: unary(async (req) => ({
      run: await runner.start({
        source: req.source,
        fileName: req.fileName || defaultFileName,
        ...(req.seed === undefined ? {} : { seed: req.seed }),
        inventorySource: req.inventorySource,
        requestedBy: req.requestedBy,
      }),
    })),
    getRun: unary(async (req) => ({ run: await runner.get(req.id) })),
    listRuns: unary(async () => ({ runs: await runner.list() })),
    watchRun: serverStream(async (req, call) => {
      const controller = new AbortController();
      const onCancel = () => controller.abort();
      call.once('cancelled', onCancel);
      try {
        await runner.follow(req.id, (run) => call.write({ run }), controller.signal);
      } finally {
        call.removeListener('cancelled', onCancel);
      }
    }, logger),
  };
}
