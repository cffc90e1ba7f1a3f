import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createFaultsService } from './app.js';
import { loadFaultsConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('faults', () => loadFaultsConfig(), createFaultsService, {
  spanProcessors: traceSinkSpanProcessors,
});
