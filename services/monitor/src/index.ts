export { createMonitorService, type MonitorDeps, type MonitorServiceHandle } from './app.js';
export { loadMonitorConfig, monitorSchema, type MonitorConfig } from './config.js';
export { monitorParticipant } from './watcher.js';
