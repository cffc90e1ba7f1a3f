export { createFaultsService, type FaultsDeps, type FaultsServiceHandle } from './app.js';
export { faultsSchema, loadFaultsConfig, type FaultsConfig } from './config.js';
export { faultKeys, faultsParticipant } from './injector.js';
