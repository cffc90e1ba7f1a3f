import { encode, type Codec } from './codec.js';

/** One write in a transaction. Keys are relative to the simulation prefix. */
export type Op =
  | { readonly type: 'put'; readonly key: string; readonly value: string; readonly lease?: string }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'deletePrefix'; readonly prefix: string };

/** One condition of a transaction, on a key relative to the simulation prefix. */
export type Compare =
  | {
      readonly target: 'mod' | 'create' | 'version';
      readonly key: string;
      readonly op: '==' | '!=' | '<' | '>';
      readonly value: number;
      /** Compares every key under `key` (a prefix) instead of the one key; holds when none exists. */
      readonly isPrefix?: boolean;
    }
  | {
      readonly target: 'value';
      readonly key: string;
      readonly op: '==' | '!=';
      readonly value: string;
    };

/** Builders for transaction writes. */
export const op = {
  /** Writes `value` as the proto3 JSON of `codec` at `key`, optionally bound to a lease. */
  put<T>(codec: Codec<T>, key: string, value: T, options: { lease?: string } = {}): Op {
    return { type: 'put', key, value: encode(codec, value), ...options };
  },
  /** Writes JSON text as it is. */
  putRaw(key: string, value: string, options: { lease?: string } = {}): Op {
    return { type: 'put', key, value, ...options };
  },
  delete(key: string): Op {
    return { type: 'delete', key };
  },
  /** Deletes every key under `prefix` (keep to about 1,000 keys per transaction). */
  deletePrefix(prefix: string): Op {
    return { type: 'deletePrefix', prefix };
  },
} as const;

/** Builders for transaction conditions. */
export const cmp = {
  /** The key's mod revision compared with `revision` (0 when the key is absent). */
  modRevision(key: string, compare: '==' | '!=' | '<' | '>', revision: number): Compare {
    return { target: 'mod', key, op: compare, value: revision };
  },
  /** The key's create revision compared with `revision`. */
  createRevision(key: string, compare: '==' | '!=' | '<' | '>', revision: number): Compare {
    return { target: 'create', key, op: compare, value: revision };
  },
  /**
   * Holds when no key under `prefix` was written after `revision` (keys
   * deleted since are not seen): a decision made from a view at `revision`
   * of that prefix is still the one the store would give.
   */
  noneWrittenAfter(prefix: string, revision: number): Compare {
    return { target: 'mod', key: prefix, op: '<', value: revision + 1, isPrefix: true };
  },
  /** Holds when the key does not exist. */
  absent(key: string): Compare {
    return { target: 'version', key, op: '==', value: 0 };
  },
  /** Holds when the key exists. */
  exists(key: string): Compare {
    return { target: 'version', key, op: '>', value: 0 };
  },
} as const;
