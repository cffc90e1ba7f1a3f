export { createRepairService, type RepairDeps } from './app.js';
export { loadRepairConfig, repairSchema, type RepairConfig } from './config.js';
export { defaultPolicy, type Finding, type RepairPolicy } from './domain/policy.js';
export {
  maxRepairsPerTick,
  RepairReactor,
  repairParticipant,
  repairReactsTo,
  repairViews,
  type RepairReactorOptions,
} from './domain/reactor.js';
