export {
  checkRouteTable,
  commandOptions,
  helpOption,
  isUsageError,
  resolve,
  usageError,
  type AreaSpec,
  type ArgSpec,
  type CommandContext,
  type CommandInput,
  type CommandSpec,
  type OptionSpec,
  type OptionSpecs,
  type Parser,
  type Resolution,
  type RoutePath,
  type RouteTable,
  type Value,
} from './routes.js';
export { oneOf, positiveNumber, wholeNumber } from './values.js';
export { usageHint, usageText } from './usage.js';
export { clockArea, connectTimeoutMs, defaultStepperAddress } from './clock-commands.js';
export {
  formatHeadline,
  formatStatus,
  formatWatchLine,
  policyFromName,
  policyName,
  statusToJson,
  type ClockStatusJson,
} from './format.js';
export { chamberRoutes } from './table.js';
export {
  commandFromOperation,
  fieldsOf,
  kebab,
  parserOf,
  routeTableFrom,
  type AreaExtension,
  type CommandExtension,
  type FieldSpec,
  type RestCall,
} from './api-commands.js';
export { loginCommand, logoutCommand, tokenId } from './account-commands.js';
export {
  credentialsPath,
  deleteCredentials,
  readCredentials,
  writeCredentials,
  type Credentials,
} from './credentials.js';
export { createEventParser, followEvents, type ServerEvent } from './events.js';
export { restRouteOfPath, type PathRoute } from './inventory-commands.js';
export { callRest, restClient, transportOptions, viaOf, type Via } from './transport.js';
export { defaultInventoryAddress, inventoryArea } from './inventory-commands.js';
export { defaultFaultsAddress, faultArea } from './fault-commands.js';
export { defaultRepairAddress, repairArea } from './repair-commands.js';
export { ExitCode, run, type CliIo } from './run.js';
