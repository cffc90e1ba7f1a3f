export { etcdEndpoints, uniqueSimulation } from './harness.js';
