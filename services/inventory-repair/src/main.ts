import { runServiceProcess } from '@chamber/telemetry';
import { traceSinkSpanProcessors } from '@chamber/trace-client';
import { createRepairService } from './app.js';
import { loadRepairConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('inventory-repair', () => loadRepairConfig(), createRepairService, {
  spanProcessors: traceSinkSpanProcessors,
});
