import { SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';

export type { Attributes, Span, Tracer };

/** The span attribute carrying the simulated tick. */
export const tickAttribute = 'chamber.tick';

/** Process-level telemetry of one service. */
export interface Telemetry {
  readonly tracer: Tracer;
  /** Flushes and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for a service process (resource
 * `service.name = chamber-<serviceName>`). `none` registers no span
 * processor, so spans cost next to nothing; `console` prints them. Call it
 * from `main.ts` only: it registers process-wide globals.
 */
export function startTelemetry(options: {
  serviceName: string;
  exporter: 'none' | 'console';
}): Telemetry {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': `chamber-${options.serviceName}` }),
    spanProcessors:
      options.exporter === 'console' ? [new SimpleSpanProcessor(new ConsoleSpanExporter())] : [],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return {
    tracer: trace.getTracer(`chamber-${options.serviceName}`),
    shutdown: () => sdk.shutdown(),
  };
}

/**
 * Runs `fn` inside an active span `name` that carries the simulated tick
 * (`chamber.tick`) and `attributes`. A thrown error is recorded on the span
 * (status ERROR) and rethrown. The span always ends.
 */
export async function withTickSpan<T>(
  tracer: Tracer,
  name: string,
  tick: number,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { attributes: { ...attributes, [tickAttribute]: tick } },
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
