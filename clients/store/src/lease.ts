import type * as etcd from 'etcd3';

/** A lease kept alive in the background. */
export interface Lease {
  /** The lease id, for puts bound to it (`op.put(..., { lease })`). */
  readonly id: string;
  /** Calls `listener` once if the lease is lost (expired, revoked elsewhere, etcd gone too long). */
  onLost(listener: (error: Error) => void): void;
  /** Revokes the lease: every key bound to it is deleted at once. */
  revoke(): Promise<void>;
  /** Stops keeping the lease alive without revoking it; it expires after its TTL. */
  release(): void;
}

/**
 * Grants a lease of `ttlSeconds` and keeps it alive, unless `isKeptAlive` is
 * false: then it simply expires after its TTL, which may be days (etcd3's
 * keep-alive timers cannot count that far: Node fires a timer of more than
 * about 24.8 days at once).
 */
export async function openLease(
  client: etcd.Etcd3,
  ttlSeconds: number,
  isKeptAlive = true,
): Promise<Lease> {
  const lease = client.lease(ttlSeconds, { autoKeepAlive: isKeptAlive });
  // etcd3 emits 'lost' on the lease object; without a listener it would be
  // an unhandled error event.
  const listeners: Array<(error: Error) => void> = [];
  let lost: Error | undefined;
  lease.on('lost', (error: Error) => {
    lost = error;
    for (const l of listeners.splice(0)) l(error);
  });
  const id = await lease.grant();
  return {
    id,
    onLost(listener) {
      if (lost !== undefined) listener(lost);
      else listeners.push(listener);
    },
    async revoke() {
      if (!lease.revoked()) await lease.revoke();
    },
    release() {
      lease.release();
    },
  };
}
