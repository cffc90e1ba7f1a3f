import os from 'node:os';
import { unary, callLogInterceptor, createGrpcServer, type GrpcServer } from '@chamber/grpc';
import {
  MonitorService,
  protoFiles,
  protoRoot,
  TickRecord,
  type MonitorServer,
} from '@chamber/protos';
import { registerService, Store, type ServiceRegistration } from '@chamber/store';
import { createLogger, type Logger } from '@chamber/telemetry';
import { keys, Participant } from '@chamber/timestamp';
import type { MonitorConfig } from './config.js';
import { monitorParticipant, Watcher, watcherViews } from './watcher.js';

/** What the monitor may be given instead of making it. */
export interface MonitorDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
}

/** A running monitor. */
export interface MonitorServiceHandle {
  /** Joins the clock, serves gRPC and registers; resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Stops serving and drops the clock's lease (the stepper waits for a restart). */
  stop(): Promise<void>;
}

/**
 * The monitor: a participant of the clock that writes the `observed` view
 * from heartbeats and device health ({@link Watcher}), and a small Monitor
 * gRPC service reporting its thresholds and what it observes.
 */
export function createMonitorService(
  config: MonitorConfig,
  deps: MonitorDeps = {},
): MonitorServiceHandle {
  const logger = deps.logger ?? createLogger({ service: 'monitor', level: config.log.level });
  const watcher = new Watcher(config.monitor);
  let store: Store | undefined;
  let participant: Participant | undefined;
  let server: GrpcServer | undefined;
  let registration: ServiceRegistration | undefined;

  const handlers = (s: Store): MonitorServer => ({
    getStatus: unary(async () => {
      const [observed, tick] = await Promise.all([
        s.listRaw('observed/'),
        s.get(TickRecord, keys.tick),
      ]);
      const states: Record<string, number> = {};
      for (const { value } of observed.entries) {
        const state = /"state":"([A-Z_]+)"/.exec(value)?.[1] ?? 'OBSERVED_STATE_UNSPECIFIED';
        states[state] = (states[state] ?? 0) + 1;
      }
      return { ...config.monitor, states, tick: tick?.value.tick ?? 0 };
    }, logger),
  });

  return {
    async start() {
      store =
        deps.store ??
        (await Store.connect({ endpoints: config.etcd.endpoints, simulation: config.simulation }));
      const s = store;
      server = createGrpcServer({
        host: config.listen.host,
        port: config.listen.port,
        services: [
          {
            name: 'chamber.monitor.v1.Monitor',
            definition: MonitorService,
            implementation: handlers(s),
          },
        ],
        protoRoot,
        protoFiles: [protoFiles.monitor],
        interceptors: [callLogInterceptor(logger)],
      });
      const { port } = await server.start();
      participant = await Participant.join(s, {
        name: monitorParticipant,
        views: watcherViews,
        onTick: (ctx) => watcher.tick(ctx),
        onError: (error, tick) =>
          logger.error({ err: error, tick }, 'monitor tick failed; retrying'),
      });
      const endpoint = `${config.listen.host}:${port}`;
      registration = await registerService(s, {
        name: 'monitor',
        instance: `${os.hostname()}-${process.pid}`,
        endpoint,
      });
      logger.info(
        { endpoint, simulation: config.simulation, ...config.monitor },
        'monitor serving',
      );
      return { port };
    },

    async stop() {
      await participant?.stop();
      await server?.stop();
      await registration?.close().catch(() => undefined);
      if (deps.store === undefined) store?.close();
    },
  };
}
