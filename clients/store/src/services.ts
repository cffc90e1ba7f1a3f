import { keys } from '@chamber/world';
import { keepLease, type KeepLeaseOptions } from './kept-lease.js';
import type { Store } from './store.js';

/** A service instance's entry under `services/<name>/<instance>`. */
export interface ServiceRegistration {
  readonly name: string;
  readonly instance: string;
  /** `host:port` of its gRPC server. */
  readonly endpoint: string;
  /** Removes the entry now (graceful shutdown). */
  close(): Promise<void>;
}

/**
 * Registers a service endpoint under a lease (`services/<name>/<instance>`),
 * so clients and the dashboard can find it; the entry disappears when the
 * process dies. The service's recorded start failure, if any, is deleted in
 * the same transaction: it is up again. Rejects when etcd cannot be reached.
 * Once registered, the entry outlives a store outage of any length: a lost
 * lease is replaced and the entry written again (see {@link keepLease});
 * `onRetry` and `onReplaced` hear about it, for the service's log.
 */
export async function registerService(
  store: Store,
  registration: {
    name: string;
    instance: string;
    endpoint: string;
    ttlSeconds?: number;
    onRetry?: KeepLeaseOptions['onRetry'];
    onReplaced?: KeepLeaseOptions['onReplaced'];
  },
): Promise<ServiceRegistration> {
  const { name, instance, endpoint, ttlSeconds = 5, onRetry, onReplaced } = registration;
  const key = keys.service(name, instance);
  const value = JSON.stringify({ endpoint, pid: process.pid });
  const kept = await keepLease(store, {
    ttlSeconds,
    install: async (lease) => {
      await store.txn(
        [],
        [
          { type: 'put', key, value, lease: lease.id },
          { type: 'delete', key: keys.serviceFailure(name) },
        ],
      );
    },
    ...(onRetry === undefined ? {} : { onRetry }),
    ...(onReplaced === undefined ? {} : { onReplaced }),
  });
  return {
    name,
    instance,
    endpoint,
    close: () => kept.close(),
  };
}

/** Why a service's last start failed, as {@link recordServiceFailure} stored it. */
export interface ServiceFailure {
  readonly name: string;
  /** The error, for people: `bad.yaml:11:13: …`. */
  readonly message: string;
  /** When it failed (ISO 8601, wall clock). */
  readonly at: string;
}

/**
 * Records that service `name` failed to start, and why, so that whoever
 * lists the services (`GET /services`, the dashboard) can say so after the
 * process has gone. Kept until an instance of `name` registers.
 */
export async function recordServiceFailure(
  store: Store,
  name: string,
  message: string,
  at: Date = new Date(),
): Promise<void> {
  await store.txn(
    [],
    [
      {
        type: 'put',
        key: keys.serviceFailure(name),
        value: JSON.stringify({ message, at: at.toISOString() }),
      },
    ],
  );
}

/**
 * The recorded start failures by service name (see
 * {@link recordServiceFailure}); a record not written by Chamber is read
 * with what it has.
 */
export async function readServiceFailures(store: Store): Promise<Map<string, ServiceFailure>> {
  const { entries } = await store.listRaw(keys.serviceFailuresPrefix);
  const failures = new Map<string, ServiceFailure>();
  for (const e of entries) {
    const name = e.key.slice(keys.serviceFailuresPrefix.length);
    let message = '';
    let at = '';
    try {
      const value = JSON.parse(e.value) as { message?: unknown; at?: unknown };
      message = typeof value.message === 'string' ? value.message : '';
      at = typeof value.at === 'string' ? value.at : '';
    } catch {
      message = e.value;
    }
    failures.set(name, { name, message, at });
  }
  return failures;
}
