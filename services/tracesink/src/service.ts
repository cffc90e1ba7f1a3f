import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createTraceSinkService } from './app.js';
import { loadTraceSinkConfig, type TraceSinkConfig } from './config.js';

/**
 * The tracesink as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<TraceSinkConfig> = {
  name: 'tracesink',
  loadConfig: (env) => loadTraceSinkConfig(env === undefined ? undefined : { env }),
  create: createTraceSinkService,
  spanProcessors: traceSinkSpanProcessors,
};
