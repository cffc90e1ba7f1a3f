import { runServiceProcess } from '@chamber/telemetry';
import { service } from './service.js';

// Process entry only: config, telemetry, create, start, stop on SIGTERM/SIGINT.
await runServiceProcess(service.name, () => service.loadConfig(), service.create, service);
