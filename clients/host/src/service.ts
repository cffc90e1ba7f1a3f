import os from 'node:os';
import type { CommonConfig } from '@chamber/config';
import {
  callLogInterceptor,
  createGrpcServer,
  type GrpcServer,
  type GrpcServiceBinding,
} from '@chamber/grpc';
import { protoRoot } from '@chamber/protos';
import {
  recordServiceFailure,
  registerService,
  Store,
  type ServiceRegistration,
} from '@chamber/store';
import type { Logger } from '@chamber/telemetry';

/** A service as its `createXService` returns it. */
export interface HostedService {
  /** Connects, serves, registers; resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Stops taking work, stops serving, deregisters, closes what it opened. */
  stop(): Promise<void>;
}

/** The gRPC service a service serves, with its `.proto` file relative to protoRoot. */
export type GrpcServing = GrpcServiceBinding & { readonly protoFile: string };

/** A server of the service's own (the frontend's HTTP server), listening. */
export interface Listening {
  readonly port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** What a service registers as and says when it serves, knowing its bound port. */
export interface Announcement {
  /** Its registration's instance; `<hostname>-<pid>` by default. */
  readonly instance?: string;
  /** What clients connect to; `<listen host>:<port>` by default. */
  readonly endpoint?: string;
  /** More fields for its `<name> serving` log line. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A service's own parts, made once its store is connected: what it serves,
 * and its steps in the chassis's order (serve → afterServe → register →
 * afterRegister; at stop: stop → stop serving → deregister → close).
 */
export interface ServiceParts {
  /**
   * A gRPC service, or several on one server (served on `config.listen`
   * with health, reflection and call logging), or a server of its own
   * listening on the host and port given.
   */
  readonly serve:
    { readonly grpc: GrpcServing | readonly GrpcServing[] } | { readonly listen: Listen };
  /** Runs once it serves, before it registers (a participant joins the clock here). */
  readonly afterServe?: (port: number) => Promise<void>;
  /** Its registration and log line; see {@link Announcement}. */
  readonly announce?: (port: number) => Announcement;
  /** Runs once it is registered, before it reports SERVING (the stepper starts campaigning). */
  readonly afterRegister?: (endpoint: string) => Promise<void> | void;
  /** First at stop, while it still serves: stop taking work (leave the clock, end streams). */
  readonly stop?: () => Promise<void>;
  /** Last at stop, after it deregistered: close what it opened (not the store). */
  readonly close?: () => Promise<void>;
}

/** Starts a server of the service's own on `host:port` (port 0: any free one). */
export type Listen = (host: string, port: number) => Promise<Listening>;

interface CommonOptions {
  /** The service's name: its `services/<name>/…` registration and its log lines. */
  readonly name: string;
  readonly config: CommonConfig;
  readonly logger: Logger;
  /** Connects its store; `Store.connect` from the config by default. */
  readonly connectStore?: () => Promise<Store>;
}

/** A service that needs the store to serve (every service but the tracesink). */
export interface StoreServiceOptions extends CommonOptions {
  /** A store to use (not closed on stop); one is connected otherwise. */
  readonly store?: Store;
  /** Opens what the service needs from the store and says what it serves. */
  readonly parts: (store: Store) => Promise<ServiceParts> | ServiceParts;
}

/**
 * A service that serves without etcd (the tracesink): it serves first, then
 * connects and registers (reporting SERVING from the start), and while etcd
 * is out of reach it keeps serving and tries again every `registerRetryMs`
 * in the background.
 */
export interface EtcdOptionalServiceOptions extends CommonOptions {
  readonly isEtcdOptional: true;
  /** Between two registration attempts while etcd is out of reach (ms); 5,000 by default. */
  readonly registerRetryMs?: number;
  readonly parts: () => ServiceParts;
}

/** What {@link hostService} runs. */
export type ServiceOptions = StoreServiceOptions | EtcdOptionalServiceOptions;

/**
 * The chassis every service stands on: connect the store, open the
 * service's parts, serve (gRPC with health, reflection and call logging, or
 * a server of its own), register the endpoint under a lease, report SERVING
 * once registered, and log `<name> serving`. A start that fails once the
 * store is connected is recorded under the service's name (GET /services,
 * the dashboard), since the process is about to exit and its log may be
 * where nobody looks; the error is rethrown.
 */
export function hostService(options: ServiceOptions): HostedService {
  const { config, logger, name } = options;
  const isEtcdOptional = 'isEtcdOptional' in options;
  const connectStore =
    options.connectStore ??
    (() => Store.connect({ endpoints: config.etcd.endpoints, simulation: config.simulation }));
  const isStoreOwned = isEtcdOptional || options.store === undefined;
  let store: Store | undefined;
  let parts: ServiceParts | undefined;
  let grpc: GrpcServer | undefined;
  let own: Listening | undefined;
  let registration: ServiceRegistration | undefined;
  let retry: NodeJS.Timeout | undefined;
  let isStopped = false;

  async function serve(served: ServiceParts['serve']): Promise<number> {
    if ('listen' in served) {
      own = await served.listen(config.listen.host, config.listen.port);
      return own.port;
    }
    const servings: readonly GrpcServing[] = Array.isArray(served.grpc)
      ? served.grpc
      : [served.grpc as GrpcServing];
    grpc = createGrpcServer({
      host: config.listen.host,
      port: config.listen.port,
      services: servings.map(({ protoFile: _, ...binding }) => binding),
      protoRoot,
      protoFiles: servings.map((s) => s.protoFile),
      interceptors: [callLogInterceptor(logger)],
      // Not SERVING (the launcher's readiness) until it has registered,
      // unless it serves without etcd.
      isServingOnStart: isEtcdOptional,
    });
    return (await grpc.start()).port;
  }

  async function register(instance: string, endpoint: string): Promise<void> {
    store ??= await connectStore();
    registration = await registerService(store, {
      name,
      instance,
      endpoint,
      onRetry: (error, attempt) => {
        if (attempt === 0)
          logger.warn({ err: error }, `${name}: lost its service registration (etcd away)`);
      },
      onReplaced: () => logger.info({ endpoint }, `${name}: service registered again`),
    });
    if (isStopped) await registration.close();
  }

  /** Registers; without etcd (when it may), tries again in the background. */
  async function registerOrRetry(instance: string, endpoint: string): Promise<void> {
    if (!isEtcdOptional) return register(instance, endpoint);
    try {
      await register(instance, endpoint);
    } catch (error) {
      if (isStopped) return;
      logger.warn({ err: error }, `${name} cannot register in etcd; serving anyway, trying again`);
      retry = setTimeout(
        () => void registerOrRetry(instance, endpoint),
        options.registerRetryMs ?? 5_000,
      );
    }
  }

  async function start(): Promise<{ port: number }> {
    parts = isEtcdOptional ? options.parts() : await options.parts(store!);
    const port = await serve(parts.serve);
    await parts.afterServe?.(port);
    const { instance, endpoint, details } = parts.announce?.(port) ?? {};
    const registeredAs = endpoint ?? `${config.listen.host}:${port}`;
    await registerOrRetry(instance ?? `${os.hostname()}-${process.pid}`, registeredAs);
    await parts.afterRegister?.(registeredAs);
    grpc?.setServing(true);
    logger.info(
      { endpoint: registeredAs, simulation: config.simulation, ...details },
      `${name} serving`,
    );
    return { port };
  }

  return {
    async start() {
      if (isEtcdOptional) return start();
      store = options.store ?? (await connectStore());
      const s = store;
      try {
        return await start();
      } catch (error) {
        const message = (error as { message?: unknown } | undefined)?.message;
        await recordServiceFailure(
          s,
          name,
          typeof message === 'string' ? message : String(error),
        ).catch(() => undefined);
        throw error;
      }
    },

    async stop() {
      isStopped = true;
      clearTimeout(retry);
      await parts?.stop?.();
      await grpc?.stop();
      await own?.close();
      await registration?.close().catch(() => undefined);
      await parts?.close?.();
      if (isStoreOwned) store?.close();
    },
  };
}
