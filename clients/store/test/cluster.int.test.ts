import { Code, isChamberError } from '@chamber/errors';
import {
  budgets,
  etcdEndpoints,
  etcdProxy,
  startEtcdCluster,
  uniqueSimulation,
  type EtcdCluster,
} from '@chamber/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cmp, op, Store, type WatchEvent } from '../src/index.js';

const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});
async function connect(endpoints: readonly string[], simulation: string): Promise<Store> {
  const store = await Store.connect({ endpoints, simulation, dialTimeoutMs: budgets.waitMs });
  stores.push(store);
  return store;
}

describe('Store.txn after an attempt whose answer was lost', () => {
  it('reports a guarded write that landed as succeeded, not as a failed compare', async () => {
    const simulation = uniqueSimulation('lost-answer');
    const direct = await connect(etcdEndpoints(), simulation);
    // Every answer etcd sends through the proxy comes a second late: time to
    // see the write land and cut the connection before its answer arrives.
    const proxy = await etcdProxy(new URL(etcdEndpoints()[0]!), { lagToClientMs: 1_000 });
    const viaProxy = await connect([proxy.endpoint], simulation);
    let hasSettled = false;
    const writing = viaProxy
      .txn([cmp.modRevision('counter', '==', 0)], [op.putRaw('counter', '1')])
      .finally(() => (hasSettled = true));
    await expect.poll(async () => (await direct.getRaw('counter'))?.value).toBe('1');
    expect(hasSettled).toBe(false);
    await proxy.cut();
    await proxy.restore();
    // Tried again, its compare no longer holds: its own write changed the key.
    const result = await writing;
    expect(result).toEqual({
      succeeded: true,
      revision: (await direct.getRaw('counter'))!.modRevision,
    });
    await proxy.cut();
  });
});

describe('Store on a 3-member etcd cluster', () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await startEtcdCluster({ startTimeoutMs: budgets.startMs });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('lands every guarded write exactly once and watches every change once while leaders are killed', async () => {
    const simulation = uniqueSimulation('cluster');
    const store = await connect(cluster.endpoints, simulation);
    const watcher = await connect(cluster.endpoints, simulation);
    const seen: string[] = [];
    const watch = await watcher.watch('counter', { isShared: false }, (events: WatchEvent[]) => {
      for (const e of events) seen.push(e.value!);
    });
    const lease = await store.grantLease(30);
    let lostLease: Error | undefined;
    lease.onLost((error) => (lostLease = error));

    // One writer: each write moves the counter on from the revision it last
    // wrote, so a compare that fails means a write reported wrongly.
    let written = 0;
    let revision = 0;
    let isStopping = false;
    const failures: string[] = [];
    let longestMs = 0;
    const writer = (async () => {
      while (!isStopping) {
        const next = written + 1;
        const startedAt = performance.now();
        try {
          const result = await store.txn(
            [cmp.modRevision('counter', '==', revision)],
            [op.putRaw('counter', String(next)), op.putRaw(`writes/${next}`, String(next))],
          );
          if (!result.succeeded) throw new Error(`write ${next} was reported as a failed compare`);
          written = next;
          revision = result.revision;
        } catch (error) {
          // A clear failure: etcd unavailable for longer than the retries.
          if (!isChamberError(error) || error.code !== Code.Unavailable) throw error;
          failures.push(error.message);
          const now = await store.getRaw('counter');
          if (now?.value === String(next)) [written, revision] = [next, now.modRevision];
        }
        longestMs = Math.max(longestMs, performance.now() - startedAt);
      }
    })();
    const progress = async (writes: number): Promise<void> => {
      const target = written + writes;
      await expect.poll(() => written, { timeout: budgets.waitMs }).toBeGreaterThanOrEqual(target);
    };

    await progress(30);
    for (let round = 0; round < 2; round++) {
      const leader = await cluster.leader();
      expect(leader).toBeTypeOf('number');
      await cluster.kill(leader!);
      await progress(30);
      await cluster.restart(leader!);
      await progress(30);
    }
    isStopping = true;
    await writer;

    const expected = Array.from({ length: written }, (_, i) => String(i + 1));
    expect((await store.getRaw('counter'))?.value).toBe(String(written));
    expect((await store.listKeys('writes/')).length).toBe(written);
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(written);
    expect(seen).toEqual(expected);
    expect(lostLease).toBeUndefined();
    expect(failures).toEqual([]);
    console.log(
      `${written} guarded writes across 2 leader kills; longest write ${Math.round(longestMs)} ms`,
    );
    await watch.cancel();
    await lease.revoke();
  });
});
