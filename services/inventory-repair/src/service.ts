import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createRepairService } from './app.js';
import { loadRepairConfig, type RepairConfig } from './config.js';

/**
 * The inventory-repair as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<RepairConfig> = {
  name: 'inventory-repair',
  loadConfig: (env) => loadRepairConfig(env === undefined ? undefined : { env }),
  create: createRepairService,
  spanProcessors: traceSinkSpanProcessors,
};
