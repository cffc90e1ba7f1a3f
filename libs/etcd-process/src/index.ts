export {
  startEtcd,
  etcdArgs,
  findEtcdBinary,
  freePort,
  type EtcdArgsOptions,
  type EtcdProcess,
  type StartEtcdOptions,
} from './etcd-process.js';
