import { pause, reconnectDelay } from './backoff.js';
import type { Lease } from './lease.js';
import type { Store } from './store.js';

/** What {@link keepLease} keeps. */
export interface KeepLeaseOptions {
  /** The lease's TTL (s): how soon the holder's keys go when its process dies. */
  readonly ttlSeconds: number;
  /**
   * Puts the holder's keys under `lease`. Called with the first lease and
   * again with each new one after a loss, so it must be idempotent: the same
   * keys and values each time, only the lease new. A failure is retried with
   * a new lease.
   */
  readonly install: (lease: Lease) => Promise<void>;
  /**
   * Told when the lease is lost and when an attempt to replace it fails
   * (`attempt` counts from 0 within one loss), e.g. to log it once.
   */
  readonly onRetry?: (error: unknown, attempt: number) => void;
  /** Told when a lost lease has been replaced and the keys installed again. */
  readonly onReplaced?: () => void;
}

/** A lease that outlives store outages, with the keys it holds. */
export interface KeptLease {
  /**
   * Stops replacing the lease and revokes the current one, so every key put
   * under it is deleted now. Rejects when etcd cannot be reached (the keys
   * then go when the lease's TTL runs out).
   */
  close(): Promise<void>;
}

/**
 * Grants a kept-alive lease and installs the holder's keys under it; resolves
 * once they are written, rejects (holding nothing) when the first attempt
 * fails. From then on a lost lease (etcd away for longer than about twice
 * the TTL, or the lease expired) is replaced: a new lease is granted and
 * `install` runs again, retried with {@link reconnectDelay} until it
 * succeeds or the lease is closed, however long etcd stays away. etcd
 * restores a lost lease's keys with the lease when it restarts; the new
 * lease takes the same keys over before the old one expires.
 */
export async function keepLease(store: Store, options: KeepLeaseOptions): Promise<KeptLease> {
  const closing = new AbortController();
  let current: Lease | undefined;
  let replacing: Promise<void> = Promise.resolve();

  const grant = async (): Promise<void> => {
    const lease = await store.grantLease(options.ttlSeconds);
    try {
      if (!closing.signal.aborted) await options.install(lease);
    } catch (error) {
      await lease.revoke().catch(() => undefined);
      throw error;
    }
    if (closing.signal.aborted) {
      // Closed while it was being installed: nothing may stay behind.
      await lease.revoke().catch(() => undefined);
      return;
    }
    current = lease;
    lease.onLost((error) => {
      if (closing.signal.aborted) return;
      options.onRetry?.(error, 0);
      replacing = replace();
    });
  };

  const replace = async (): Promise<void> => {
    for (let attempt = 0; !closing.signal.aborted; attempt++) {
      try {
        await grant();
        if (!closing.signal.aborted) options.onReplaced?.();
        return;
      } catch (error) {
        if (closing.signal.aborted) return;
        options.onRetry?.(error, attempt + 1);
        await pause(reconnectDelay(attempt), closing.signal);
      }
    }
  };

  await grant();
  return {
    async close() {
      closing.abort();
      await replacing;
      await current?.revoke();
    },
  };
}
