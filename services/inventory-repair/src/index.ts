export { createRepairService, type RepairDeps } from './app.js';
export { loadRepairConfig, repairSchema, type RepairConfig } from './config.js';
export { defaultPolicy, type Finding, type RepairPolicy } from './domain/policy.js';
export { managerViews, RepairManager, repairParticipant } from './manager.js';
