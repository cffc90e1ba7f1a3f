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
 * process dies. A lost lease (etcd unreachable for longer than the TTL) is
 * re-granted and the entry written again.
 */
export async function registerService(
  store: Store,
  registration: { name: string; instance: string; endpoint: string; ttlSeconds?: number },
): Promise<ServiceRegistration> {
  const key = `services/${registration.name}/${registration.instance}`;
  const value = JSON.stringify({ endpoint: registration.endpoint, pid: process.pid });
  let isClosed = false;
  let revoke: () => Promise<void> = () => Promise.resolve();
  const register = async (): Promise<void> => {
    const lease = await store.grantLease(registration.ttlSeconds ?? 5);
    revoke = () => lease.revoke();
    await store.txn([], [{ type: 'put', key, value, lease: lease.id }]);
    lease.onLost(() => {
      if (!isClosed) void register().catch(() => undefined);
    });
  };
  await register();
  return {
    ...registration,
    async close() {
      isClosed = true;
      await revoke();
    },
  };
}
