export {
  startTelemetry,
  withTickSpan,
  tickAttribute,
  type Telemetry,
  type Tracer,
  type Span,
  type Attributes,
} from './tracing.js';
export { createLogger, type Logger } from './logger.js';
export { runServiceProcess } from './process.js';
