export { faultSites, faultTargetError, kindName, type FaultSite } from './targets.js';
export { FaultsClient, type FaultFilter } from './faults-client.js';
