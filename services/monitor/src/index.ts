export { createMonitorService, type MonitorDeps } from './app.js';
export { loadMonitorConfig, monitorSchema, type MonitorConfig } from './config.js';
export { monitorParticipant } from './watcher.js';
