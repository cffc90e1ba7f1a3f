import { ChamberError, Code } from '@chamber/errors';
import { GRPCOutOfRangeError, type Etcd3, type IWatchResponse } from 'etcd3';

/** One change seen by a watch. Keys are relative to the simulation prefix. */
export interface WatchEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  /** The new JSON text (`undefined` for a delete). */
  readonly value: string | undefined;
  /** The revision of the change. */
  readonly modRevision: number;
  readonly createRevision: number;
}

/** Where a watch starts. */
export interface WatchOptions {
  /** The first revision to deliver; from the next write when absent. */
  readonly fromRevision?: number;
  /**
   * Called when the watch fails for good: its start revision was compacted
   * and there is no {@link onCompacted}, or something else ended it.
   */
  readonly onError?: (error: Error) => void;
  /**
   * Called when the events from where this watch was to resume have been
   * compacted away (it fell behind a compaction: a long disconnection, a slow
   * consumer, a start revision that is too old), so some changes will never
   * be delivered. The subscriber reloads what it holds from the store, as a
   * restart would, at a revision of its choosing that is not compacted (the
   * current one, or the published tick's snapshot revision), and returns
   * that revision; the watch then delivers every event after it. While it
   * runs nothing is delivered. When it throws, the watch fails through
   * {@link onError}. Without it a compaction fails the watch through
   * `onError`.
   */
  readonly onCompacted?: () => Promise<number>;
  /**
   * Called with `false` when the watch loses etcd and with `true` when it is
   * connected again; meanwhile it reconnects by itself and then resumes
   * after the last revision it delivered.
   */
  readonly onConnection?: (isConnected: boolean) => void;
  /**
   * `false`: an etcd watch of its own on this prefix only, instead of a
   * subscription to the store's shared feed of the whole simulation prefix
   * (see {@link WatchHub}). For a process that reads a few prefixes and
   * should not receive every other key's changes. Watches of one `Store`
   * share one etcd watch stream, on which etcd sends each change to every
   * watcher it matches in revision order while they keep up.
   */
  readonly isShared?: boolean;
}

/** A running watch. */
export interface WatchHandle {
  /** The revision of the last event delivered, or `undefined` before any. */
  lastRevision(): number | undefined;
  /** The first revision not delivered yet (where it resumes), when known. */
  nextRevision(): number | undefined;
  cancel(): Promise<void>;
}

/**
 * Whether the events from `next` on are compacted away: a read at the
 * revision before it fails with etcd's "compacted" (`OutOfRange`). etcd
 * cancels a watch behind a compaction without a reason the client keeps, so
 * this asks the store itself.
 */
export async function isCompactedFrom(
  client: Etcd3,
  simPrefix: string,
  next: number | undefined,
): Promise<boolean> {
  if (next === undefined) return false;
  try {
    await client
      .get(`${simPrefix}clock/tick`)
      .revision(Math.max(1, next - 1))
      .exec();
    return false;
  } catch (error) {
    return error instanceof GRPCOutOfRangeError;
  }
}

/**
 * {@link openWatch}, and when it falls behind a compaction and
 * `options.onCompacted` is given, the subscriber reloads (see
 * {@link WatchOptions.onCompacted}) and a new etcd watch resumes after the
 * revision it reloaded at.
 */
export async function openRecoveringWatch(
  client: Etcd3,
  simPrefix: string,
  prefix: string,
  options: WatchOptions,
  onEvents: (events: WatchEvent[]) => void,
): Promise<WatchHandle> {
  const { onCompacted } = options;
  if (onCompacted === undefined) return openWatch(client, simPrefix, prefix, options, onEvents);
  let current: WatchHandle | undefined;
  let isCancelled = false;
  let last: number | undefined;
  const deliver = (events: WatchEvent[]): void => {
    last = events[events.length - 1]!.modRevision;
    onEvents(events);
  };
  const open = async (fromRevision: number | undefined): Promise<WatchHandle> => {
    let handle: WatchHandle | undefined = undefined;
    const onError = (error: Error): void => {
      void (async () => {
        const resumeAt = handle?.nextRevision() ?? fromRevision;
        if (!(await isCompactedFrom(client, simPrefix, resumeAt))) return options.onError?.(error);
        // etcd has ended that watch already (its handle's cancel() is a no-op).
        if (isCancelled) return;
        const revision = await onCompacted();
        if (isCancelled) return;
        current = await open(revision + 1);
      })().catch((failure: unknown) =>
        options.onError?.(failure instanceof Error ? failure : new Error(String(failure))),
      );
    };
    handle = await openWatch(
      client,
      simPrefix,
      prefix,
      { ...options, ...(fromRevision === undefined ? {} : { fromRevision }), onError },
      deliver,
    );
    return handle;
  };
  current = await open(options.fromRevision);
  return {
    lastRevision: () => last,
    nextRevision: () => current?.nextRevision(),
    cancel: () => {
      isCancelled = true;
      return current?.cancel() ?? Promise.resolve();
    },
  };
}

