export {
  Store,
  maxTxnOps,
  maxTxnBytes,
  opBytes,
  type StoreOptions,
  type GetOptions,
  type ListOptions,
  type ListResult,
  type TxnResult,
} from './store.js';
// The record codec and the write and condition builders live in @chamber/reactor (pure data,
// for the services' domain code); the store takes them as they are.
export {
  cmp,
  decode,
  encode,
  op,
  type Codec,
  type Compare,
  type Entry,
  type Op,
  type RawEntry,
} from '@chamber/reactor';
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
  type ServiceFailure,
  type ServiceRegistration,
} from './services.js';
export { rootPrefix, simulationOfKey, simulationPrefix, validateSimulationName } from './keys.js';
export { freshReader } from './fresh-read.js';
export { updateBackoff, updateRecord, type Updated, type UpdateOptions } from './update.js';
