export {
  createWorkloadRepairService,
  workloadRepairParticipant,
  type WorkloadRepairDeps,
} from './app.js';
export {
  loadWorkloadRepairConfig,
  workloadRepairSchema,
  type WorkloadRepairConfig,
} from './config.js';
export {
  WorkloadRepairReactor,
  workloadRepairReactsTo,
  workloadRepairViews,
} from './domain/reactor.js';
export { reconcile, type InstanceView, type Reconciled } from './domain/reconcile.js';
