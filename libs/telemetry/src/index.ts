export {
  startTelemetry,
  withTickSpan,
  recordDecision,
  tickAttribute,
  runAttribute,
  targetAttribute,
  reasonAttribute,
  severityAttribute,
  type Decision,
  type SeverityWord,
  type Telemetry,
  type TelemetryOptions,
  type TickAt,
  type TickSpanOptions,
  type Tracer,
  type Span,
  type SpanContext,
  type SpanProcessor,
  type Attributes,
} from './tracing.js';
export { createLogger, type Logger } from './logger.js';
export { runServiceProcess, type ProcessOptions } from './process.js';
