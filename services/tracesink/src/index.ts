export {
  createTraceSinkService,
  traceSinkName,
  type TraceSinkDeps,
  type TraceSinkService,
} from './app.js';
export {
  loadTraceSinkConfig,
  maxCapacity,
  traceSinkSchema,
  type TraceSinkConfig,
} from './config.js';
export { entryLimits } from './domain/entries.js';
export { listLimits, maxSpansPerExport } from './grpc/trace-handlers.js';
