import { hostParticipantService, type HostedService } from '@chamber/host';
import { MonitorService, protoFiles, ReportsService } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import { shardParticipant } from '@chamber/world';
import type { MonitorConfig } from './config.js';
import {
  MonitorReactor,
  monitorParticipant,
  monitorReactsTo,
  monitorViews,
} from './domain/reactor.js';
import { createMonitorHandlers } from './grpc/monitor-handlers.js';
import { createReportsHandlers } from './grpc/reports-handlers.js';

/** What the monitor may be given instead of making it. */
export interface MonitorDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
  /** Where its tick and transition spans go. */
  readonly tracer?: Tracer;
}

/**
 * The monitor: a participant of the clock that writes the `observed` view
 * from heartbeats and device health ({@link MonitorReactor}), a small
 * Monitor gRPC service reporting its thresholds and what it observes, and
 * the Reports service (a run's figures, read from the store's history).
 */
export function createMonitorService(config: MonitorConfig, deps: MonitorDeps = {}): HostedService {
  const logger = deps.logger ?? createLogger({ service: 'monitor', level: config.log.level });
  return hostParticipantService({
    name: shardParticipant(monitorParticipant, config.shard),
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => [
      {
        name: 'chamber.monitor.v1.Monitor',
        definition: MonitorService,
        implementation: createMonitorHandlers(store, config.monitor, logger),
        protoFile: protoFiles.monitor,
      },
      {
        name: 'chamber.reports.v1.Reports',
        definition: ReportsService,
        implementation: createReportsHandlers(store, logger),
        protoFile: protoFiles.reports,
      },
    ],
    participant: {
      views: monitorViews,
      reactsTo: monitorReactsTo,
      reactor: new MonitorReactor(config.monitor, undefined, config.shard),
    },
  });
}
