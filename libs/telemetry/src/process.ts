import { createLogger, type Logger } from './logger.js';
import { startTelemetry, type SpanProcessor, type Tracer } from './tracing.js';

/** What every service's config holds for this. */
interface ProcessConfig {
  readonly log: { readonly level: Parameters<typeof createLogger>[0]['level'] };
  readonly telemetry: { readonly exporter: 'none' | 'console'; readonly otlpEndpoint: string };
}

/** A service's composition root: `createXService(config, deps)`. */
export type CreateService<C> = (
  config: C,
  deps: { logger: Logger; tracer: Tracer },
) => { start(): Promise<unknown>; stop(): Promise<void> };

/** What a service's `main` adds to the process. */
export interface ProcessOptions<C> {
  /**
   * Span processors made from the loaded config (the tracesink's, from
   * `@chamber/trace-client`), beside the console and OTLP ones the config
   * asks for.
   */
  readonly spanProcessors?: (config: C) => readonly SpanProcessor[];
}

/**
 * A service as a process runs it: its name, how its config is loaded from
 * an environment (`CHAMBER_*` variables; `undefined`: the process's own),
 * its composition root and its span processors. Each service exports one
 * (`services/<name>/src/service.ts`): its `main.ts` runs it alone, and the
 * launcher's single-process layout runs them all in one process
 * ({@link runServicesProcess}), each with its own environment.
 */
export interface ServiceModule<C extends ProcessConfig> extends ProcessOptions<C> {
  readonly name: string;
  readonly loadConfig: (env?: Readonly<Record<string, string | undefined>>) => C;
  readonly create: CreateService<C>;
}

/**
 * One service of a process, not yet started: {@link ServiceUnit.start}
 * loads its config, starts its telemetry and logger, creates it and starts
 * it (rejecting, and leaving nothing running, if any of that fails).
 */
export interface ServiceUnit {
  readonly name: string;
  start(): Promise<RunningService>;
}

