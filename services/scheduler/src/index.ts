export { CapacityIndex, resourcesOf, type Resources } from './domain/capacity.js';
export {
  decidePlacement,
  type PlacementOptions,
  type PlacementOutcome,
  type PlacementRequest,
} from './domain/placement.js';
export { WorkloadSpread } from './domain/spread.js';
