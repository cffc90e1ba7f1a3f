import { decode, decodeEntry, type Codec, type Entry, type RawEntry } from './codec.js';

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

/**
 * A {@link Snapshot} of `entries` held in memory: a fixed world to hand a
 * pure reactor (its unit tests) without a store. A key given twice keeps its
 * last entry.
 */
export function memorySnapshot(entries: Iterable<RawEntry>): Snapshot {
  const byKey = new Map<string, RawEntry>();
  for (const entry of entries) byKey.set(entry.key, entry);
  const keys = [...byKey.keys()].sort();
  const listRaw = (prefix: string): RawEntry[] =>
    keys.filter((k) => k.startsWith(prefix)).map((k) => byKey.get(k)!);
  return {
    getRaw: (key) => byKey.get(key),
    get: (codec, key) => {
      const raw = byKey.get(key);
      return raw === undefined ? undefined : decodeEntry(codec, raw);
    },
    value: (codec, key) => {
      const raw = byKey.get(key);
      return raw === undefined ? undefined : decode(codec, key, raw.value);
    },
    listRaw,
    list: (codec, prefix) => listRaw(prefix).map((raw) => decodeEntry(codec, raw)),
  };
}
