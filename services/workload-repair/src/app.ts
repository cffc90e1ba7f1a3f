import { hostParticipantService, type HostedService } from '@chamber/host';
import { protoFiles, WorkloadsService } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import { workloadsOwner } from '@chamber/workloads-client';
import type { WorkloadRepairConfig } from './config.js';
import {
  WorkloadRepairReactor,
  workloadRepairReactsTo,
  workloadRepairViews,
} from './domain/reactor.js';
import { createWorkloadsHandlers } from './grpc/workloads-handlers.js';

/** The workload repair manager's participant name, and the owner of the workload inputs. */
export const workloadRepairParticipant = workloadsOwner;

/** What the workload repair manager may be given instead of making it. */
export interface WorkloadRepairDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** Where its decision spans go. */
  readonly tracer?: Tracer;
}

/**
 * The workload repair manager: the Workloads gRPC service (create, update,
 * delete as inputs for the next tick; get, list, list instances) and a
 * participant of the clock that keeps each workload's instances as asked
 * ({@link WorkloadRepairReactor}).
 */
export function createWorkloadRepairService(
  config: WorkloadRepairConfig,
  deps: WorkloadRepairDeps = {},
): HostedService {
  const logger =
    deps.logger ?? createLogger({ service: 'workload-repair', level: config.log.level });
  return hostParticipantService({
    name: workloadRepairParticipant,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => ({
      name: 'chamber.workloads.v1.Workloads',
      definition: WorkloadsService,
      implementation: createWorkloadsHandlers(store, logger, {
        maxInstances: config.workloadRepair.maxInstances,
      }),
      protoFile: protoFiles.workloads,
    }),
    participant: {
      views: workloadRepairViews(workloadRepairParticipant),
      reactsTo: workloadRepairReactsTo,
      reactor: new WorkloadRepairReactor(workloadRepairParticipant),
    },
  });
}
