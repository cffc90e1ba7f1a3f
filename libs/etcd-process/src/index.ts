export {
  startEtcd,
  findEtcdBinary,
  freePort,
  type EtcdProcess,
  type StartEtcdOptions,
} from './etcd-process.js';
