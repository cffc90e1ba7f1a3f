export { summarizeAvailability, type AvailabilitySummary } from './availability.js';
export { workloadsInbox, workloadsOwner } from './owner.js';
export { SchedulerClient } from './scheduler-client.js';
export { workloadSpec, type WorkloadSpecWords } from './spec.js';
export { WorkloadsClient, type InstanceFilter, type SpecInput } from './workloads-client.js';
