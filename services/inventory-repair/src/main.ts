import { runServiceProcess } from '@chamber/telemetry';
import { createRepairService } from './app.js';
import { loadRepairConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('inventory-repair', () => loadRepairConfig(), createRepairService);
