import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createInventoryService } from './app.js';
import { loadInventoryConfig, type InventoryConfig } from './config.js';

/**
 * The inventory as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<InventoryConfig> = {
  name: 'inventory',
  loadConfig: (env) => loadInventoryConfig(env === undefined ? undefined : { env }),
  create: createInventoryService,
  spanProcessors: traceSinkSpanProcessors,
};
