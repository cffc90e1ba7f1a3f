import { ChamberError, Code } from '@chamber/errors';
import { decodeEntry, type Codec, type Entry, type RawEntry } from '@chamber/reactor';
import type { Store } from './store.js';
import type { WatchEvent, WatchHandle } from './watch.js';

/** Keys created since the last merge that a view holds before it merges them in, past its own size. */
const unmergedKeys = 1_024;

/**
 * The keys under one of a view's prefixes, in order as of the last list;
 * the keys created since wait in `added`, and deleted ones are still in
 * `sorted` until `hasDeletes` is acted on. A list merges them in (sorting
 * only the new keys), so a tick that creates a few keys does not sort them
 * all — and, one order per prefix, a new key under `pending/` costs a merge
 * of the pending keys, not of the 400,000 `definition/` and `actual/` keys
 * beside them.
 */
class KeyOrder {
  private sorted: string[] = [];
  private added: string[] = [];
  private hasDeletes = false;

  /** A key created (absent before). `has` tells which keys still exist, for a merge. */
  add(key: string, has: (key: string) => boolean): void {
    this.added.push(key);
    // An order nobody lists (keys created and deleted tick after tick) must
    // not keep every key it ever saw: merge once they outnumber it.
    if (this.added.length > unmergedKeys + this.sorted.length) this.keys(has);
  }

  /** A key deleted: left out at the next merge. */
  deleted(): void {
    this.hasDeletes = true;
  }

  /** Every key in order: the last order with the keys created since merged in and the deleted left out. */
  keys(has: (key: string) => boolean): string[] {
    if (this.added.length === 0 && !this.hasDeletes) return this.sorted;
    const added = this.added.sort();
    const old = this.sorted;
    const out: string[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      const key =
        j >= added.length || (i < old.length && old[i]! <= added[j]!) ? old[i++]! : added[j++]!;
      // A key deleted since (or deleted and created again, so listed twice) appears once, if it is here.
      if (key !== out[out.length - 1] && has(key)) out.push(key);
    }
    this.sorted = out;
    this.added = [];
    this.hasDeletes = false;
    return out;
  }
}

/**
 * An in-memory copy of the keys under some prefixes of a simulation, answering
 * reads from memory at one exact revision.
 *
 * Fed by events in revision order, either by its owner (`apply`, as the
 * participant protocol does between ticks) or by its own watch (`open` then
 * `catchUp(revision)`). Its own watch covers the whole simulation prefix and
 * filters in memory, so that seeing the event at a revision proves every
 * earlier event arrived: that is what makes catching up *exact*.
 */
export class CachedView {
  private readonly entries = new Map<string, RawEntry>();
  /** The order of the keys under each of the view's prefixes (a key's is its longest prefix's). */
  private orders = new Map<string, KeyOrder>();
  private readonly has = (key: string): boolean => this.entries.has(key);
  /** Decoded records by entry, so a record is parsed once per write, not once per read. */
  private readonly decoded = new WeakMap<
    RawEntry,
    { codec: Codec<unknown>; entry: Entry<unknown> }
  >();
  private readonly prefixes: readonly string[];
  private at: number;
  private pending: WatchEvent[] = [];
  private seen: number;
  private waiters: Array<{ revision: number; resolve: () => void }> = [];
  private watch: WatchHandle | undefined;

  private constructor(prefixes: readonly string[], revision: number) {
    // Longest first: a key's order is its longest prefix's.
    this.prefixes = [...new Set(prefixes)].sort((a, b) => b.length - a.length);
    this.at = revision;
    this.seen = revision;
  }

  /**
   * A view of `prefixes` loaded from the store at `revision` (the latest when
   * absent), fed by its owner through {@link apply}.
   */
  static async load(
    store: Store,
    prefixes: readonly string[],
    revision?: number,
  ): Promise<CachedView> {
    const view = new CachedView(prefixes, 0);
    await view.reload(store, revision);
    return view;
  }

  /**
   * Replaces what the view holds by the store's keys at `revision` (the
   * latest when absent), as a restart would: how an owner recovers after
   * its feed fell behind a compaction (see `WatchOptions.onCompacted`).
   * Resolves with the revision it reloaded at. Events up to it that are
   * still queued are dropped.
   */
  async reload(store: Store, revision?: number): Promise<number> {
    const at = revision ?? (await store.currentRevision());
    const entries = new Map<string, RawEntry>();
    for (const prefix of this.prefixes) {
      const list = await store.listRaw(prefix, { revision: at });
      for (const e of list.entries) entries.set(e.key, e);
    }
    this.entries.clear();
    this.orders = new Map();
    for (const [key, e] of entries) {
      this.entries.set(key, e);
      this.orderOf(key)!.add(key, this.has);
    }
    this.at = at;
    this.seen = Math.max(this.seen, at);
    this.pending = this.pending.filter((e) => e.modRevision > at);
    return at;
  }

  /**
   * A view of `prefixes` that follows the store by itself: loaded at
   * `revision` (the latest when absent), then watched. Reads answer at the
   * revision it was last caught up to; call {@link catchUp} to move it.
   * When its watch falls behind a compaction it reloads at the current
   * revision (so it jumps ahead of what it was caught up to) and follows on.
   */
  static async open(
    store: Store,
    prefixes: readonly string[],
    revision?: number,
  ): Promise<CachedView> {
    const view = await CachedView.load(store, prefixes, revision);
    view.watch = await store.watch(
      '',
      {
        fromRevision: view.at + 1,
        onCompacted: async () => {
          const at = await view.reload(store);
          view.release();
          return at;
        },
      },
      (events) => view.receive(events),
    );
    return view;
  }

