export {
  defaultLeaderTtlSeconds,
  defaultSeed,
  commonSchema,
  loadConfig,
  serviceAddress,
  type CommonConfig,
  type DeepPartial,
  type Schema,
  type TickRange,
} from './config.js';
