export { budgets } from './budgets.js';
export { etcdEndpoints, uniqueSimulation } from './harness.js';
export { etcdProxy, type EtcdProxyOptions } from './etcd-proxy.js';
export { freePortRun } from './ports.js';
export { countEventLoopTurns } from './turns.js';
export { startEtcdCluster, type EtcdCluster } from '@chamber/etcd-process';
