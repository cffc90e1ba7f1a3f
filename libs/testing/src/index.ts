export { budgets } from './budgets.js';
export { etcdEndpoints, uniqueSimulation } from './harness.js';
export { freePortRun } from './ports.js';
export { countEventLoopTurns } from './turns.js';
