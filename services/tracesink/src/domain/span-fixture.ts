import { SpanStatus, type TraceSpan } from '@chamber/protos';

/** A finished span for tests: a root span of `monitor` with no attributes, changed by `overrides`. */
export function span(overrides: Partial<TraceSpan> = {}): TraceSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    links: [],
    service: 'monitor',
    name: 'monitor.transition',
    startTime: new Date(0),
    durationMs: 0.5,
    attributes: {},
    status: SpanStatus.SPAN_STATUS_UNSPECIFIED,
    statusMessage: '',
    ...overrides,
  };
}
