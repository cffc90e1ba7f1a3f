import type { ServiceModule } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createStepperService } from './app.js';
import { loadStepperConfig, type StepperConfig } from './config.js';

/**
 * The stepper as a process runs it: by itself (`main.ts`), or beside the
 * other services in the launcher's single-process layout, which loads this
 * file by path (`dist/src/service.js`) and gives it its own environment.
 */
export const service: ServiceModule<StepperConfig> = {
  name: 'stepper',
  loadConfig: (env) => loadStepperConfig(env === undefined ? undefined : { env }),
  create: createStepperService,
  spanProcessors: traceSinkSpanProcessors,
};