/** Opens an etcd watch on `simPrefix + prefix` and converts its events. */
export async function openWatch(
  client: Etcd3,
  simPrefix: string,
  prefix: string,
  options: WatchOptions,
  onEvents: (events: WatchEvent[]) => void,
): Promise<WatchHandle> {
  const strip = Buffer.byteLength(simPrefix);
  let builder = client.watch().prefix(simPrefix + prefix);
  if (options.fromRevision !== undefined)
    builder = builder.startRevision(String(options.fromRevision));
  let last: number | undefined;
  // The first revision not delivered yet: where the watch resumes after a
  // reconnection. etcd3 moves its own resume point to the revision in each
  // response's header; on a (re)connection that is the store's current
  // revision, before the events up to it have arrived, so a connection lost
  // again at once would skip them. It is set back to this after etcd3 moves it.
  let next = options.fromRevision;
  let isConnected = true;
  const watcher = await builder.create();
  const keepResumePoint = (): void => {
    if (next !== undefined) watcher.request.start_revision = next;
  };
  watcher.on('connected', () => {
    keepResumePoint();
    if (isConnected) return;
    isConnected = true;
    options.onConnection?.(true);
  });
  watcher.on('disconnected', () => {
    if (!isConnected) return;
    isConnected = false;
    options.onConnection?.(false);
  });
  watcher.on('data', (res: IWatchResponse) => {
    // One pass, no intermediate arrays: every process pays this for every
    // change under the simulation prefix, its own interest or not.
    const events: WatchEvent[] = [];
    for (const e of res.events) {
      const modRevision = Number(e.kv.mod_revision);
      // A revision already delivered is not delivered again (etcd sends every
      // event of one revision in one response).
      if (next !== undefined && modRevision < next) continue;
      const isPut = e.type === 'Put';
      events.push({
        type: isPut ? 'put' : 'delete',
        key: e.kv.key.toString('utf8', strip),
        value: isPut ? e.kv.value.toString('utf8') : undefined,
        modRevision,
        createRevision: Number(e.kv.create_revision),
      });
    }
    if (events.length === 0) return keepResumePoint();
    last = events[events.length - 1]!.modRevision;
    next = last + 1;
    keepResumePoint();
    onEvents(events);
  });
  // etcd3's cancel() never settles when called a second time; callers on
  // several shutdown paths may each cancel, so the first call is shared.
  let cancelled: Promise<void> | undefined;
  watcher.on('error', (error: Error) => {
    // etcd ended this watch (a compaction, say) and etcd3 has let go of it:
    // cancelling it now would hang, or make etcd answer for a watch etcd3 no
    // longer knows, which etcd3 throws on its stream (the process dies).
    cancelled ??= Promise.resolve();
    options.onError?.(error);
  });
  return {
    lastRevision: () => last,
    nextRevision: () => next,
    cancel: () => (cancelled ??= watcher.cancel()),
  };
}

interface Subscriber {
  /** The prefixes it follows; empty: every key (it follows `''`). */
  readonly prefixes: readonly string[];
  /** The first revision this subscriber wants (moved on when it reloads after a compaction). */
  from: number;
  readonly onEvents: (events: WatchEvent[]) => void;
  readonly onError: ((error: Error) => void) | undefined;
  readonly onCompacted: (() => Promise<number>) | undefined;
  readonly onConnection: ((isConnected: boolean) => void) | undefined;
  last: number | undefined;
}

