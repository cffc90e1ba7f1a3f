import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createInventoryService } from './app.js';
import { loadInventoryConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('inventory', () => loadInventoryConfig(), createInventoryService, {
  spanProcessors: traceSinkSpanProcessors,
});
