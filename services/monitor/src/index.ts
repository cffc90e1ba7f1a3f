export { createMonitorService, type MonitorDeps } from './app.js';
export { loadMonitorConfig, monitorSchema, type MonitorConfig } from './config.js';
export {
  MonitorReactor,
  monitorParticipant,
  monitorReactsTo,
  monitorViews,
} from './domain/reactor.js';
export type { Thresholds } from './domain/observe.js';
