import { runServiceProcess } from '@chamber/telemetry';
import { createFaultsService } from './app.js';
import { loadFaultsConfig } from './config.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess('faults', () => loadFaultsConfig(), createFaultsService);
