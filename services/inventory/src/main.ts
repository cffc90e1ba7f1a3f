import { runServiceProcess } from '@chamber/telemetry';
import { createInventoryService } from './app.js';
import { loadInventoryConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('inventory', () => loadInventoryConfig(), createInventoryService);
