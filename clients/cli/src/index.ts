export { ExitCode, areas, chamberProgram, run, type CliIo } from './run.js';
export {
  buildProgram,
  isUsageError,
  kebab,
  parserOf,
  usageError,
  type AreaExtension,
  type CommandExtension,
  type Composite,
  type Context,
  type ExtraOption,
  type Parser,
  type RestCall,
  type Surroundings,
  type Value,
} from './program.js';
export {
  formatHeadline,
  formatStatus,
  formatWatchLine,
  policyName,
  statusToJson,
  type ClockStatusJson,
} from './format.js';
export { tokenId } from './account.js';
export {
  credentialsPath,
  deleteCredentials,
  readCredentials,
  writeCredentials,
  type Credentials,
} from './credentials.js';
export { followEvents, type ServerEvent } from './events.js';
