import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createStepperService } from './app.js';
import { loadStepperConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('stepper', () => loadStepperConfig(), createStepperService, {
  spanProcessors: traceSinkSpanProcessors,
});
