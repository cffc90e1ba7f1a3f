export { createFaultsService, faultsParticipant, type FaultsDeps } from './app.js';
export { faultsSchema, loadFaultsConfig, type FaultsConfig } from './config.js';
