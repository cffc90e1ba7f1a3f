export {
  inventorySamples,
  lastTickOf,
  scenarioDefaultSeed,
  stateViews,
  type Check,
  type ClockPolicy,
  type Condition,
  type CountBound,
  type Demand,
  type ElementState,
  type Expectation,
  type FaultSchedule,
  type Input,
  type InventorySample,
  type InventorySource,
  type Placement,
  type RunBound,
  type Scenario,
  type StateView,
  type TimedInput,
  type WorkloadSpec,
} from './model.js';
export { parseScenario } from './parse.js';
export { exportScenario, type ExportOptions } from './export.js';
export { formatScenario } from './write.js';
export { limits as scenarioLimits, scenarioSchema } from './schema.js';
export { scenarioJsonSchema } from './json-schema.js';
export {
  runScenario,
  type ExpectationResult,
  type RunOptions,
  type RunProgress,
  type ScenarioReport,
  type WorkloadFigures,
} from './run.js';
export { startFor } from './start-for.js';
export {
  applyScenario,
  changesNothing,
  definitionOf,
  planScenario,
  type AppliedScenario,
  type ApplyOptions,
  type InventoryReader,
  type PlannedInput,
  type ScenarioPlan,
} from './apply.js';
export { describeInput, describeWorkload } from './inputs.js';
export { reportOfWire, wireOfPlan, wireOfReport } from './wire.js';
