import * as grpc from '@grpc/grpc-js';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import { ChamberError, Code } from '@chamber/errors';
import { EventEmitter } from 'node:events';

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
  addLazyReflection(server, [...options.protoFiles, healthProtoPath], options.protoRoot);
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

/** The reflection services grpcurl and other tools ask, newest first. */
const reflectionVersions = ['v1', 'v1alpha'] as const;

/** Bytes in, bytes out: a method served before its messages' types are loaded. */
const raw = {
  serialize: (message: Buffer): Buffer => message,
  deserialize: (bytes: Buffer): Buffer => bytes,
};

/**
 * Serves server reflection (`grpc.reflection.v1` and `v1alpha`) without
 * loading it until it is first asked: `@grpc/reflection` and the parsed
 * `.proto` files it answers from cost every process several MiB, and only
 * grpcurl-like tools ever call it. The methods are registered with raw
 * bytes; the first call loads the real service (once per server) and each
 * call is handed to it through its own (de)serializers.
 */
function addLazyReflection(server: grpc.Server, protoFiles: string[], protoRoot: string): void {
  type Handler = (stream: EventEmitter) => void;
  interface Loaded {
    readonly method: grpc.MethodDefinition<unknown, unknown>;
    readonly handler: Handler;
  }
  let loading: Promise<Map<string, Loaded>> | undefined;
  const load = async (): Promise<Map<string, Loaded>> => {
    const [protoLoader, { ReflectionService }] = await Promise.all([
      import('@grpc/proto-loader'),
      import('@grpc/reflection'),
    ]);
    const definitions = protoLoader.loadSync(protoFiles, {
      includeDirs: [protoRoot],
      keepCase: true,
    });
    const loaded = new Map<string, Loaded>();
    // The real service adds itself to a server: this one takes its methods.
    const collector = {
      addService(service: grpc.ServiceDefinition, implementation: Record<string, Handler>): void {
        for (const [name, method] of Object.entries(service)) {
          const handler = implementation[name];
          if (handler !== undefined) loaded.set(method.path, { method, handler });
        }
      },
    };
    new ReflectionService(definitions).addToServer(collector);
    return loaded;
  };
  for (const version of reflectionVersions) {
    const path = `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`;
    const definition: grpc.ServiceDefinition = {
      ServerReflectionInfo: {
        path,
        requestStream: true,
        responseStream: true,
        requestSerialize: raw.serialize,
        requestDeserialize: raw.deserialize,
        responseSerialize: raw.serialize,
        responseDeserialize: raw.deserialize,
      },
    };
    const handle = (call: grpc.ServerDuplexStream<Buffer, Buffer>): void => {
      loading ??= load();
      // Until it is loaded, what the caller sends waits in the call's buffer.
      const fail = (why: string): void => {
        call.emit('error', { code: grpc.status.INTERNAL, details: `reflection: ${why}` });
      };
      loading.then(
        (loaded) => {
          const real = loaded.get(path);
          if (real === undefined) {
            fail(`${path} is not served by @grpc/reflection`);
            return;
          }
          const stream = new EventEmitter() as EventEmitter & {
            write(message: unknown): boolean;
            end(): void;
          };
          stream.write = (message) => call.write(real.method.responseSerialize(message));
          stream.end = () => call.end();
          real.handler(stream);
          call.on('data', (bytes: Buffer) =>
            stream.emit('data', real.method.requestDeserialize(bytes)),
          );
          call.on('end', () => stream.emit('end'));
        },
        (error: unknown) => {
          loading = undefined;
          fail(`could not load: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    };
    server.addService(definition, { ServerReflectionInfo: handle });
  }
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
