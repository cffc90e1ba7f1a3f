import os from 'node:os';
import { callLogInterceptor, createGrpcServer, type GrpcServer } from '@chamber/grpc';
import { FaultsService, protoFiles, protoRoot } from '@chamber/protos';
import { registerService, Store, type ServiceRegistration } from '@chamber/store';
import { createLogger, type Logger } from '@chamber/telemetry';
import { Participant } from '@chamber/timestamp';
import type { FaultsConfig } from './config.js';
import { createFaultsHandlers } from './grpc/faults-handlers.js';
import { faultsParticipant, Injector, injectorViews } from './injector.js';

/** What the faults service may be given instead of making it. */
export interface FaultsDeps {
  /** A store to use (not closed on stop); one is connected from the config otherwise. */
  readonly store?: Store;
  readonly logger?: Logger;
}

/** A running faults service. */
export interface FaultsServiceHandle {
  /** Joins the clock, serves gRPC and registers; resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Stops serving and drops the clock's lease (the stepper waits for a restart). */
  stop(): Promise<void>;
}

/**
 * The fault injector: the Faults gRPC service (inject, list, get, clear,
 * clear-all, as inputs for the next tick) and a participant of the clock
 * that runs each fault's schedule ({@link Injector}).
 */
export function createFaultsService(
  config: FaultsConfig,
  deps: FaultsDeps = {},
): FaultsServiceHandle {
  const logger = deps.logger ?? createLogger({ service: 'faults', level: config.log.level });
  const injector = new Injector();
  let store: Store | undefined;
  let participant: Participant | undefined;
  let server: GrpcServer | undefined;
  let registration: ServiceRegistration | undefined;

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
            name: 'chamber.faults.v1.Faults',
            definition: FaultsService,
            implementation: createFaultsHandlers(s, logger),
          },
        ],
        protoRoot,
        protoFiles: [protoFiles.faults],
        interceptors: [callLogInterceptor(logger)],
      });
      const { port } = await server.start();
      participant = await Participant.join(s, {
        name: faultsParticipant,
        views: injectorViews,
        onTick: (ctx) => injector.tick(ctx),
        onError: (error, tick) =>
          logger.error({ err: error, tick }, 'faults tick failed; retrying'),
      });
      const endpoint = `${config.listen.host}:${port}`;
      registration = await registerService(s, {
        name: 'faults',
        instance: `${os.hostname()}-${process.pid}`,
        endpoint,
      });
      logger.info({ endpoint, simulation: config.simulation }, 'faults serving');
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
