import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Client endpoints of the private etcd started once for this test run. */
    etcdEndpoints: string[];
  }
}

/**
 * The endpoints of the private etcd that the global setup started for this
 * test run (free ports, temporary data dir). Fails outside vitest.
 */
export function etcdEndpoints(): string[] {
  return inject('etcdEndpoints');
}

/**
 * A simulation name no other test uses, so each test owns its own key prefix
 * `/chamber/v1/<name>/` in the shared etcd.
 */
export function uniqueSimulation(label = 't'): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 24);
  return `${safe}-${randomBytes(4).toString('hex')}`;
}
