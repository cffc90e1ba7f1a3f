import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createWorkloadRepairService } from './app.js';
import { loadWorkloadRepairConfig, type WorkloadRepairConfig } from './config.js';

/**
 * The workload repair manager as a process runs it: by itself (`main.ts`),
 * or beside the other services in the launcher's single-process layout,
 * which loads this file by path (`dist/src/service.js`) and gives it its own
 * environment.
 */
export const service: ServiceModule<WorkloadRepairConfig> = {
  name: 'workload-repair',
  loadConfig: (env) => loadWorkloadRepairConfig(env === undefined ? undefined : { env }),
  create: createWorkloadRepairService,
  spanProcessors: traceSinkSpanProcessors,
};
