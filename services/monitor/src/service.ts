import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createMonitorService } from './app.js';
import { loadMonitorConfig, type MonitorConfig } from './config.js';

/**
 * The monitor as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<MonitorConfig> = {
  name: 'monitor',
  loadConfig: (env) => loadMonitorConfig(env === undefined ? undefined : { env }),
  create: createMonitorService,
  spanProcessors: traceSinkSpanProcessors,
};
