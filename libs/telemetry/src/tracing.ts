import {
  SpanStatusCode,
  context,
  createContextKey,
  type Attributes,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export type { Attributes, Span, SpanContext, SpanProcessor, Tracer };

// The attribute names are the world's vocabulary (the trace log and the
// dashboard read them too): declared in @chamber/world.
import {
  reasonAttribute,
  runAttribute,
  severityAttribute,
  targetAttribute,
  tickAttribute,
} from '@chamber/world';

export { reasonAttribute, runAttribute, severityAttribute, targetAttribute, tickAttribute };

/** The values of {@link severityAttribute}. */
export type SeverityWord = 'debug' | 'info' | 'warn' | 'error';

/** Process-level telemetry of one service. */
export interface Telemetry {
  readonly tracer: Tracer;
  /**
   * Flushes and stops the SDK (its span processors send what they hold).
   * Spans that cannot be delivered are lost: it never rejects.
   */
  shutdown(): Promise<void>;
}

/** Where a service's spans go. */
export interface TelemetryOptions {
  readonly serviceName: string;
  /** `none`: no printing; `console`: every span is printed. */
  readonly exporter: 'none' | 'console';
  /** An OTLP/gRPC collector's URL (`http://host:4317`) that gets every span in batches; empty or absent: none. */
  readonly otlpEndpoint?: string;
  /** More processors, e.g. the tracesink's (made by `@chamber/trace-client`). */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/**
 * Starts tracing for one service (resource `service.name =
 * chamber-<serviceName>`) with the processors the options ask for, and
 * returns its tracer. With none (exporter `none`, no collector, no extra
 * processors) spans cost next to nothing. An unreachable collector loses
 * spans, never fails the service.
 *
 * The tracer provider is the service's own, not registered process-wide,
 * so several services can share one process (the launcher's `single`
 * layout), each with its own resource and processors; only the context
 * manager (what makes a span started inside an active span its child) is
 * process-wide, set by the first call. The OTLP exporter (which loads a gRPC
 * stack of its own) is imported only when a collector is configured.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  useAsyncContext();
  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.exporter === 'console')
    spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  if (options.otlpEndpoint !== undefined && options.otlpEndpoint !== '') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-grpc');
    spanProcessors.push(
      new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint })),
    );
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `chamber-${options.serviceName}` }),
    spanProcessors,
  });
  return {
    tracer: provider.getTracer(`chamber-${options.serviceName}`),
    // A sink or collector that is down must not turn a clean stop into a failure.
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}

/**
 * Makes the process's active context follow async calls (AsyncLocalStorage),
 * once per process: a second service in the same process finds it set and
 * shares it (it holds no service's state, only which span is active where).
 */
function useAsyncContext(): void {
  const manager = new AsyncLocalStorageContextManager();
  if (!context.setGlobalContextManager(manager.enable())) manager.disable();
}

/** How {@link withTickSpan} treats its span. */
export interface TickSpanOptions<T> {
  /**
   * Whether the span is worth exporting, judged from `fn`'s result (e.g. only
   * ticks that changed something). A span it rejects is never ended, and an
   * OpenTelemetry span is exported only when it ends: it is dropped. Spans
   * started inside it are still exported. A failed `fn` always ends the span.
   */
  readonly isKept?: (result: T) => boolean;
}

/** A tick of a run of the clock. */
export interface TickAt {
  readonly tick: number;
  readonly run: number;
}

/** Where {@link withTickSpan} leaves the run for the decisions recorded inside it. */
const runKey = createContextKey('chamber.run');

/**
 * Runs `fn` inside an active span `name` that carries the simulated tick and
 * run (`chamber.tick`, `chamber.run`) and `attributes`, so spans started
 * inside it are its children (and decisions recorded inside it carry the
 * run too). A thrown error is recorded on the span (status ERROR) and
 * rethrown. The span ends when `fn` settles (unless `isKept` says no).
 */
export async function withTickSpan<T>(
  tracer: Tracer,
  name: string,
  at: TickAt,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: TickSpanOptions<T> = {},
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { attributes: { ...attributes, [tickAttribute]: at.tick, [runAttribute]: at.run } },
    context.active().setValue(runKey, at.run),
    async (span) => {
      let isKept = true;
      try {
        const result = await fn(span);
        isKept = options.isKept?.(result) ?? true;
        return result;
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        if (isKept) span.end();
      }
    },
  );
}

/** A decision, as {@link recordDecision} records it. */
export interface Decision {
  /** The simulated tick it was made at. */
  readonly tick: number;
  /** The clock's run; absent: the run of the {@link withTickSpan} it is made in, if any. */
  readonly run?: number;
  /** The element it is about. */
  readonly target: string;
  /** Why, in words. */
  readonly reason: string;
  /** Absent: `info`. */
  readonly severity?: SeverityWord;
  /** More attributes (`chamber.status`, …). */
  readonly attributes?: Attributes;
  /** The spans of the records that caused it (span links). */
  readonly links?: readonly SpanContext[];
}

/**
 * Records a decision as a span `name` that starts and ends at once, with its
 * tick, run, target, reason and severity: a child of the active span (the
 * tick's, when made inside {@link withTickSpan}, whose run it takes when it
 * names none). Returns the span's context, for later spans to link to;
 * `undefined` without a tracer. Never throws.
 */
export function recordDecision(
  tracer: Tracer | undefined,
  name: string,
  decision: Decision,
): SpanContext | undefined {
  if (tracer === undefined) return undefined;
  const links: Link[] = (decision.links ?? []).map((linked) => ({ context: linked }));
  const inherited = context.active().getValue(runKey);
  const run = decision.run ?? (typeof inherited === 'number' ? inherited : undefined);
  const span = tracer.startSpan(name, {
    attributes: {
      ...decision.attributes,
      [tickAttribute]: decision.tick,
      ...(run === undefined ? {} : { [runAttribute]: run }),
      [targetAttribute]: decision.target,
      [reasonAttribute]: decision.reason,
      ...(decision.severity === undefined ? {} : { [severityAttribute]: decision.severity }),
    },
    links,
  });
  span.end();
  return span.spanContext();
}
