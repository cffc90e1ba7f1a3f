import { createLogger, type Logger } from './logger.js';
import { startTelemetry, type SpanProcessor, type Tracer } from './tracing.js';

/** What every service's config holds for this. */
interface ProcessConfig {
  readonly log: { readonly level: Parameters<typeof createLogger>[0]['level'] };
  readonly telemetry: { readonly exporter: 'none' | 'console'; readonly otlpEndpoint: string };
}

/** What a service's `main` adds to the process. */
export interface ProcessOptions<C> {
  /**
   * Span processors made from the loaded config (the tracesink's, from
   * `@chamber/trace-client`), beside the console and OTLP ones the config
   * asks for.
   */
  readonly spanProcessors?: (config: C) => readonly SpanProcessor[];
}

/** How long a service may take to stop on SIGTERM before it exits anyway. */
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
  create: (
    config: C,
    deps: { logger: Logger; tracer: Tracer },
  ) => { start(): Promise<unknown>; stop(): Promise<void> },
  options: ProcessOptions<C> = {},
): Promise<void> {
  // Until the service has started there is nothing to stop.
  let onParentGone = (): void => {
    console.error(`${name}: the process that started it is gone; exiting`);
    process.exit(1);
  };
  // `null` once the channel has closed (before this ran), `undefined` when there never was one.
  if (process.channel !== undefined) {
    if (!process.connected) onParentGone();
    process.once('disconnect', () => onParentGone());
  }
  try {
    const config = loadConfig();
    const telemetry = startTelemetry({
      serviceName: name,
      exporter: config.telemetry.exporter,
      otlpEndpoint: config.telemetry.otlpEndpoint,
      spanProcessors: options.spanProcessors?.(config) ?? [],
    });
    const logger = createLogger({ service: name, level: config.log.level });
    const service = create(config, { logger, tracer: telemetry.tracer });
    await service.start();
    let isStopping = false;
    const shutdown = (signal: string): void => {
      if (isStopping) return;
      isStopping = true;
      logger.info({ signal }, `${name} stopping`);
      // Stopping waits on the store and the network; when they are gone for
      // good it must not hang: the state is in etcd, so exiting loses nothing.
      setTimeout(() => {
        logger.error({ afterMs: stopTimeoutMs }, `${name} did not stop in time; exiting`);
        process.exit(1);
      }, stopTimeoutMs).unref();
      void service
        .stop()
        .then(() => telemetry.shutdown())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    onParentGone = () => {
      logger.warn(`${name}: the process that started it is gone (its IPC channel closed)`);
      shutdown('disconnect');
    };
  } catch (error) {
    const message = (error as { message?: unknown } | undefined)?.message;
    console.error(`${name}: ${typeof message === 'string' ? message : String(error)}`);
    process.exit(1);
  }
}
