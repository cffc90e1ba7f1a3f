export {
  addressesOf,
  Chamber,
  connect,
  ExpectationError,
  harnessServices,
  stateWordOf,
  type Addresses,
  type HarnessService,
  type ScenarioOptions,
  type StateOptions,
  type StepUntilOptions,
  type ViewWord,
} from './chamber.js';
export { start, type StartedChamber, type StartOptions } from './start.js';
