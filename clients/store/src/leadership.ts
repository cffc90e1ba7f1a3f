import { cmp, type Compare } from '@chamber/reactor';
import { keys } from '@chamber/world';
import type { Lease } from './lease.js';
import type { Store } from './store.js';
import type { WatchHandle } from './watch.js';

/** Options of a campaign. */
export interface CampaignOptions {
  /** The leader's lease TTL (s): how long a dead leader blocks a standby. */
  readonly ttlSeconds?: number;
  /** Aborts the campaign (rejects) when signalled. The campaign value must be unique per campaigner. */
  readonly signal?: AbortSignal;
  /**
   * The value of this caller's previous term, which it no longer acts on
   * (its lease was lost while etcd was away). A leader key still holding it
   * (etcd restored the old lease when it restarted) is deleted at once
   * rather than waited out for a TTL.
   */
  readonly staleValue?: string;
}

/** Held by the one leader of a singleton role. */
export interface Leadership {
  /** `election/<name>`. */
  readonly key: string;
  /** The create revision of the leader key: identifies this term. */
  readonly term: number;
  /** A compare that holds only while this leadership lasts; add it to every leader write. */
  readonly guard: Compare;
  /** Calls `listener` once when leadership is lost (lease lost or key removed). */
  onLost(listener: () => void): void;
  /** Gives up leadership: deletes the key so a standby takes over at once. */
  resign(): Promise<void>;
}

/**
 * Waits until this caller holds `election/<name>`: puts the key under a fresh
 * lease if nobody holds it, otherwise watches it and retries when it goes.
 */
export async function campaign(
  store: Store,
  name: string,
  value: string,
  options: CampaignOptions,
): Promise<Leadership> {
  const key = keys.election(name);
  if (options.staleValue !== undefined) {
    await store.txn(
      [{ target: 'value', key, op: '==', value: options.staleValue }],
      [{ type: 'delete', key }],
    );
  }
  for (;;) {
    options.signal?.throwIfAborted();
    const lease = await store.grantLease(options.ttlSeconds ?? 5);
    await store.txn([cmp.absent(key)], [{ type: 'put', key, value, lease: lease.id }]);
    // Read back rather than trust `succeeded`: a transaction retried after a
    // lost response reports failure although its first attempt wrote. Each
    // campaigner's value is unique, so the value tells whose key it is.
    const holder = await store.getRaw(key);
    if (holder?.value === value) return hold(store, key, holder.createRevision, lease);
    await lease.revoke();
    await untilAbsent(store, key, options.signal);
  }
}

async function hold(store: Store, key: string, term: number, lease: Lease): Promise<Leadership> {
  const listeners: Array<() => void> = [];
  let isLost = false;
  // Set once the watch is open; `lose` may run before that.
  const opened: { watch?: WatchHandle } = {};
  const lose = (): void => {
    if (isLost) return;
    isLost = true;
    void opened.watch?.cancel();
    for (const l of listeners.splice(0)) l();
  };
  opened.watch = await store.watch(key, { fromRevision: term + 1 }, (events) => {
    if (events.some((e) => e.key === key && (e.type === 'delete' || e.createRevision !== term)))
      lose();
  });
  lease.onLost(lose);
  if (isLost) void opened.watch.cancel();
  return {
    key,
    term,
    guard: cmp.createRevision(key, '==', term),
    onLost(listener) {
      if (isLost) listener();
      else listeners.push(listener);
    },
    async resign() {
      lose();
      await lease.revoke();
    },
  };
}

async function untilAbsent(
  store: Store,
  key: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const current = await store.getRaw(key);
  if (current === undefined) return;
  await new Promise<void>((resolve, reject) => {
    let handle: { cancel(): Promise<void> } | undefined;
    const done = (error?: unknown): void => {
      signal?.removeEventListener('abort', onAbort);
      void handle?.cancel();
      if (error === undefined) resolve();
      else
        reject(
          error instanceof Error ? error : new Error('the election watch failed', { cause: error }),
        );
    };
    const onAbort = (): void => done(signal?.reason);
    // An abort while the key was read has fired already: no event will come.
    if (signal?.aborted === true) return onAbort();
    signal?.addEventListener('abort', onAbort);
    store
      .watch(key, { fromRevision: current.modRevision + 1 }, (events) => {
        if (events.some((e) => e.key === key && e.type === 'delete')) done();
      })
      .then((h) => {
        handle = h;
      }, done);
  });
}
