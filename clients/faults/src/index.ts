export { faultSites, faultTargetError, kindName, type FaultSite } from './targets.js';
