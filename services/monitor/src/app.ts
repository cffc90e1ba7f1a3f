import { hostParticipantService, type HostedService } from '@chamber/host';
import { unary } from '@chamber/grpc';
import { MonitorService, protoFiles, TickRecord, type MonitorServer } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger, type Tracer } from '@chamber/telemetry';
import { keys } from '@chamber/world';
import type { MonitorConfig } from './config.js';
import { monitorParticipant, Watcher, watcherReactsTo, watcherViews } from './watcher.js';

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
 * from heartbeats and device health ({@link Watcher}), and a small Monitor
 * gRPC service reporting its thresholds and what it observes.
 */
export function createMonitorService(config: MonitorConfig, deps: MonitorDeps = {}): HostedService {
  const logger = deps.logger ?? createLogger({ service: 'monitor', level: config.log.level });
  const watcher = new Watcher(config.monitor, deps.tracer);

  const handlers = (s: Store): MonitorServer => ({
    getStatus: unary(async () => {
      const [observed, tick] = await Promise.all([
        s.listRaw('observed/'),
        s.get(TickRecord, keys.clockTick),
      ]);
      const states: Record<string, number> = {};
      for (const { value } of observed.entries) {
        const state = /"state":"([A-Z_]+)"/.exec(value)?.[1] ?? 'OBSERVED_STATE_UNSPECIFIED';
        states[state] = (states[state] ?? 0) + 1;
      }
      return { ...config.monitor, states, tick: tick?.value.tick ?? 0 };
    }, logger),
  });

  return hostParticipantService({
    name: monitorParticipant,
    config,
    logger,
    ...(deps.store === undefined ? {} : { store: deps.store }),
    ...(deps.tracer === undefined ? {} : { tracer: deps.tracer }),
    grpc: (store) => ({
      name: 'chamber.monitor.v1.Monitor',
      definition: MonitorService,
      implementation: handlers(store),
      protoFile: protoFiles.monitor,
    }),
    participant: {
      views: watcherViews,
      reactsTo: watcherReactsTo,
      onTick: (ctx) => watcher.tick(ctx),
    },
  });
}
