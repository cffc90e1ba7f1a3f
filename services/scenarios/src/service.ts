import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createScenariosService } from './app.js';
import { loadScenariosConfig, type ScenariosConfig } from './config.js';

/**
 * The scenarios service as a process runs it: by itself (`main.ts`), or
 * beside the other services in the launcher's single-process layout, which
 * loads this file by path (`dist/src/service.js`) and gives it its own
 * environment.
 */
export const service: ServiceModule<ScenariosConfig> = {
  name: 'scenarios',
  loadConfig: (env) => loadScenariosConfig(env === undefined ? undefined : { env }),
  create: createScenariosService,
  spanProcessors: traceSinkSpanProcessors,
};