  /** The revision the view reflects. */
  get revision(): number {
    return this.at;
  }

  /** How many keys the view holds. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether `key` is one of the view's prefixes. */
  covers(key: string): boolean {
    return this.prefixes.some((p) => key.startsWith(p));
  }

  /** The order `key` belongs to (its longest prefix's), or `undefined` when the view does not cover it. */
  private orderOf(key: string): KeyOrder | undefined {
    const prefix = this.prefixes.find((p) => key.startsWith(p));
    if (prefix === undefined) return undefined;
    let order = this.orders.get(prefix);
    if (order === undefined) this.orders.set(prefix, (order = new KeyOrder()));
    return order;
  }

  /**
   * Applies events in revision order (the owner's feed). Events outside the
   * view's prefixes are ignored; an event older than the view fails with
   * `FailedPrecondition`, since applying it would rewind the view.
   */
  apply(events: readonly WatchEvent[]): void {
    for (const e of events) {
      if (e.modRevision < this.at) {
        throw new ChamberError(
          Code.FailedPrecondition,
          `event at revision ${e.modRevision} is older than the view (at ${this.at})`,
        );
      }
      this.at = e.modRevision;
      const order = this.orderOf(e.key);
      if (order === undefined) continue;
      if (e.type === 'delete') {
        if (this.entries.delete(e.key)) order.deleted();
      } else {
        const previous = this.entries.get(e.key);
        this.entries.set(e.key, {
          key: e.key,
          value: e.value!,
          modRevision: e.modRevision,
          createRevision: e.createRevision,
          version: (previous?.version ?? 0) + 1,
        });
        if (previous === undefined) order.add(e.key, this.has);
      }
    }
  }

  /**
   * Brings a self-following view to exactly `revision`: applies every event
   * up to it and none after. `revision` must be the revision of a write
   * under the simulation prefix (a tick's snapshot revision is), or not
   * newer than the view. Resolves once the watch has delivered that write.
   */
  async catchUp(revision: number): Promise<void> {
    if (this.watch === undefined) {
      throw new ChamberError(
        Code.FailedPrecondition,
        'catchUp needs a view made with CachedView.open',
      );
    }
    if (revision > this.seen) {
      await new Promise<void>((resolve) => this.waiters.push({ revision, resolve }));
    }
    const due = this.pending.filter((e) => e.modRevision <= revision);
    this.pending = this.pending.filter((e) => e.modRevision > revision);
    this.apply(due);
    if (this.at < revision) this.at = revision;
  }

  /** The JSON text at `key`, or `undefined`. */
  getRaw(key: string): RawEntry | undefined {
    return this.entries.get(key);
  }

  /**
   * The record at `key`, or `undefined`. Records are decoded once per write
   * and shared between readers: treat them as immutable.
   */
  get<T>(codec: Codec<T>, key: string): Entry<T> | undefined {
    const raw = this.entries.get(key);
    return raw === undefined ? undefined : this.decode(codec, raw);
  }

  /** The value at `key`, or `undefined` (shared: treat it as immutable). */
  value<T>(codec: Codec<T>, key: string): T | undefined {
    return this.get(codec, key)?.value;
  }

  /**
   * Every entry under `prefix`, sorted by key; costs the size of the answer
   * (and of merging the keys created under the view's prefixes it spans
   * since the last list), not of the view.
   */
  listRaw(prefix: string): RawEntry[] {
    const spanned = [...this.orders].filter(([p]) => p.startsWith(prefix) || prefix.startsWith(p));
    const out: RawEntry[] = [];
    for (const [, order] of spanned) {
      const sorted = order.keys(this.has);
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid]! < prefix) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < sorted.length && sorted[i]!.startsWith(prefix); i++) {
        out.push(this.entries.get(sorted[i]!)!);
      }
    }
    // Orders of nested prefixes (`inputs/`, `inputs/faults/`) interleave.
    if (spanned.length > 1) out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /** Every record under `prefix`, sorted by key (shared: treat them as immutable). */
  list<T>(codec: Codec<T>, prefix: string): Entry<T>[] {
    return this.listRaw(prefix).map((e) => this.decode(codec, e));
  }

  private decode<T>(codec: Codec<T>, raw: RawEntry): Entry<T> {
    const memo = this.decoded.get(raw);
    if (memo?.codec === codec) return memo.entry as Entry<T>;
    const entry = decodeEntry(codec, raw);
    this.decoded.set(raw, { codec: codec, entry });
    return entry;
  }

  /** Stops a self-following view's watch. */
  async close(): Promise<void> {
    await this.watch?.cancel();
    this.watch = undefined;
  }

  private receive(events: WatchEvent[]): void {
    for (const e of events) this.pending.push(e);
    this.seen = Math.max(this.seen, events[events.length - 1]!.modRevision);
    this.release();
  }

  /** Resolves the catch-ups that the view has seen far enough for. */
  private release(): void {
    const ready = this.waiters.filter((w) => w.revision <= this.seen);
    this.waiters = this.waiters.filter((w) => w.revision > this.seen);
    for (const w of ready) w.resolve();
  }
}
