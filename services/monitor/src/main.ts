import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createMonitorService } from './app.js';
import { loadMonitorConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('monitor', () => loadMonitorConfig(), createMonitorService, {
  spanProcessors: traceSinkSpanProcessors,
});
