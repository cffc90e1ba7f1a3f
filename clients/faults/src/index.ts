export {
  afterInputs,
  faultsAsOf,
  faultsInbox,
  faultsOwner,
  faultsViews,
  readingFaultsAsOf,
  standingFault,
} from './as-of.js';
export { FaultsClient, type FaultFilter } from './faults-client.js';
