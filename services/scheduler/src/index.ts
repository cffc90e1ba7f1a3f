export { createSchedulerService, type SchedulerDeps } from './app.js';
export { loadSchedulerConfig, schedulerSchema, type SchedulerConfig } from './config.js';
export { CapacityIndex, resourcesOf, type Resources } from './domain/capacity.js';
export {
  decidePlacement,
  type PlacementOptions,
  type PlacementOutcome,
  type PlacementRequest,
} from './domain/placement.js';
export {
  SchedulerReactor,
  schedulerParticipant,
  schedulerReactsTo,
  schedulerViews,
} from './domain/reactor.js';
export { WorkloadSpread } from './domain/spread.js';
