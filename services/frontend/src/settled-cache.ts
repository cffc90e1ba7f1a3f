import { SettledRecord, TickRecord } from '@chamber/protos';
import { decode, type Store } from '@chamber/store';
import { keys } from '@chamber/world';
import type { StoreFeed } from './feeds.js';

/** How long a clock answer waits at most for the frontend to see its tick settle. */
const catchUpLimitMs = 2_000;

/** An answer kept by the cache. */
export interface KeptAnswer {
  readonly json: string;
  /** Its JSON as UTF-8, encoded once for every request that reads it. */
  readonly bytes: Buffer;
  /** What the caller of {@link SettledCache.get} kept with it (the route). */
  readonly tag: string;
}

interface Settle {
  readonly revision: number;
  readonly run: number;
  readonly tick: number;
}

/**
 * The JSON answers of inventory reads, kept while no new tick settles.
 *
 * The world changes only tick by tick: until the next settle, reading an
 * element again gives what the last read gave, or something newer from the
 * tick in flight. So answers are kept under the last settle this frontend
 * has seen, followed through the frontend's store feed of the clock's records
 * (the one the event stream uses), and dropped at the next. Nothing
 * is kept during a reset or before the first settle; errors never are.
 *
 * Freshness: the frontend's clock answers wait until this watch has seen
 * the tick they report settled ({@link caughtUp}), and the event stream
 * comes from the same watch, so a caller who learned of a tick through this
 * frontend reads that tick's world. A caller who learned of it elsewhere
 * (the stepper's gRPC API, another replica) may read the tick before for as
 * long as the watch takes to deliver, typically under a millisecond.
 */
export class SettledCache {
  private readonly answers = new Map<string, KeptAnswer>();
  private settle: Settle | undefined;
  private isResetting = false;
  private stop: (() => void) | undefined;
  private waiters: Array<{ run: number; tick: number; resolve: () => void }> = [];
  private readonly maxAnswers: number;

  private constructor(maxAnswers: number) {
    this.maxAnswers = maxAnswers;
  }

  /**
   * Reads the clock's records and follows them through `feed`; reads them
   * again when the feed falls behind a compaction (the kept answers go).
   */
  static async open(store: Store, feed: StoreFeed, maxAnswers = 10_000): Promise<SettledCache> {
    const cache = new SettledCache(maxAnswers);
    const load = async (at?: number): Promise<number> => {
      const { entries, revision } = await store.listRaw(
        keys.clockPrefix,
        at === undefined ? {} : { revision: at },
      );
      cache.answers.clear();
      for (const e of entries) cache.apply(e.key, e.value, e.modRevision);
      return revision;
    };
    const revision = await load();
    cache.stop = await feed.subscribe(
      ['clock'],
      { fromRevision: revision + 1, onReload: async (at) => void (await load(at)) },
      (events) => {
        for (const e of events) cache.apply(e.key, e.event.value, e.revision);
      },
    );
    return cache;
  }

  close(): Promise<void> {
    this.stop?.();
    for (const w of this.waiters.splice(0)) w.resolve();
    return Promise.resolve();
  }

  /**
   * The JSON of `load()`'s answer for `key` (a request URL), as of the last
   * settle seen; `tag` is kept with it for {@link peek} (the route that
   * answered).
   */
  async get(key: string, load: () => Promise<unknown>, tag = ''): Promise<string> {
    const settle = this.settle;
    if (settle === undefined || this.isResetting) return JSON.stringify(await load());
    const kept = this.answers.get(key);
    if (kept !== undefined) return kept.json;
    const json = JSON.stringify(await load());
    if (this.settle === settle && !this.isResetting) {
      if (this.answers.size >= this.maxAnswers) {
        const oldest = this.answers.keys().next().value;
        if (oldest !== undefined) this.answers.delete(oldest);
      }
      this.answers.set(key, { json, tag, bytes: Buffer.from(json) });
    }
    return json;
  }

  /** The answer kept for `key` now, if any: what {@link get} would answer without loading. */
  peek(key: string): KeptAnswer | undefined {
    return this.settle === undefined || this.isResetting ? undefined : this.answers.get(key);
  }

  /**
   * Resolves once this frontend has seen tick `tick` of run `run` settle (at
   * once when it has), or after {@link catchUpLimitMs} when the watch is
   * stuck, so a clock answer is never held for long.
   */
  caughtUp(run: number, tick: number): Promise<void> {
    if (this.hasSeen(run, tick)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, catchUpLimitMs);
      this.waiters.push({
        run,
        tick,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private hasSeen(run: number, tick: number): boolean {
    const s = this.settle;
    return s !== undefined && (s.run > run || (s.run === run && s.tick >= tick));
  }

  private apply(key: string, value: string | undefined, revision: number): void {
    if (key === keys.clockTick) {
      this.isResetting = value !== undefined && decode(TickRecord, key, value).resetting;
      if (this.isResetting) this.answers.clear();
      return;
    }
    if (key !== keys.clockSettled) return;
    this.answers.clear();
    const settled = value === undefined ? undefined : decode(SettledRecord, key, value);
    this.settle =
      settled === undefined ? undefined : { revision, run: settled.run, tick: settled.tick };
    const ready = this.waiters.filter((w) => this.hasSeen(w.run, w.tick));
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
