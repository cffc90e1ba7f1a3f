import { hostParticipantService, type HostedService } from '@chamber/host';
import { protoFiles, SchedulerService } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import type { SchedulerConfig } from './config.js';
import {
  SchedulerReactor,
  schedulerParticipant,
  schedulerReactsTo,
  schedulerViews,
} from './domain/reactor.js';
import { createSchedulerHandlers } from './grpc/scheduler-handlers.js';

/** What the scheduler may be given instead of making it. */
export interface SchedulerDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** Where decision spans go. */
  readonly tracer?: Tracer;
}

/**
 * The scheduler: a participant of the clock that places wanted instances on
 * blades and explains each decision ({@link SchedulerReactor}), and the
 * Scheduler gRPC service that reads those explanations back.
 */
export function createSchedulerService(
  config: SchedulerConfig,
  deps: SchedulerDeps = {},
): HostedService {
  const logger = deps.logger ?? createLogger({ service: 'scheduler', level: config.log.level });
  const s = config.scheduler;
  const reactor = new SchedulerReactor({
    strategy: s.strategy,
    candidatesShown: Math.max(1, s.candidatesShown),
    weakWeight: s.weakWeight,
  });
  return hostParticipantService({
    name: schedulerParticipant,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => ({
      name: 'chamber.workloads.v1.Scheduler',
      definition: SchedulerService,
      implementation: createSchedulerHandlers(store, logger, (w, n) => reactor.bladeOf(w, n)),
      protoFile: protoFiles.workloads,
    }),
    participant: { views: schedulerViews, reactsTo: schedulerReactsTo, reactor },
  });
}
