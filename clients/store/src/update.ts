import { ChamberError, Code } from '@chamber/errors';
import { cmp, op, type Codec, type Entry, type Op } from '@chamber/reactor';
import { pause } from './backoff.js';
import type { Store } from './store.js';

/** What {@link updateRecord} left in the store. */
export interface Updated<T> {
  /** The record as stored after the call: the value written, or the current one when unchanged. */
  readonly value: T;
  /** The revision of the write, or the record's mod revision when nothing was written. */
  readonly revision: number;
  /** Whether this call wrote the record. */
  readonly isWritten: boolean;
}

/** How {@link updateRecord} writes and retries. */
export interface UpdateOptions<T> {
  /** Attempts before giving up while other writers keep getting there first. Default 10. */
  readonly maxAttempts?: number;
  /** The error when every attempt met a conflict. Default: `Aborted`, naming the key. */
  readonly exhausted?: () => Error;
  /** More writes for the same transaction, computed from the value written. */
  readonly alsoWrite?: (next: T) => readonly Op[];
}

/** The delays between attempts (ms): short, since a conflict means the other writer is done. */
export const updateBackoff = { initialMs: 2, maxMs: 50 } as const;

/**
 * Reads the record at `key`, hands it to `change` (`undefined` when there is
 * none), and writes what `change` returns in a transaction guarded on the
 * record's mod revision (on its absence when there was none). When another
 * writer changed the record in between, it reads again and asks `change`
 * again, after a short capped backoff ({@link updateBackoff}), up to
 * `maxAttempts` times. Resolves with what it left in the store.
 *
 * `change` decides: the next value; `undefined` to leave the record as it is
 * (nothing is written: resolves with the current record, or `undefined` when
 * there is none); or it throws to refuse (a bad request, a stale `If-Match`), which writes
 * nothing and rejects with its error. It may be called more than once, so
 * it must not have effects of its own.
 *
 * Fails with `options.exhausted()` (default `Aborted`) when every attempt
 * met a conflict, having written nothing; with the store's errors
 * (`Unavailable`, …) as `txn` does.
 */
export async function updateRecord<T>(
  store: Store,
  codec: Codec<T>,
  key: string,
  change: (current: Entry<T> | undefined) => T | Promise<T>,
  options?: UpdateOptions<T>,
): Promise<Updated<T>>;
export async function updateRecord<T>(
  store: Store,
  codec: Codec<T>,
  key: string,
  change: (current: Entry<T> | undefined) => T | undefined | Promise<T | undefined>,
  options?: UpdateOptions<T>,
): Promise<Updated<T> | undefined>;
export async function updateRecord<T>(
  store: Store,
  codec: Codec<T>,
  key: string,
  change: (current: Entry<T> | undefined) => T | undefined | Promise<T | undefined>,
  options: UpdateOptions<T> = {},
): Promise<Updated<T> | undefined> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0) {
      await pause(
        Math.min(updateBackoff.maxMs, updateBackoff.initialMs * 2 ** Math.min(attempt - 1, 10)),
      );
    }
    const current = await store.get(codec, key);
    const next = await change(current);
    if (next === undefined) {
      return current === undefined
        ? undefined
        : { value: current.value, revision: current.modRevision, isWritten: false };
    }
    const value = next;
    const guard =
      current === undefined ? cmp.absent(key) : cmp.modRevision(key, '==', current.modRevision);
    const res = await store.txn(
      [guard],
      [op.put(codec, key, value), ...(options.alsoWrite?.(value) ?? [])],
    );
    if (res.succeeded) return { value, revision: res.revision, isWritten: true };
  }
  throw (
    options.exhausted?.() ??
    new ChamberError(
      Code.Aborted,
      `"${key}" changed under each of ${maxAttempts} attempts to update it; nothing was written; try again`,
    )
  );
}
