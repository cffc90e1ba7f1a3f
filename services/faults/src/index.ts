export { createFaultsService, type FaultsDeps } from './app.js';
export { faultsSchema, loadFaultsConfig, type FaultsConfig } from './config.js';
export { faultKeys, faultsParticipant } from './injector.js';
