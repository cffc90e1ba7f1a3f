export { createMonitorService, type MonitorDeps } from './app.js';
export { loadMonitorConfig, monitorSchema, type MonitorConfig } from './config.js';
export { monitorParticipant, Watcher, watcherViews } from './watcher.js';
export type { Thresholds } from './domain/observe.js';
