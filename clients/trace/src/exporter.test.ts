import net from 'node:net';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { SpanStatus } from '@chamber/protos';
import { describe, expect, it } from 'vitest';
import { toTraceSpan, TraceSinkExporter, traceSinkSpanProcessors } from './index.js';

function finishedSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chamber-inventory-repair' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('test');
  const parent = tracer.startSpan('repair.tick', { attributes: { 'chamber.tick': 12 } });
  const cause = tracer.startSpan('monitor.transition');
  cause.end();
  const child = tracer.startSpan(
    'repair.decision',
    {
      attributes: {
        'chamber.tick': 12,
        'chamber.target': 'r1/z1/rack1/blade/0',
        'chamber.reason': 'observed failed',
        'chamber.flags': ['a', 'b'],
        'chamber.ok': true,
      },
      links: [{ context: cause.spanContext() }],
    },
    trace.setSpan(context.active(), parent),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  parent.end();
  return memory.getFinishedSpans();
}

describe('toTraceSpan', () => {
  it('carries ids, parent, links, the service without its chamber- prefix, attributes as text and the status', () => {
    const spans = finishedSpans();
    const parent = spans.find((s) => s.name === 'repair.tick')!;
    const cause = spans.find((s) => s.name === 'monitor.transition')!;
    const child = toTraceSpan(spans.find((s) => s.name === 'repair.decision')!);
    expect(child).toMatchObject({
      traceId: parent.spanContext().traceId,
      parentSpanId: parent.spanContext().spanId,
      links: [{ traceId: cause.spanContext().traceId, spanId: cause.spanContext().spanId }],
      service: 'inventory-repair',
      name: 'repair.decision',
      attributes: {
        'chamber.tick': '12',
        'chamber.target': 'r1/z1/rack1/blade/0',
        'chamber.reason': 'observed failed',
        'chamber.flags': 'a,b',
        'chamber.ok': 'true',
      },
      status: SpanStatus.SPAN_STATUS_ERROR,
      statusMessage: 'boom',
    });
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.startTime).toBeInstanceOf(Date);
    expect(child.durationMs).toBeGreaterThanOrEqual(0);
    expect(toTraceSpan(parent)).toMatchObject({
      parentSpanId: '',
      links: [],
      status: SpanStatus.SPAN_STATUS_UNSPECIFIED,
    });
  });
});

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('TraceSinkExporter', () => {
  it('drops and counts the spans when the sink is down, reporting FAILED without throwing', async () => {
    const exporter = new TraceSinkExporter({ address: `127.0.0.1:${await deadPort()}` });
    const spans = finishedSpans();
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toMatch(/cannot reach the tracesink/);
    expect(exporter.stats()).toEqual({ exported: 0, dropped: spans.length, failedExports: 1 });
    await exporter.shutdown();
    const after = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    expect(after.code).toBe(ExportResultCode.FAILED);
  });

  it('makes no processor when the tracesink address is empty', () => {
    expect(traceSinkSpanProcessors({ telemetry: { tracesink: '' } })).toEqual([]);
    expect(traceSinkSpanProcessors({ telemetry: { tracesink: '127.0.0.1:50058' } })).toHaveLength(
      1,
    );
  });
});
