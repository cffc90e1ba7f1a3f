import { Code, isChamberError } from '@chamber/errors';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CachedView, cmp, op, Store, type Codec, type WatchEvent } from '../src/index.js';

interface Blade {
  name: string;
  cores: number;
}
const Blade: Codec<Blade> = {
  fromJSON: (o) => o as Blade,
  toJSON: (b) => b,
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

/** `promise`, or a rejection naming `what` if it has not settled within the wait budget. */
async function settles<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not settle within ${budgets.waitMs} ms`)),
      budgets.waitMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('Store', () => {
  it('stores records as proto3 JSON under /chamber/v1/<simulation>/', async () => {
    const store = await connect('keys');
    await store.put(Blade, 'racks/r1/blade/1', { name: 'b1', cores: 32 });
    const raw = await store.getRaw('racks/r1/blade/1');
    expect(raw?.value).toBe('{"name":"b1","cores":32}');
    expect(store.absoluteKey('racks/r1/blade/1')).toBe(
      `/chamber/v1/${store.simulation}/racks/r1/blade/1`,
    );
  });

  it('reads a key and a prefix as they were at an earlier revision', async () => {
    const store = await connect('revisions');
    const r1 = await store.put(Blade, 'blades/b1', { name: 'b1', cores: 1 });
    await store.put(Blade, 'blades/b2', { name: 'b2', cores: 1 });
    await store.put(Blade, 'blades/b1', { name: 'b1', cores: 2 });
    expect((await store.get(Blade, 'blades/b1'))?.value.cores).toBe(2);
    expect((await store.get(Blade, 'blades/b1', { revision: r1 }))?.value.cores).toBe(1);
    const then = await store.list(Blade, 'blades/', { revision: r1 });
    expect(then.entries.map((e) => e.key)).toEqual(['blades/b1']);
    expect(then.revision).toBe(r1);
  });

  it('finds the last write under a prefix in a span of revisions that still stands at its end', async () => {
    const store = await connect('last-write');
    const before = await store.put(Blade, 'blades/a', { name: 'a', cores: 1 });
    const b = await store.put(Blade, 'blades/b', { name: 'b', cores: 1 });
    const a = await store.put(Blade, 'blades/a', { name: 'a', cores: 2 });
    const outside = await store.put(Blade, 'other/c', { name: 'c', cores: 1 });
    // The last write under blades/ in (before, outside]: a's second, not c's.
    expect(await store.lastWriteBetween('blades/', before, outside)).toBe(a);
    // Read as the span's end left it: b's write, a's not yet.
    expect(await store.lastWriteBetween('blades/', before, b)).toBe(b);
    expect(await store.lastWriteBetween('blades/', a, outside)).toBeUndefined();
    expect(await store.lastWriteBetween('blades/', outside, before)).toBeUndefined();
  });

  it('lists more keys than one page, in key order, at one revision', async () => {
    const store = await connect('pages');
    const count = 17_000; // more than two pages
    const ops = Array.from({ length: count }, (_, i) =>
      op.put(Blade, `blade/${String(i).padStart(5, '0')}`, { name: `b${i}`, cores: i }),
    );
    await store.writeChunked([], ops);
    const { entries } = await store.list(Blade, 'blade/');
    expect(entries).toHaveLength(count);
    expect(entries[0]!.key).toBe('blade/00000');
    expect(entries[count - 1]!.key).toBe('blade/16999');
    expect(await store.listKeys('blade/')).toHaveLength(count);
    expect(await store.deletePrefix('blade/')).toBe(count);
    expect((await store.listRaw('blade/')).entries).toHaveLength(0);
  });

  it('writes chunks several at a time, the last one last; a key written twice ends with its last value', async () => {
    const store = await connect('chunked');
    const ops = Array.from({ length: 1_000 }, (_, i) =>
      op.put(Blade, `blade/${String(i).padStart(4, '0')}`, { name: `b${i}`, cores: i }),
    );
    ops.push(op.put(Blade, 'done', { name: 'done', cores: 0 }));
    const revisions = new Map<string, number>();
    const watch = await store.watch('', {}, (events) => {
      for (const e of events) revisions.set(e.key, e.modRevision);
    });
    const progress: number[] = [];
    const { revision } = await store.writeChunked([], ops, (written) => {
      progress.push(written);
    });
    const done = (await store.getRaw('done'))!;
    expect(done.modRevision).toBe(revision);
    expect(progress[progress.length - 1]).toBe(ops.length);
    expect((await store.listKeys('blade/')).length).toBe(1_000);
    await expect.poll(() => revisions.get('done')).toBe(revision);
    expect(Math.max(...[...revisions.values()])).toBe(revision);
    await watch.cancel();

    // A key written twice (in the first chunk and the third): one chunk at a
    // time, in order, so its last value stays.
    const twice = Array.from({ length: 400 }, (_, i) =>
      op.put(Blade, `twice/${String(i).padStart(3, '0')}`, { name: 'first', cores: i }),
    );
    twice[300] = op.put(Blade, 'twice/000', { name: 'last', cores: 0 });
    await store.writeChunked([], twice);
    expect((await store.get(Blade, 'twice/000'))?.value.name).toBe('last');
  });

  it('lists values too large for one gRPC message by shrinking the page', async () => {
    const store = await connect('big');
    const big = 'x'.repeat(60_000);
    await store.writeChunked(
      [],
      Array.from({ length: 120 }, (_, i) =>
        op.putRaw(`big/${String(i).padStart(3, '0')}`, JSON.stringify(big)),
      ),
    );
    // 7 MB in all: more than grpc-js accepts in one message (4 MB).
    const { entries } = await store.listRaw('big/');
    expect(entries).toHaveLength(120);
    expect(entries[119]!.key).toBe('big/119');
  });

  it('applies a transaction only when its compares hold', async () => {
    const store = await connect('txn');
    const rev = await store.put(Blade, 'wanted/b1', { name: 'b1', cores: 1 });
    const stale = await store.txn(
      [cmp.modRevision('wanted/b1', '==', rev - 1)],
      [op.put(Blade, 'wanted/b1', { name: 'b1', cores: 9 })],
    );
    expect(stale.succeeded).toBe(false);
    expect((await store.get(Blade, 'wanted/b1'))?.value.cores).toBe(1);
    const fresh = await store.txn(
      [cmp.modRevision('wanted/b1', '==', rev)],
      [op.put(Blade, 'wanted/b1', { name: 'b1', cores: 9 })],
    );
    expect(fresh.succeeded).toBe(true);
    expect((await store.get(Blade, 'wanted/b1'))?.modRevision).toBe(fresh.revision);
  });

  it('refuses a transaction of more operations than etcd allows', async () => {
    const store = await connect('big');
    const ops = Array.from({ length: 129 }, (_, i) => op.delete(`x/${i}`));
    await expect(store.txn([], ops)).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it('watches a prefix from a past revision, in order, and nothing outside it', async () => {
    const store = await connect('watch');
    const from = await store.put(Blade, 'blades/b1', { name: 'b1', cores: 1 });
    await store.put(Blade, 'other/x', { name: 'x', cores: 0 });
    await store.delete('blades/b1');
    const seen: WatchEvent[] = [];
    const done = new Promise<void>((resolve) => {
      void store.watch('blades/', { fromRevision: from }, (events) => {
        seen.push(...events);
        if (seen.length >= 2) resolve();
      });
    });
    await done;
    expect(seen.map((e) => [e.type, e.key])).toEqual([
      ['put', 'blades/b1'],
      ['delete', 'blades/b1'],
    ]);
  });

  it('gives watches of their own (isShared: false) their prefix only, each in revision order', async () => {
    const store = await connect('own-watch');
    const from = (await store.currentRevision()) + 1;
    const seen: Array<[string, number]> = [];
    const watches = await Promise.all(
      ['blades/', 'time/'].map((prefix) =>
        store.watch(prefix, { fromRevision: from, isShared: false }, (events) => {
          for (const e of events) seen.push([e.key, e.modRevision]);
        }),
      ),
    );
    for (let i = 0; i < 5; i++) {
      await store.put(Blade, `blades/b${i}`, { name: `b${i}`, cores: i });
      await store.put(Blade, `marks/p${i}`, { name: 'p', cores: 0 });
      await store.put(Blade, 'time/tick', { name: 't', cores: i });
    }
    await expect.poll(() => seen.length).toBe(10);
    // Each watch in revision order; etcd does not order one watch's
    // responses against another's when a watcher falls behind (under load).
    for (const prefix of ['blades/', 'time/']) {
      const mine = seen.filter(([key]) => key.startsWith(prefix));
      expect(mine.map(([key]) => key)).toEqual(
        [0, 1, 2, 3, 4].map((i) => (prefix === 'blades/' ? `blades/b${i}` : 'time/tick')),
      );
      expect(mine.map(([, r]) => r)).toEqual([...mine.map(([, r]) => r)].sort((a, b) => a - b));
    }
    await Promise.all(watches.map((w) => w.cancel()));
  });

  it('follows several prefixes as one watch: their events only, in revision order, no call without them', async () => {
    const store = await connect('multi-watch');
    const from = (await store.currentRevision()) + 1;
    const calls: WatchEvent[][] = [];
    const all: WatchEvent[] = [];
    const followed = await store.watch(['blades/', 'time/tick'], { fromRevision: from }, (e) =>
      calls.push(e),
    );
    const everything = await store.watch('', { fromRevision: from }, (e) => all.push(...e));
    for (let i = 0; i < 3; i++) {
      await store.put(Blade, `blades/b${i}`, { name: `b${i}`, cores: i });
      await store.put(Blade, 'time/control', { name: 'c', cores: i });
      await store.txn(
        [],
        [
          op.put(Blade, 'time/tick', { name: 't', cores: i }),
          op.put(Blade, 'time/settled', { name: 's', cores: i }),
        ],
      );
    }
    // Every write has reached the feed (it delivers to all its watches at once).
    await expect.poll(() => all.length).toBe(12);
    const expected = [0, 1, 2].flatMap((i) => [`blades/b${i}`, 'time/tick']);
    // Only the followed keys, and no call without one (etcd may put several
    // revisions in one response when the watch falls behind, as under load).
    expect(calls.every((events) => events.length > 0)).toBe(true);
    expect(calls.flat().map((e) => e.key)).toEqual(expected);
    const revisions = calls.flat().map((e) => e.modRevision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    // A watch joining later from that revision gets the same from the feed's memory.
    const late: WatchEvent[] = [];
    const replayed = await store.watch(['time/tick', 'blades/'], { fromRevision: from }, (e) =>
      late.push(...e),
    );
    expect(late.map((e) => e.key)).toEqual(expected);
    await expect(
      store.watch(['blades/', 'time/'], { isShared: false }, () => undefined),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
    await Promise.all([followed, everything, replayed].map((w) => w.cancel()));
  });

  it('lets a watch be cancelled twice, concurrently and again later', async () => {
    // Shutdown paths may each cancel the same watch; every call must settle.
    // etcd3's own cancel() hangs when called again while another watch keeps
    // the client's watch stream open: `live` keeps it open while `past` (from
    // an old revision, so an etcd watch of its own) is cancelled.
    const store = await connect('watch-cancel');
    const from = await store.put(Blade, 'blades/b1', { name: 'b1', cores: 1 });
    const live = await store.watch('other/', {}, () => undefined);
    const past = await store.watch('blades/', { fromRevision: from }, () => undefined);
    for (const [name, handle] of [
      ['a watch from the past', past],
      ['a live watch', live],
    ] as const) {
      await settles(
        Promise.all([handle.cancel(), handle.cancel()]),
        `${name}: two concurrent cancel()s`,
      );
      await settles(handle.cancel(), `${name}: cancel() once more`);
    }
  });

  it('fails with Unavailable naming the endpoint when etcd cannot be reached', async () => {
    const error: unknown = await Store.connect({
      endpoints: ['http://127.0.0.1:9'],
      simulation: 'x',
      dialTimeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(isChamberError(error) && error.code).toBe(Code.Unavailable);
    expect((error as Error).message).toContain('cannot reach etcd at http://127.0.0.1:9');
  });

  it('rejects an invalid simulation name', async () => {
    await expect(
      Store.connect({ endpoints: etcdEndpoints(), simulation: 'Bad Name' }),
    ).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});

describe('CachedView', () => {
  it('catches up to exactly a revision, not past it', async () => {
    const store = await connect('view');
    const view = await CachedView.open(store, ['blades/']);
    const r1 = await store.put(Blade, 'blades/b1', { name: 'b1', cores: 1 });
    const r2 = await store.put(Blade, 'blades/b1', { name: 'b1', cores: 2 });
    await store.put(Blade, 'blades/b2', { name: 'b2', cores: 1 });
    await view.catchUp(r1);
    expect(view.revision).toBe(r1);
    expect(view.value(Blade, 'blades/b1')?.cores).toBe(1);
    expect(view.getRaw('blades/b2')).toBeUndefined();
    await view.catchUp(r2);
    expect(view.value(Blade, 'blades/b1')?.cores).toBe(2);
    expect(view.getRaw('blades/b2')).toBeUndefined();
    await view.close();
  });

  it('loads at a revision and follows applied events', async () => {
    const store = await connect('view-load');
    const r1 = await store.put(Blade, 'blades/b1', { name: 'b1', cores: 1 });
    await store.put(Blade, 'blades/b2', { name: 'b2', cores: 1 });
    const view = await CachedView.load(store, ['blades/'], r1);
    expect(view.list(Blade, 'blades/').map((e) => e.key)).toEqual(['blades/b1']);
    view.apply([
      {
        type: 'delete',
        key: 'blades/b1',
        value: undefined,
        modRevision: r1 + 5,
        createRevision: 0,
      },
    ]);
    expect(view.size).toBe(0);
    expect(() =>
      view.apply([
        { type: 'delete', key: 'blades/b1', value: undefined, modRevision: r1, createRevision: 0 },
      ]),
    ).toThrow(/older than the view/);
  });

  it('lists in key order while keys are created, deleted and created again between lists', async () => {
    const store = await connect('view-order');
    const r1 = await store.put(Blade, 'blades/b5', { name: 'b5', cores: 1 });
    await store.put(Blade, 'blades/b1', { name: 'b1', cores: 1 });
    const view = await CachedView.load(store, ['blades/', 'racks/']);
    let revision = view.revision;
    const event = (type: 'put' | 'delete', key: string): WatchEvent => ({
      type,
      key,
      value: type === 'put' ? JSON.stringify({ name: key, cores: 1 }) : undefined,
      modRevision: ++revision,
      createRevision: r1,
    });
    const listed = (): string[] => view.listRaw('').map((e) => e.key);
    expect(listed()).toEqual(['blades/b1', 'blades/b5']);
    view.apply([event('put', 'blades/b3'), event('put', 'racks/b0'), event('put', 'blades/b0')]);
    view.apply([event('put', 'blades/b3')]); // an update: listed once
    expect(listed()).toEqual(['blades/b0', 'blades/b1', 'blades/b3', 'blades/b5', 'racks/b0']);
    view.apply([
      event('delete', 'blades/b1'),
      event('put', 'blades/b2'),
      event('delete', 'blades/b2'),
    ]);
    // Deleted and created again before the next list: once, in its place.
    view.apply([
      event('delete', 'blades/b5'),
      event('put', 'blades/b5'),
      event('put', 'blades/b4'),
    ]);
    expect(listed()).toEqual(['blades/b0', 'blades/b3', 'blades/b4', 'blades/b5', 'racks/b0']);
    expect(view.listRaw('blades/b').map((e) => e.key)).toEqual([
      'blades/b0',
      'blades/b3',
      'blades/b4',
      'blades/b5',
    ]);
    expect(view.listRaw('racks/').map((e) => e.key)).toEqual(['racks/b0']);
    // Many keys created and deleted with no list between (merged along the way): the same order.
    for (let n = 0; n < 3_000; n++) view.apply([event('put', `racks/c${n}`)]);
    for (let n = 0; n < 3_000; n += 2) view.apply([event('delete', `racks/c${n}`)]);
    expect(view.listRaw('racks/').map((e) => e.key)).toEqual(
      ['racks/b0', ...Array.from({ length: 1_500 }, (_, k) => `racks/c${2 * k + 1}`)].sort(),
    );
    await store.put(Blade, 'blades/a9', { name: 'a9', cores: 1 });
    await view.reload(store);
    expect(listed()).toEqual(['blades/a9', 'blades/b1', 'blades/b5']);
  });

  it('keeps one order per prefix, and lists across nested prefixes in key order', async () => {
    const store = await connect('view-nested');
    for (const key of ['notes/a', 'notes/faults/x', 'notes/z', 'blades/b1'])
      await store.put(Blade, key, { name: key, cores: 1 });
    const view = await CachedView.load(store, ['notes/', 'notes/faults/', 'blades/']);
    const keysOf = (prefix: string): string[] => view.listRaw(prefix).map((e) => e.key);
    expect(keysOf('notes/')).toEqual(['notes/a', 'notes/faults/x', 'notes/z']);
    expect(keysOf('notes/faults/')).toEqual(['notes/faults/x']);
    expect(keysOf('')).toEqual(['blades/b1', 'notes/a', 'notes/faults/x', 'notes/z']);
    view.apply([
      {
        type: 'put',
        key: 'notes/faults/b',
        value: JSON.stringify({ name: 'b', cores: 1 }),
        modRevision: view.revision + 1,
        createRevision: view.revision + 1,
      },
    ]);
    expect(keysOf('notes/f')).toEqual(['notes/faults/b', 'notes/faults/x']);
    expect(keysOf('notes/')).toEqual(['notes/a', 'notes/faults/b', 'notes/faults/x', 'notes/z']);
  });
});

describe('leadership', () => {
  it('lets one campaigner lead and hands over when it resigns', async () => {
    const store = await connect('election');
    const first = await store.campaign('stepper', 'a');
    let secondLeads = false;
    const second = store.campaign('stepper', 'b').then((l) => {
      secondLeads = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(secondLeads).toBe(false);
    // A write guarded by the first term succeeds only while it leads.
    expect((await store.txn([first.guard], [op.putRaw('time/x', '1')])).succeeded).toBe(true);
    let lost = false;
    first.onLost(() => (lost = true));
    await first.resign();
    const l2 = await second;
    expect(lost).toBe(true);
    expect((await store.txn([first.guard], [op.putRaw('time/x', '2')])).succeeded).toBe(false);
    expect((await store.txn([l2.guard], [op.putRaw('time/x', '3')])).succeeded).toBe(true);
    await l2.resign();
  });
});