/** A started service: `stop` stops it, then flushes its spans; it never rejects for the flush. */
interface RunningService {
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** `module` as a unit of a process, its config loaded from `env` (the process's own when absent). */
export function serviceUnit<C extends ProcessConfig>(
  module: ServiceModule<C>,
  env?: Readonly<Record<string, string | undefined>>,
): ServiceUnit {
  return {
    name: module.name,
    start: () =>
      startUnit(module.name, () => module.loadConfig(env), module.create, module.spanProcessors),
  };
}

/**
 * The unit of a service module loaded by path (`services/<name>/dist/src/service.js`,
 * whose `service` export is its {@link ServiceModule}), its config loaded from
 * `env`. Throws naming `from` when the module exports no service.
 */
export function serviceUnitOf(
  exports: unknown,
  from: string,
  env: Readonly<Record<string, string | undefined>>,
): ServiceUnit {
  const service = (exports as { service?: Partial<ServiceModule<ProcessConfig>> } | undefined)
    ?.service;
  if (
    typeof service?.name !== 'string' ||
    typeof service.loadConfig !== 'function' ||
    typeof service.create !== 'function'
  ) {
    throw new Error(`${from} exports no \`service\` (a name, loadConfig and create)`);
  }
  return serviceUnit(service as ServiceModule<ProcessConfig>, env);
}

async function startUnit<C extends ProcessConfig>(
  name: string,
  loadConfig: () => C,
  create: CreateService<C>,
  spanProcessors: ((config: C) => readonly SpanProcessor[]) | undefined,
): Promise<RunningService> {
  const config = loadConfig();
  const telemetry = await startTelemetry({
    serviceName: name,
    exporter: config.telemetry.exporter,
    otlpEndpoint: config.telemetry.otlpEndpoint,
    spanProcessors: spanProcessors?.(config) ?? [],
  });
  const logger = createLogger({ service: name, level: config.log.level });
  const service = create(config, { logger, tracer: telemetry.tracer });
  try {
    await service.start();
  } catch (error) {
    await telemetry.shutdown();
    throw error;
  }
  return {
    logger,
    stop: async () => {
      await service.stop();
      await telemetry.shutdown();
    },
  };
}

/** How long a service process may take to stop on SIGTERM before it exits anyway. */
const stopTimeoutMs = 10_000;

/**
 * A service's `main`: loads its config, starts telemetry and a logger,
 * creates and starts the service, and stops it on SIGTERM or SIGINT (exit 0
 * once stopped and its spans flushed, 1 if stopping failed or took longer
 * than 10 s). A config or
 * start failure prints one line, `<name>: <message>`, and exits 1.
 *
 * A process started with an IPC channel (the launcher opens one to each
 * service) stops the same way when the channel closes: the OS closes it when
 * the parent dies, however it dies (`kill -9` included), so a service does
 * not outlive its launcher, holding its port and retrying for nobody. A
 * service still starting then exits 1 at once. Without a channel (started
 * by hand, by a test, by Kubernetes) nothing of this applies.
 */
export async function runServiceProcess<C extends ProcessConfig>(
  name: string,
  loadConfig: () => C,
  create: CreateService<C>,
  options: ProcessOptions<C> = {},
): Promise<void> {
  await runServicesProcess([
    [{ name, start: () => startUnit(name, loadConfig, create, options.spanProcessors) }],
  ]);
}

/**
 * Runs several services in this process, as {@link runServiceProcess} runs
 * one: `groups` start one after the other, the services of a group at once
 * (the tracesink's group first, so the others' spans have somewhere to go);
 * SIGTERM, SIGINT or the parent's death stops them in the reverse order,
 * then exits 0 (1 if a stop failed or all took longer than 10 s). Each
 * service keeps its own config, telemetry, logger and gRPC server: nothing
 * is shared but the process. A service that fails to start prints
 * `<name>: <message>` and the process exits 1 (its supervisor starts it
 * again), as a lone service's process does.
 */
export async function runServicesProcess(
  groups: readonly (readonly ServiceUnit[])[],
): Promise<void> {
  const what = groups.flat().map((unit) => unit.name);
  const who = what.length === 1 ? what[0]! : 'services';
  // Until the services have started there is nothing to stop.
  let onParentGone = (): void => {
    console.error(`${who}: the process that started it is gone; exiting`);
    process.exit(1);
  };
  // `null` once the channel has closed (before this ran), `undefined` when there never was one.
  if (process.channel !== undefined) {
    if (!process.connected) onParentGone();
    process.once('disconnect', () => onParentGone());
  }
  const running: Array<RunningService & { name: string }> = [];
  for (const group of groups) {
    const started = await Promise.allSettled(group.map((unit) => unit.start()));
    started.forEach((result, i) => {
      if (result.status === 'fulfilled') running.push({ ...result.value, name: group[i]!.name });
    });
    const failed = started.findIndex((result) => result.status === 'rejected');
    if (failed >= 0) {
      const reason = (started[failed] as PromiseRejectedResult).reason as unknown;
      const message = (reason as { message?: unknown } | undefined)?.message;
      console.error(
        `${group[failed]!.name}: ${typeof message === 'string' ? message : String(reason)}`,
      );
      process.exit(1);
    }
  }
  let isStopping = false;
  const shutdown = (signal: string): void => {
    if (isStopping) return;
    isStopping = true;
    for (const service of running) service.logger.info({ signal }, `${service.name} stopping`);
    // Stopping waits on the store and the network; when they are gone for
    // good it must not hang: the state is in etcd, so exiting loses nothing.
    setTimeout(() => {
      running[0]?.logger.error({ afterMs: stopTimeoutMs }, `${who} did not stop in time; exiting`);
      process.exit(1);
    }, stopTimeoutMs).unref();
    void (async () => {
      let code = 0;
      for (const service of [...running].reverse()) {
        await service.stop().catch(() => {
          code = 1;
        });
      }
      process.exit(code);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  onParentGone = () => {
    for (const service of running)
      service.logger.warn(
        `${service.name}: the process that started it is gone (its IPC channel closed)`,
      );
    shutdown('disconnect');
  };
}
