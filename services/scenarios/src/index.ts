export { createScenariosService, scenariosName, type ScenariosDeps } from './app.js';
export {
  defaultSamplesDir,
  loadScenariosConfig,
  scenariosSchema,
  type ScenariosConfig,
} from './config.js';
export { ScenarioRunner, type RunRequest } from './runner.js';
