import { Store } from '@chamber/store';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { devicePath, keys, viewKey } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreFeed, type FeedEvent } from '../src/feeds.js';

let store: Store | undefined;
let feed: StoreFeed | undefined;
afterEach(async () => {
  await feed?.close();
  store?.close();
});

/** Puts `count` keys `keyOf(n)`, 100 to a transaction. */
async function putMany(
  s: Store,
  keyOf: (n: number) => string,
  count: number,
  from = 0,
): Promise<void> {
  for (let i = from; i < from + count; i += 100) {
    const n = Math.min(100, from + count - i);
    await s.txn(
      [],
      Array.from({ length: n }, (_, j) => ({
        type: 'put' as const,
        key: keyOf(i + j),
        value: JSON.stringify({ state: 'BLADE_STATE_WORKING', n: i + j }),
      })),
    );
  }
}

/** The actual record of blade `n` of one rack; a participant's ack. */
const bladeOf = (n: number): string => viewKey('actual', devicePath('r/z/k', 'blade', n));
const ackOf = (n: number): string => keys.ack(`p${n}`);

describe("the frontend's store feed", () => {
  it('hands every subscriber of a kind the same decoded events, and nothing of another kind', async () => {
    store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('feed'),
    });
    feed = await StoreFeed.open(store);
    const clocks: FeedEvent[] = [];
    const others: FeedEvent[] = [];
    const all: FeedEvent[] = [];
    const from = (await store.currentRevision()) + 1;
    await feed.subscribe(['clock'], { fromRevision: from }, (e) => clocks.push(...e));
    await feed.subscribe(['clock', 'actual'], { fromRevision: from }, (e) => all.push(...e));
    await feed.subscribe(['faults'], { fromRevision: from }, (e) => others.push(...e));
    await putMany(store, ackOf, 3);
    await putMany(store, bladeOf, 2);
    await store.txn([], [{ type: 'put', key: keys.clockTick, value: '{"tick":"4"}' }]);
    await expect.poll(() => clocks.length).toBe(1);
    await expect.poll(() => all.length).toBe(3);
    expect(all.map((e) => e.key)).toEqual([bladeOf(0), bladeOf(1), keys.clockTick]);
    expect(all[2]).toBe(clocks[0]); // the same object: decoded and framed once
    expect(clocks[0]!.field('tick')).toBe('4');
    expect(clocks[0]!.frame).toMatch(/^event: clock\ndata: \{"type":"put","key":"clock\/tick"/);
    expect(others).toEqual([]);
  });

  it('serves a subscriber from further back than it remembers with a watch of its own, then from itself, each change once in order', async () => {
    store = await Store.connect({
      endpoints: etcdEndpoints(),
      simulation: uniqueSimulation('feed'),
    });
    feed = await StoreFeed.open(store);
    const start = (await store.currentRevision()) + 1;
    // More than the feed keeps (4,096 events), and bookkeeping between.
    await putMany(store, bladeOf, 5_000);
    await putMany(store, ackOf, 10);
    const got: string[] = [];
    await feed.subscribe(['actual'], { fromRevision: start }, (events) =>
      got.push(...events.map((e) => e.key)),
    );
    await expect.poll(() => got.length).toBe(5_000);
    // Live changes after the catch-up come through the feed, once each.
    await putMany(store, bladeOf, 3, 5_000);
    await expect.poll(() => got.length).toBe(5_003);
    expect(got).toEqual(Array.from({ length: 5_003 }, (_, i) => bladeOf(i)));
  });
});
