import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createSchedulerService } from './app.js';
import { loadSchedulerConfig, type SchedulerConfig } from './config.js';

/**
 * The scheduler as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<SchedulerConfig> = {
  name: 'scheduler',
  loadConfig: (env) => loadSchedulerConfig(env === undefined ? undefined : { env }),
  create: createSchedulerService,
  spanProcessors: traceSinkSpanProcessors,
};
