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
export { defaultInventoryAddress, inventoryArea } from './inventory-commands.js';
export { defaultFaultsAddress, faultArea } from './fault-commands.js';
export { defaultRepairAddress, repairArea } from './repair-commands.js';
export { defaultTraceSinkAddress, traceArea } from './trace-commands.js';
export { ExitCode, run, type CliIo } from './run.js';
