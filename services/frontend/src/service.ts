import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createFrontendService } from './app.js';
import { loadFrontendConfig, type FrontendConfig } from './config.js';

/**
 * The frontend as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<FrontendConfig> = {
  name: 'frontend',
  loadConfig: (env) => loadFrontendConfig(env === undefined ? undefined : { env }),
  create: createFrontendService,
  spanProcessors: traceSinkSpanProcessors,
};
