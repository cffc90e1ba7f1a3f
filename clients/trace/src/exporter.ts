import { SpanStatusCode, type AttributeValue } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToMilliseconds, type ExportResult } from '@opentelemetry/core';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SpanStatus, type TraceSpan } from '@chamber/protos';
import { TraceSinkClient } from './trace-sink-client.js';

/** What a {@link TraceSinkExporter} has done so far. */
export interface ExporterStats {
  /** Spans the sink took. */
  readonly exported: number;
  /** Spans lost because an export failed (the sink down, slow, or refusing). */
  readonly dropped: number;
  /** Exports that failed. */
  readonly failedExports: number;
}

const statusOf: Readonly<Record<SpanStatusCode, SpanStatus>> = {
  [SpanStatusCode.UNSET]: SpanStatus.SPAN_STATUS_UNSPECIFIED,
  [SpanStatusCode.OK]: SpanStatus.SPAN_STATUS_OK,
  [SpanStatusCode.ERROR]: SpanStatus.SPAN_STATUS_ERROR,
};

const text = (value: AttributeValue): string =>
  Array.isArray(value) ? value.map((v) => String(v ?? '')).join(',') : String(value);

/**
 * A finished OpenTelemetry span as the sink takes it: ids in hex, the
 * service from the resource's `service.name` (without its `chamber-`
 * prefix), each attribute's value as text (arrays joined with `,`).
 */
export function toTraceSpan(span: ReadableSpan): TraceSpan {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(span.attributes))
    if (value !== undefined && value !== null) attributes[key] = text(value);
  const service = span.resource.attributes['service.name'];
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId })),
    service: typeof service === 'string' ? service.replace(/^chamber-/, '') : '',
    name: span.name,
    startTime: new Date(hrTimeToMilliseconds(span.startTime)),
    durationMs: hrTimeToMilliseconds(span.duration),
    attributes,
    status: statusOf[span.status.code],
    statusMessage: span.status.message ?? '',
  };
}

/**
 * An OpenTelemetry span exporter that sends spans to the tracesink (its
 * Export RPC). It never blocks or fails its service: each export has a
 * deadline (`timeoutMs`, default 5,000), and a failed one (the sink down,
 * say) drops its spans, counted in {@link stats}, and reports FAILED to the
 * span processor, which carries on. Use it behind a `BatchSpanProcessor`
 * ({@link traceSinkSpanProcessors}).
 */
export class TraceSinkExporter implements SpanExporter {
  private readonly client: TraceSinkClient;
  private readonly inFlight = new Set<Promise<void>>();
  private isShutDown = false;
  private counts = { exported: 0, dropped: 0, failedExports: 0 };

  /** Throws `InvalidArgument` for an address that is not `host:port`. */
  constructor(options: { address: string; timeoutMs?: number }) {
    this.client = TraceSinkClient.connect(options.address, {
      timeoutMs: options.timeoutMs ?? 5_000,
    });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const fail = (error: Error): void => {
      this.counts.dropped += spans.length;
      this.counts.failedExports++;
      resultCallback({ code: ExportResultCode.FAILED, error });
    };
    if (this.isShutDown) {
      fail(new Error('the tracesink exporter is shut down'));
      return;
    }
    let converted: TraceSpan[];
    try {
      converted = spans.map(toTraceSpan);
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const sent = this.client.export(converted).then(
      (accepted) => {
        this.counts.exported += accepted;
        resultCallback({ code: ExportResultCode.SUCCESS });
      },
      (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  /** Resolves once every export in flight has finished (succeeded or failed). */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Waits for the exports in flight, then closes the connection; later exports fail. */
  async shutdown(): Promise<void> {
    this.isShutDown = true;
    await this.forceFlush();
    this.client.close();
  }

  /** How many spans went out and how many were dropped so far. */
  stats(): ExporterStats {
    return { ...this.counts };
  }
}

/**
 * A `BatchSpanProcessor` over a {@link TraceSinkExporter} whose
 * `forceFlush()` also waits for the exports already in flight: once it
 * resolves, every span that ended before it was delivered (or dropped).
 */
export class TraceSinkSpanProcessor extends BatchSpanProcessor {
  constructor(
    private readonly exporter: TraceSinkExporter,
    config?: ConstructorParameters<typeof BatchSpanProcessor>[1],
  ) {
    super(exporter, config);
  }

  override async forceFlush(): Promise<void> {
    await super.forceFlush();
    await this.exporter.forceFlush();
  }
}

/**
 * The span processors that send a service's spans to the tracesink named by
 * its config (`telemetry.tracesink`, `host:port`): none when that is empty,
 * else one {@link TraceSinkSpanProcessor} that sends every `batchDelayMs`
 * (default 500) or each 512 spans, holding at most 8,192 spans (more are
 * dropped while the sink is slow). Give it to `runServiceProcess` as
 * `spanProcessors`.
 */
export function traceSinkSpanProcessors(
  config: { readonly telemetry: { readonly tracesink: string } },
  options: { batchDelayMs?: number } = {},
): SpanProcessor[] {
  const address = config.telemetry.tracesink;
  if (address === '') return [];
  return [
    new TraceSinkSpanProcessor(new TraceSinkExporter({ address }), {
      scheduledDelayMillis: options.batchDelayMs ?? 500,
      maxExportBatchSize: 512,
      maxQueueSize: 8_192,
      exportTimeoutMillis: 10_000,
    }),
  ];
}
