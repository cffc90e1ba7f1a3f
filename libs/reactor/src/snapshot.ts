import type { Codec, Entry, RawEntry } from './codec.js';

/**
 * What a reactor reads: the prefixes its participant caches, exactly as of
 * the tick's snapshot revision R(T). Read-only; keys are relative to the
 * simulation prefix, lists are in key order. The store client's
 * `CachedView` is one.
 */
export interface Snapshot {
  /** The raw record at `key`, or `undefined`. */
  getRaw(key: string): RawEntry | undefined;
  /** The record at `key` with its revisions, decoded (cached while the record stands). */
  get<T>(codec: Codec<T>, key: string): Entry<T> | undefined;
  /** The record at `key`, decoded, or `undefined`. */
  value<T>(codec: Codec<T>, key: string): T | undefined;
  /** Every raw record under `prefix`, in key order. */
  listRaw(prefix: string): RawEntry[];
  /** Every record under `prefix`, decoded, in key order. */
  list<T>(codec: Codec<T>, prefix: string): Entry<T>[];
}
