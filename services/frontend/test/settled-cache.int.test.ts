import { Store } from '@chamber/store';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreFeed } from '../src/feeds.js';
import { SettledCache } from '../src/settled-cache.js';

let store: Store | undefined;
let cache: SettledCache | undefined;
let feed: StoreFeed | undefined;
afterEach(async () => {
  await cache?.close();
  await feed?.close();
  store?.close();
});

const put = (key: string, value: unknown) =>
  store!.txn([], [{ type: 'put', key, value: JSON.stringify(value) }]);

describe('the settled cache', () => {
  it('keeps an answer until the next settle, which a clock answer waits to have seen', async () => {
    store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('cache'),
    });
    await put(keys.clockTick, { tick: 3, run: 1 });
    await put(keys.clockSettled, { tick: 3, run: 1 });
    feed = await StoreFeed.open(store);
    cache = await SettledCache.open(store, feed);
    let loads = 0;
    const load = () => Promise.resolve({ answer: ++loads });

    expect(await cache.get('/a', load)).toBe('{"answer":1}');
    expect(await cache.get('/a', load)).toBe('{"answer":1}'); // kept
    expect(await cache.get('/b', load)).toBe('{"answer":2}'); // by URL

    await put(keys.clockTick, { tick: 4, run: 1 });
    await put(keys.clockSettled, { tick: 4, run: 1 });
    await cache.caughtUp(1, 4); // what a clock answer for tick 4 waits for
    expect(await cache.get('/a', load)).toBe('{"answer":3}'); // dropped at the settle

    // During a reset nothing is kept.
    await put(keys.clockTick, { tick: 4, run: 1, resetting: true });
    await put(keys.clockSettled, { tick: 4, run: 1 });
    await cache.caughtUp(1, 4);
    expect(await cache.get('/a', load)).toBe('{"answer":4}');
    expect(await cache.get('/a', load)).toBe('{"answer":5}');
  });

  it('answers at once for a tick already seen, and waits for one not yet settled', async () => {
    store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('cache'),
    });
    await put(keys.clockSettled, { tick: 7, run: 2 });
    feed = await StoreFeed.open(store);
    cache = await SettledCache.open(store, feed);
    await cache.caughtUp(2, 7);
    await cache.caughtUp(1, 100); // an earlier run
    let isDone = false;
    const waiting = cache.caughtUp(2, 8).then(() => (isDone = true));
    await new Promise((r) => setImmediate(r));
    expect(isDone).toBe(false);
    await put(keys.clockSettled, { tick: 8, run: 2 });
    await waiting;
    expect(isDone).toBe(true);
  });
});
