export {
  defaultLeaderTtlSeconds,
  defaultSeed,
  commonSchema,
  loadConfig,
  serviceAddress,
  shardSchema,
  checkShard,
  type ShardConfig,
  type CommonConfig,
  type DeepPartial,
  type Schema,
  type TickRange,
} from './config.js';
