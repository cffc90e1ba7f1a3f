import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ChamberError, Code } from '@chamber/errors';

/** One gRPC service to serve. */
export interface GrpcServiceBinding {
  /** Fully qualified, e.g. `chamber.clock.v1.Clock` (its health-check name). */
  readonly name: string;
  readonly definition: grpc.ServiceDefinition;
  readonly implementation: grpc.UntypedServiceImplementation;
}

/** How to serve. */
export interface GrpcServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly services: readonly GrpcServiceBinding[];
  /** Folder of the `.proto` sources, for server reflection. */
  readonly protoRoot: string;
  /** The services' `.proto` files, relative to `protoRoot`. */
  readonly protoFiles: readonly string[];
  /** Server interceptors, outermost first (e.g. {@link callLogInterceptor}). */
  readonly interceptors?: readonly grpc.ServerInterceptor[];
  /**
   * Whether `start()` marks the services SERVING (default true); false for a
   * service with more to do before it serves, which calls `setServing(true)`.
   */
  readonly isServingOnStart?: boolean;
}

/** A gRPC server with health checking and reflection. */
export interface GrpcServer {
  /** Binds and serves; resolves with the bound port. `Unavailable` if the address is taken. */
  start(): Promise<{ port: number }>;
  /** Marks every service SERVING or NOT_SERVING in the health service. */
  setServing(isServing: boolean): void;
  /** NOT_SERVING, then a graceful shutdown, forced after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A grpc-js server serving `services` plus `grpc.health.v1.Health` (status
 * for `''` and each service name) and server reflection built from the
 * `.proto` files, so grpcurl and harnesses in any language can find the
 * services from the server alone.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const server = new grpc.Server({ interceptors: [...(options.interceptors ?? [])] });
  const names = ['', ...options.services.map((s) => s.name)];
  const health = new HealthImplementation(Object.fromEntries(names.map((n) => [n, 'NOT_SERVING'])));
  for (const s of options.services) server.addService(s.definition, s.implementation);
  health.addToServer(server);
  const definitions = protoLoader.loadSync([...options.protoFiles, healthProtoPath], {
    includeDirs: [options.protoRoot],
    keepCase: true,
  });
  new ReflectionService(definitions).addToServer(server);
  const setServing = (isServing: boolean): void => {
    for (const n of names) health.setStatus(n, isServing ? 'SERVING' : 'NOT_SERVING');
  };
  return {
    start() {
      return new Promise((resolve, reject) => {
        server.bindAsync(
          `${options.host}:${options.port}`,
          grpc.ServerCredentials.createInsecure(),
          (error, port) => {
            if (error !== null) {
              reject(
                new ChamberError(
                  Code.Unavailable,
                  `cannot listen on ${options.host}:${options.port}: ${error.message}`,
                  { cause: error },
                ),
              );
              return;
            }
            if (options.isServingOnStart ?? true) setServing(true);
            resolve({ port });
          },
        );
      });
    },
    setServing,
    stop(graceMs = 5_000) {
      setServing(false);
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/**
 * Logs every call once it ends, at debug level: method, status code and
 * duration. Health checks are left out (the launcher follows them).
 */
export function callLogInterceptor(logger: {
  debug(obj: object, msg: string): void;
}): grpc.ServerInterceptor {
  return (method, call) => {
    if (method.path.startsWith('/grpc.health.v1.')) return new grpc.ServerInterceptingCall(call);
    const started = performance.now();
    return new grpc.ServerInterceptingCall(call, {
      sendStatus: (status, next) => {
        logger.debug(
          { method: method.path, code: status.code, ms: Math.round(performance.now() - started) },
          'grpc call',
        );
        next(status);
      },
    });
  };
}
