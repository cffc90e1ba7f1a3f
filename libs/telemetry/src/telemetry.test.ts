import { Writable } from 'node:stream';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createLogger, tickAttribute, withTickSpan } from './index.js';

function tracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracer: provider.getTracer('test') };
}

describe('withTickSpan', () => {
  it('records the simulated tick and the attributes on the span', async () => {
    const { exporter, tracer: t } = tracer();
    const result = await withTickSpan(t, 'clock.settle', 42, { 'chamber.target': 'r1/b7' }, () =>
      Promise.resolve('ok'),
    );
    expect(result).toBe('ok');
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('clock.settle');
    expect(span?.attributes[tickAttribute]).toBe(42);
    expect(span?.attributes['chamber.target']).toBe('r1/b7');
  });

  it('marks the span as failed and rethrows', async () => {
    const { exporter, tracer: t } = tracer();
    await expect(
      withTickSpan(t, 'x', 1, {}, () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.events[0]?.name).toBe('exception');
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
