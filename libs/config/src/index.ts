export {
  defaultSeed,
  commonSchema,
  loadConfig,
  type CommonConfig,
  type DeepPartial,
  type Schema,
  type TickRange,
} from './config.js';
