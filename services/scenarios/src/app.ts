import { hostService, type HostedService } from '@chamber/host';
import { protoFiles, ScenariosService } from '@chamber/protos';
import { connect, type Chamber } from '@chamber/sdk';
import type { Store } from '@chamber/store';
import { createLogger, type Logger } from '@chamber/telemetry';
import type { ScenariosConfig } from './config.js';
import { createScenariosHandlers } from './grpc/scenarios-handlers.js';
import { ScenarioRunner } from './runner.js';

/** The scenarios service's name: its `services/<name>/…` registration and log lines. */
export const scenariosName = 'scenarios';

/** What the scenarios service may be given instead of making it. */
export interface ScenariosDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** The Chamber it drives (not closed on stop); one is connected to `config.services` otherwise. */
  readonly chamber?: Chamber;
}

/**
 * The scenarios service: the Scenarios gRPC service over a {@link
 * ScenarioRunner}. Not a participant of the clock: it is a client of the
 * other services, through the SDK, as a harness would be. Its runs'
 * records are bookkeeping under `scenario-runs/`; a run found running when
 * it starts (its runner died) is marked interrupted before it serves.
 */
export function createScenariosService(
  config: ScenariosConfig,
  deps: ScenariosDeps = {},
): HostedService {
  const logger = deps.logger ?? createLogger({ service: scenariosName, level: config.log.level });
  const { services } = config;
  const chamber =
    deps.chamber ??
    connect({
      addresses: {
        stepper: services.stepper,
        inventory: services.inventory,
        faults: services.faults,
        'inventory-repair': services.repair,
        'workload-repair': services.workloads,
        monitor: services.monitor,
      },
    });
  let runner: ScenarioRunner | undefined;
  return hostService({
    name: scenariosName,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    parts: async (store) => {
      runner = new ScenarioRunner(store, chamber, {
        progressMs: config.scenarios.progressMs,
        logger,
      });
      await runner.interruptLeftovers();
      return {
        serve: {
          grpc: {
            name: 'chamber.scenario.v1.Scenarios',
            definition: ScenariosService,
            implementation: createScenariosHandlers(runner, logger),
            protoFile: protoFiles.scenario,
          },
        },
        stop: () => runner?.stop() ?? Promise.resolve(),
        close: () => {
          if (deps.chamber === undefined) chamber.close();
          return Promise.resolve();
        },
      };
    },
  });
}