/** Whether `key` is under one of `prefixes`. */
function isUnderAny(prefixes: readonly string[], key: string): boolean {
  for (const p of prefixes) if (key.startsWith(p)) return true;
  return false;
}

/** How many recent events (at least) the shared feed keeps for watches that start a little in the past. */
const historyLimit = 4_096;

/**
 * One etcd watch on the whole simulation prefix, shared by every watch of a
 * `Store`: each event crosses the wire and is decoded once per process,
 * however many cached views, participants and readers follow it. Each
 * subscriber follows one or several prefixes and is called only for the
 * revisions that hold one of its keys. The feed
 * keeps its last few thousand events, so a watch starting a little in the
 * past (a participant replaying from its tick's snapshot) is served from
 * memory; one starting before that gets an etcd watch of its own.
 */
export class WatchHub {
  private readonly client: Etcd3;
  private readonly simPrefix: string;
  private readonly currentRevision: () => Promise<number>;
  private readonly subscribers = new Set<Subscriber>();
  private feed: WatchHandle | undefined;
  /** Recent events, in revision order: every event from `historyFrom` on. */
  private history: WatchEvent[] = [];
  private historyFrom = 0;
  /** The last revision the feed has delivered (or the one before it started). */
  private reached = 0;
  /** Serialises opening and closing the feed. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(client: Etcd3, simPrefix: string, currentRevision: () => Promise<number>) {
    this.client = client;
    this.simPrefix = simPrefix;
    this.currentRevision = currentRevision;
  }

  /**
   * Delivers the events under `prefix` (or under any of several prefixes, in
   * revision order, as one watch) from `options.fromRevision` on. The feed
   * hands a subscriber only the events it follows: a revision with none of
   * them is not delivered to it at all. Several prefixes need the shared
   * feed: with `isShared: false` they fail with `InvalidArgument`.
   */
  subscribe(
    prefix: string | readonly string[],
    options: WatchOptions,
    onEvents: (events: WatchEvent[]) => void,
  ): Promise<WatchHandle> {
    const prefixes = typeof prefix === 'string' ? [prefix] : [...new Set(prefix)];
    if (options.isShared === false) {
      if (prefixes.length !== 1) {
        return Promise.reject(
          new ChamberError(
            Code.InvalidArgument,
            `a watch of its own follows one prefix, not ${prefixes.length} (${prefixes.map((p) => `"${p}"`).join(', ')}): use the shared feed`,
          ),
        );
      }
      return openWatch(this.client, this.simPrefix, prefixes[0]!, options, onEvents);
    }
    const next = this.queue.then(() => this.add(prefixes, options, onEvents));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async add(
    prefixes: readonly string[],
    options: WatchOptions,
    onEvents: (events: WatchEvent[]) => void,
  ): Promise<WatchHandle> {
    // `''` covers every key: the subscriber takes every event as it comes.
    const followed = prefixes.includes('') ? [] : prefixes;
    if (this.feed === undefined) {
      await this.openFeed(options.fromRevision ?? (await this.currentRevision()) + 1);
    }
    const from = options.fromRevision ?? this.reached + 1;
    if (from < this.historyFrom) {
      // Older than the feed remembers: a watch of its own (of the whole
      // simulation, filtered here, for several prefixes in revision order).
      if (followed.length <= 1) {
        return openRecoveringWatch(
          this.client,
          this.simPrefix,
          followed[0] ?? '',
          options,
          onEvents,
        );
      }
      return openRecoveringWatch(this.client, this.simPrefix, '', options, (events) => {
        const mine = events.filter((e) => isUnderAny(followed, e.key));
        if (mine.length > 0) onEvents(mine);
      });
    }
    const subscriber: Subscriber = {
      prefixes: followed,
      from,
      onEvents,
      onError: options.onError,
      onCompacted: options.onCompacted,
      onConnection: options.onConnection,
      last: undefined,
    };
    // Replays what the feed already delivered, synchronously, so nothing
    // arrives between the replay and the live events. A copy: the feed's
    // history grows on.
    this.send(subscriber, this.history.slice());
    this.subscribers.add(subscriber);
    let cancelled: Promise<void> | undefined;
    return {
      lastRevision: () => subscriber.last,
      nextRevision: () => (subscriber.last === undefined ? subscriber.from : subscriber.last + 1),
      cancel: () => (cancelled ??= this.remove(subscriber)),
    };
  }

  private async openFeed(start: number): Promise<void> {
    this.reached = start - 1;
    this.history = [];
    this.historyFrom = start;
    this.feed = await openWatch(
      this.client,
      this.simPrefix,
      '',
      {
        fromRevision: start,
        onError: (error) => this.onFeedError(error),
        onConnection: (isConnected) => {
          for (const s of this.subscribers) s.onConnection?.(isConnected);
        },
      },
      (events) => this.deliver(events),
    );
  }

  private remove(subscriber: Subscriber): Promise<void> {
    const next = this.queue.then(async () => {
      if (!this.subscribers.delete(subscriber) || this.subscribers.size > 0) return;
      const feed = this.feed;
      this.feed = undefined;
      await feed?.cancel();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private deliver(events: WatchEvent[]): void {
    this.reached = events[events.length - 1]!.modRevision;
    // Not `push(...events)`: a watch caught up after a large load gets a response of
    // more events than a call takes arguments.
    for (const e of events) this.history.push(e);
    // Trimmed once it holds twice the limit, not at every delivery: each
    // event is then copied at most once, whatever the rate of ticks.
    if (this.history.length > 2 * historyLimit) {
      // Forget whole revisions only, so `historyFrom` stays exact. Events are
      // in revision order: the kept ones are a suffix.
      const cut = this.history[this.history.length - historyLimit]!.modRevision + 1;
      const first = this.history.findIndex((e) => e.modRevision >= cut);
      this.history = first < 0 ? [] : this.history.slice(first);
      this.historyFrom = cut;
    }
    for (const s of this.subscribers) this.send(s, events);
  }

  private send(s: Subscriber, events: WatchEvent[]): void {
    // The events it follows. The feed's own array when that is all of them
    // (subscribers only read it): a copy is made only when one is left out.
    let mine: WatchEvent[] | undefined;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const isFollowed =
        e.modRevision >= s.from && (s.prefixes.length === 0 || isUnderAny(s.prefixes, e.key));
      if (isFollowed) mine?.push(e);
      else mine ??= events.slice(0, i);
    }
    mine ??= events;
    if (mine.length === 0) return;
    s.last = mine[mine.length - 1]!.modRevision;
    try {
      s.onEvents(mine);
    } catch (error) {
      s.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * The feed failed. When it fell behind a compaction, each subscriber that
   * can reloads (its `onCompacted`) and the feed reopens after the oldest
   * revision they reloaded at, each subscriber getting the events after its
   * own; the others fail. Runs in the queue, so no watch is added or
   * removed meanwhile.
   */
  private onFeedError(error: Error): void {
    const feed = this.feed;
    const next = this.queue.then(async () => {
      if (this.feed !== feed) return;
      if (!(await isCompactedFrom(this.client, this.simPrefix, this.reached + 1)))
        return this.fail(error);
      this.feed = undefined;
      void feed?.cancel(); // ended by etcd already: a no-op (see openWatch)
      const reloaded: Array<readonly [Subscriber, number]> = [];
      for (const s of [...this.subscribers]) {
        try {
          if (s.onCompacted === undefined) throw error;
          reloaded.push([s, await s.onCompacted()]);
        } catch (failure) {
          this.subscribers.delete(s);
          s.onError?.(failure instanceof Error ? failure : new Error(String(failure)));
        }
      }
      if (reloaded.length === 0) return;
      const start = Math.min(...reloaded.map(([, revision]) => revision)) + 1;
      for (const [s, revision] of reloaded) {
        s.from = revision + 1;
        s.last = undefined;
      }
      await this.openFeed(start);
    });
    this.queue = next.catch((failure: unknown) =>
      this.fail(failure instanceof Error ? failure : new Error(String(failure))),
    );
  }

  private fail(error: Error): void {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    const feed = this.feed;
    this.feed = undefined;
    void feed?.cancel();
    for (const s of subscribers) s.onError?.(error);
  }
}
