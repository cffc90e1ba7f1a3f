import { randomBytes } from 'node:crypto';
import { hostService } from '@chamber/host';
import { protoFiles, TraceSinkService as TraceSinkDefinition } from '@chamber/protos';
import type { Store } from '@chamber/store';
import { createLogger, type Logger } from '@chamber/telemetry';
import type { TraceSinkConfig } from './config.js';
import { TraceLog } from './domain/trace-log.js';
import { createTraceHandlers } from './grpc/trace-handlers.js';

/** The tracesink's service name: its `services/<name>/…` registration. */
export const traceSinkName = 'tracesink';

/** What the tracesink may be given instead of making it. */
export interface TraceSinkDeps {
  readonly logger?: Logger;
  /** Connects the store it registers in; `Store.connect` from the config otherwise. */
  readonly connectStore?: () => Promise<Store>;
  /** How long to wait between two registration attempts while etcd is out of reach (ms). */
  readonly registerRetryMs?: number;
}

/** A running tracesink. */
export interface TraceSinkService {
  /**
   * Serves gRPC, then registers in etcd (trying once before it resolves,
   * then again in the background while etcd is out of reach: the log does
   * not need etcd). Resolves with the bound port.
   */
  start(): Promise<{ port: number }>;
  /** Ends the followers' streams, stops serving, deregisters. The log is gone. */
  stop(): Promise<void>;
  /** Random per start: what clients see as `instance_id`. */
  readonly instanceId: string;
}

/**
 * The tracesink: the TraceSink gRPC service over an in-memory {@link
 * TraceLog} of `tracesink.capacity` entries. It keeps nothing in etcd (the
 * log is diagnostic and starts empty with each process) and uses etcd only
 * to register its endpoint like every other service.
 */
export function createTraceSinkService(
  config: TraceSinkConfig,
  deps: TraceSinkDeps = {},
): TraceSinkService {
  const logger = deps.logger ?? createLogger({ service: traceSinkName, level: config.log.level });
  const instanceId = randomBytes(8).toString('hex');
  const log = new TraceLog(config.tracesink.capacity);
  const { handlers, followers } = createTraceHandlers(log, instanceId, logger);
  const host = hostService({
    name: traceSinkName,
    config,
    logger,
    // The log does not need etcd: it serves at once and registers when it can.
    isEtcdOptional: true,
    ...(deps.connectStore === undefined ? {} : { connectStore: deps.connectStore }),
    ...(deps.registerRetryMs === undefined ? {} : { registerRetryMs: deps.registerRetryMs }),
    parts: () => ({
      serve: {
        grpc: {
          name: 'chamber.trace.v1.TraceSink',
          definition: TraceSinkDefinition,
          implementation: handlers,
          protoFile: protoFiles.trace,
        },
      },
      announce: () => ({ details: { capacity: config.tracesink.capacity, instanceId } }),
      stop: () => {
        followers.closeAll();
        return Promise.resolve();
      },
    }),
  });

  return {
    instanceId,
    start: () => host.start(),
    stop: () => host.stop(),
  };
}
