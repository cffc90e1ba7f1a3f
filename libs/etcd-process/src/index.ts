export {
  startEtcd,
  etcdArgs,
  findEtcdBinary,
  freePort,
  isPortFree,
  type EtcdArgsOptions,
  type EtcdProcess,
  type StartEtcdOptions,
} from './etcd-process.js';
export {
  startEtcdCluster,
  initialCluster,
  memberName,
  type EtcdCluster,
  type EtcdMember,
  type StartEtcdClusterOptions,
} from './cluster.js';
