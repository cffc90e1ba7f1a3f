export { launch, type Launched, type LaunchOptions } from './launcher.js';
export { inheritedEnv, loadLauncherConfig, launcherSchema, type LauncherConfig } from './config.js';
export { services, type ServiceSpec } from './services.js';
export { Supervisor, type SupervisorEvent, type SupervisorOptions } from './supervisor.js';
export { repositoryRoot } from './root.js';
export { serviceMallocEnv, serviceNodeFlags } from './process-memory.js';
