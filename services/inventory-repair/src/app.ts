import { hostParticipantService, type HostedService } from '@chamber/host';
import { protoFiles, RepairsService } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import type { RepairConfig } from './config.js';
import { defaultPolicy, type RepairPolicy } from './domain/policy.js';
import { RepairReactor, repairParticipant, repairReactsTo, repairViews } from './domain/reactor.js';
import { createRepairsHandlers } from './grpc/repairs-handlers.js';

/** What the repair manager may be given instead of making it. */
export interface RepairDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** The repair policy; the default one (power-cycle, reimage, replace) otherwise. */
  readonly policy?: RepairPolicy;
  /** Where decision spans go. */
  readonly tracer?: Tracer;
}

/**
 * The inventory repair manager: a participant of the clock that repairs what
 * `observed` shows broken ({@link RepairReactor}), and the Repairs gRPC
 * service that lists its repair records.
 */
export function createRepairService(config: RepairConfig, deps: RepairDeps = {}): HostedService {
  const logger =
    deps.logger ?? createLogger({ service: 'inventory-repair', level: config.log.level });
  const r = config.repair;
  const reactor = new RepairReactor({
    policy:
      deps.policy ??
      defaultPolicy({ powerCycles: r.powerCycles, technicianTicks: r.technicianTicks }),
    rackBudget: r.rackBudget,
    verifyTicks: {
      powerCycle: r.verifyPowerCycleTicks,
      reimage: r.verifyReimageTicks,
      replace: r.verifyReplaceTicks,
    },
    backoffCapTicks: r.backoffCapTicks,
    humanRecheckTicks: r.humanRecheckTicks,
    retentionTicks: r.retentionTicks,
  });
  return hostParticipantService({
    name: repairParticipant,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => ({
      name: 'chamber.repair.v1.Repairs',
      definition: RepairsService,
      implementation: createRepairsHandlers(store, logger),
      protoFile: protoFiles.repair,
    }),
    participant: { views: repairViews, reactsTo: repairReactsTo, reactor },
  });
}
