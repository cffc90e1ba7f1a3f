import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createFaultsService } from './app.js';
import { loadFaultsConfig, type FaultsConfig } from './config.js';

/**
 * The faults as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<FaultsConfig> = {
  name: 'faults',
  loadConfig: (env) => loadFaultsConfig(env === undefined ? undefined : { env }),
  create: createFaultsService,
  spanProcessors: traceSinkSpanProcessors,
};
