import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createTraceSinkService } from './app.js';
import { loadTraceSinkConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('tracesink', () => loadTraceSinkConfig(), createTraceSinkService, {
  spanProcessors: traceSinkSpanProcessors,
});
