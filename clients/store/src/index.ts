export {
  Store,
  maxTxnOps,
  maxTxnBytes,
  opBytes,
  type StoreOptions,
  type GetOptions,
  type ListOptions,
  type ListResult,
} from './store.js';
export { type Codec, type Entry, type RawEntry, decode, encode } from './codec.js';
export { op, cmp, type Op, type Compare, type TxnResult } from './txn.js';
export { type WatchEvent, type WatchHandle, type WatchOptions } from './watch.js';
export { type Lease } from './lease.js';
export { keepLease, type KeepLeaseOptions, type KeptLease } from './kept-lease.js';
export { pause, reconnectBackoff, reconnectDelay } from './backoff.js';
export { type Leadership, type CampaignOptions } from './leadership.js';
export { CachedView } from './cached-view.js';
export {
  readServiceFailures,
  recordServiceFailure,
  registerService,
  serviceKeys,
  type ServiceFailure,
  type ServiceRegistration,
} from './services.js';
export { rootPrefix, simulationPrefix, validateSimulationName } from './keys.js';
export { freshReader } from './fresh-read.js';
