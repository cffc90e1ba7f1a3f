import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { callLogInterceptor, createGrpcServer, type GrpcServer } from '@chamber/grpc';
import { protoFiles, protoRoot, TraceSinkService as TraceSinkDefinition } from '@chamber/protos';
import { registerService, Store, type ServiceRegistration } from '@chamber/store';
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
  const connectStore =
    deps.connectStore ??
    (() => Store.connect({ endpoints: config.etcd.endpoints, simulation: config.simulation }));
  let server: GrpcServer | undefined;
  let store: Store | undefined;
  let registration: ServiceRegistration | undefined;
  let retry: NodeJS.Timeout | undefined;
  let isStopped = false;

  async function register(endpoint: string): Promise<void> {
    try {
      store ??= await connectStore();
      registration = await registerService(store, {
        name: traceSinkName,
        instance: `${os.hostname()}-${process.pid}`,
        endpoint,
      });
      if (isStopped) await registration.close();
    } catch (error) {
      if (isStopped) return;
      logger.warn(
        { err: error },
        'tracesink cannot register in etcd; serving anyway, trying again',
      );
      retry = setTimeout(() => void register(endpoint), deps.registerRetryMs ?? 5_000);
    }
  }

  return {
    instanceId,

    async start() {
      server = createGrpcServer({
        host: config.listen.host,
        port: config.listen.port,
        services: [
          {
            name: 'chamber.trace.v1.TraceSink',
            definition: TraceSinkDefinition,
            implementation: handlers,
          },
        ],
        protoRoot,
        protoFiles: [protoFiles.trace],
        interceptors: [callLogInterceptor(logger)],
      });
      const { port } = await server.start();
      const endpoint = `${config.listen.host}:${port}`;
      await register(endpoint);
      logger.info(
        { endpoint, capacity: config.tracesink.capacity, instanceId },
        'tracesink serving',
      );
      return { port };
    },

    async stop() {
      isStopped = true;
      clearTimeout(retry);
      followers.closeAll();
      await server?.stop();
      await registration?.close().catch(() => undefined);
      store?.close();
    },
  };
}
