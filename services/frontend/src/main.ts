import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createFrontendService } from './app.js';
import { loadFrontendConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('frontend', () => loadFrontendConfig(), createFrontendService, {
  spanProcessors: traceSinkSpanProcessors,
});
