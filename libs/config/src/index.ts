export {
  commonSchema,
  loadConfig,
  type CommonConfig,
  type DeepPartial,
  type Schema,
} from './config.js';
