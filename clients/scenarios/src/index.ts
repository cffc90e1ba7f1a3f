export {
  isRunEnded,
  ScenariosClient,
  type RunWatch,
  type StartRunOptions,
} from './scenarios-client.js';
