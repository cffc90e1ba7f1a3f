import { Writable } from 'node:stream';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { describe, expect, it } from 'vitest';
import {
  createLogger,
  reasonAttribute,
  recordDecision,
  runAttribute,
  severityAttribute,
  targetAttribute,
  tickAttribute,
  withTickSpan,
} from './index.js';

// What startTelemetry sets in a service's process: spans started inside an active span are its children.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

function tracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('test') };
}

describe('withTickSpan', () => {
  it('records the simulated tick and the attributes on the span', async () => {
    const { exporter, tracer: t } = tracer();
    const result = await withTickSpan(
      t,
      'clock.settle',
      { tick: 42, run: 3 },
      { 'chamber.target': 'r1/b7' },
      () => Promise.resolve('ok'),
    );
    expect(result).toBe('ok');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('clock.settle');
    expect(span?.attributes[tickAttribute]).toBe(42);
    expect(span?.attributes[runAttribute]).toBe(3);
    expect(span?.attributes['chamber.target']).toBe('r1/b7');
  });

  it('marks the span as failed and rethrows', async () => {
    const { exporter, tracer: t } = tracer();
    await expect(
      withTickSpan(t, 'x', { tick: 1, run: 1 }, {}, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events[0]?.name).toBe('exception');
  });
});

describe('withTickSpan isKept', () => {
  it('drops a tick span its result rejects, keeping the spans inside it', async () => {
    const { exporter, tracer: t } = tracer();
    await withTickSpan(
      t,
      'idle.tick',
      { tick: 5, run: 1 },
      {},
      () => {
        recordDecision(t, 'inside', { tick: 5, target: 'r1', reason: 'because' });
        return Promise.resolve(0);
      },
      { isKept: (n) => n > 0 },
    );
    await withTickSpan(t, 'busy.tick', { tick: 6, run: 1 }, {}, () => Promise.resolve(2), {
      isKept: (n) => n > 0,
    });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['inside', 'busy.tick']);
  });
});

describe('recordDecision', () => {
  it("records tick, run (the tick span's), target, reason and severity on a span that is a child of the tick span and links its causes", async () => {
    const { exporter, tracer: t } = tracer();
    const cause = recordDecision(t, 'cause', { tick: 1, target: 'r1/z1', reason: 'first' });
    await withTickSpan(t, 'x.tick', { tick: 2, run: 4 }, {}, () => {
      recordDecision(t, 'x.decision', {
        tick: 2,
        target: 'r1/z1/rack1',
        reason: 'it failed',
        severity: 'warn',
        attributes: { 'chamber.status': 'running' },
        links: [cause!],
      });
      return Promise.resolve();
    });
    const spans = exporter.getFinishedSpans();
    const decision = spans.find((s) => s.name === 'x.decision')!;
    const tickSpan = spans.find((s) => s.name === 'x.tick')!;
    expect(decision.attributes).toEqual({
      [tickAttribute]: 2,
      [runAttribute]: 4,
      [targetAttribute]: 'r1/z1/rack1',
      [reasonAttribute]: 'it failed',
      [severityAttribute]: 'warn',
      'chamber.status': 'running',
    });
    expect(decision.parentSpanContext?.spanId).toBe(tickSpan.spanContext().spanId);
    expect(decision.links.map((l) => l.context.spanId)).toEqual([cause!.spanId]);
  });

  it('does nothing without a tracer', () => {
    expect(recordDecision(undefined, 'x', { tick: 1, target: '', reason: '' })).toBeUndefined();
  });
});

describe('createLogger', () => {
  it('writes JSON lines naming the service', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    createLogger({ service: 'stepper', level: 'info', destination: sink }).info(
      { tick: 3 },
      'settled',
    );
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ service: 'stepper', tick: 3, msg: 'settled' });
  });
});
