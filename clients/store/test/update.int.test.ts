import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { op, Store, updateRecord, type Codec } from '../src/index.js';

interface Counter {
  count: number;
  by: string[];
}
const Counter: Codec<Counter> = {
  fromJSON: (o) => o as Counter,
  toJSON: (c) => c,
};

const stores: Store[] = [];
async function connect(label: string): Promise<Store> {
  const store = await Store.connect({
    endpoints: etcdEndpoints(),
    simulation: uniqueSimulation(label),
  });
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** A change that counts one more, by `who`. */
const increment =
  (who: string) =>
  (current: { value: Counter } | undefined): Counter => ({
    count: (current?.value.count ?? 0) + 1,
    by: [...(current?.value.by ?? []), who],
  });

/**
 * The revision of the last write under the test's own simulation prefix
 * (other tests write to the same etcd at the same time).
 */
async function lastWrite(store: Store): Promise<number> {
  const { entries } = await store.listRaw('');
  return Math.max(0, ...entries.map((e) => e.modRevision));
}

describe('updateRecord', () => {
  it('creates a missing record and updates it, returning what it wrote at the revision of the write', async () => {
    const store = await connect('cas-create');
    const created = await updateRecord(store, Counter, 'counters/a', increment('x'));
    expect(created).toEqual({
      value: { count: 1, by: ['x'] },
      revision: created.revision,
      isWritten: true,
    });
    const updated = await updateRecord(store, Counter, 'counters/a', increment('y'));
    expect(updated.value).toEqual({ count: 2, by: ['x', 'y'] });
    const stored = await store.get(Counter, 'counters/a');
    expect(stored?.value).toEqual(updated.value);
    expect(stored?.modRevision).toBe(updated.revision);
  });

  it('reads again and decides again when another writer changed the record in between: no update is lost', async () => {
    const store = await connect('cas-conflict');
    await store.put(Counter, 'counters/a', { count: 1, by: ['first'] });
    const seen: number[] = [];
    const result = await updateRecord(store, Counter, 'counters/a', async (current) => {
      seen.push(current!.value.count);
      // Another writer gets there between our read and our write, once.
      if (seen.length === 1) await store.put(Counter, 'counters/a', { count: 5, by: ['other'] });
      return increment('us')(current);
    });
    expect(seen).toEqual([1, 5]);
    expect(result.value).toEqual({ count: 6, by: ['other', 'us'] });
    expect((await store.get(Counter, 'counters/a'))?.value).toEqual(result.value);
  });

  it('guards a missing record on its absence: a record created meanwhile is read and updated', async () => {
    const store = await connect('cas-absent');
    let calls = 0;
    const result = await updateRecord(store, Counter, 'counters/new', async (current) => {
      if (calls++ === 0) await store.put(Counter, 'counters/new', { count: 10, by: ['other'] });
      return increment('us')(current);
    });
    expect(result.value).toEqual({ count: 11, by: ['other', 'us'] });
  });

  it('loses no update among concurrent writers', async () => {
    const store = await connect('cas-concurrent');
    const writers = ['a', 'b', 'c', 'd', 'e', 'f'];
    await Promise.all(
      writers.map((w) =>
        updateRecord(store, Counter, 'counters/a', increment(w), { maxAttempts: 50 }),
      ),
    );
    const stored = await store.get(Counter, 'counters/a');
    expect(stored?.value.count).toBe(writers.length);
    expect([...stored!.value.by].sort()).toEqual(writers);
  });

  it('writes nothing when the change leaves the record unchanged', async () => {
    const store = await connect('cas-unchanged');
    const revision = await store.put(Counter, 'counters/a', { count: 3, by: [] });
    const result = await updateRecord(store, Counter, 'counters/a', () => undefined);
    expect(result).toEqual({ value: { count: 3, by: [] }, revision, isWritten: false });
    expect(await lastWrite(store)).toBe(revision);
    expect(await updateRecord(store, Counter, 'counters/none', () => undefined)).toBeUndefined();
    expect(await store.getRaw('counters/none')).toBeUndefined();
    expect(await lastWrite(store)).toBe(revision);
  });

  it('rejects with the change’s error and writes nothing when the change refuses', async () => {
    const store = await connect('cas-refuse');
    const revision = await store.put(Counter, 'counters/a', { count: 3, by: [] });
    const refusal = updateRecord(store, Counter, 'counters/a', () => {
      throw new ChamberError(Code.FailedPrecondition, 'counter "a" is frozen');
    });
    await expect(refusal).rejects.toSatisfy(
      (e) =>
        isChamberError(e) &&
        e.code === Code.FailedPrecondition &&
        e.message === 'counter "a" is frozen',
    );
    expect(await lastWrite(store)).toBe(revision);
  });

  it('gives up with Aborted after its attempts when the record keeps changing, writing nothing of its own', async () => {
    const store = await connect('cas-exhausted');
    await store.put(Counter, 'counters/a', { count: 0, by: [] });
    let calls = 0;
    const update = updateRecord(
      store,
      Counter,
      'counters/a',
      async (current) => {
        calls++;
        await store.put(Counter, 'counters/a', {
          count: current!.value.count + 100,
          by: ['other'],
        });
        return increment('us')(current);
      },
      { maxAttempts: 3 },
    );
    await expect(update).rejects.toSatisfy((e) => isChamberError(e) && e.code === Code.Aborted);
    expect(calls).toBe(3);
    expect((await store.get(Counter, 'counters/a'))?.value).toEqual({ count: 300, by: ['other'] });
  });

  it('writes alsoWrite in the same transaction as the record', async () => {
    const store = await connect('cas-also');
    const result = await updateRecord(store, Counter, 'counters/a', increment('x'), {
      alsoWrite: (next) => [op.putRaw('counters-log/a', JSON.stringify(next.count))],
    });
    const log = await store.getRaw('counters-log/a');
    expect(log?.value).toBe('1');
    expect(log?.modRevision).toBe(result.revision);
  });
});
