import type { eventKinds } from '@chamber/api';
import type { Store, WatchEvent, WatchHandle } from '@chamber/store';
import { keys } from '@chamber/world';

/**
 * The store prefixes the frontend reads and serves, by kind of event: the
 * simulation figures its metrics count and its event stream carries. A kind
 * may gather several prefixes (a workload is its record and its availability
 * samples; an instance is its intent, its placement or the scheduler's
 * refusal, its actual and its observed state); each prefix
 * is one watch. (Accounts follow their own prefixes in `auth/accounts.ts`.)
 * Nothing else of the store reaches this process: not the clock's
 * bookkeeping (acks, the tick index, alive keys), not definitions, targets
 * or commands. Every store kind of `eventKinds` (all but `logs`) is here.
 */
export const followedPrefixes = {
  clock: [keys.clockPrefix],
  actual: [keys.actualPrefix],
  observed: [keys.observedPrefix],
  faults: [keys.faultsPrefix],
  repairs: [keys.repairsPrefix],
  workloads: [keys.workloadsPrefix, keys.availabilityPrefix],
  instances: [
    keys.instancesPrefix,
    keys.placementsPrefix,
    keys.unplacedPrefix,
    keys.instanceActualPrefix,
    keys.instanceObservedPrefix,
  ],
  scenarios: [keys.scenarioRunsPrefix],
} as const satisfies Record<Exclude<(typeof eventKinds)[number], 'logs'>, readonly string[]>;

/** A name of {@link followedPrefixes}: a store-fed kind of event. */
export type FollowedKind = keyof typeof followedPrefixes;

/** Every store-fed kind, in the order of {@link followedPrefixes}. */
export const followedKinds = Object.keys(followedPrefixes) as FollowedKind[];

/** Every followed prefix with its kind, the longest prefix first (the most specific wins). */
const prefixKinds: ReadonlyArray<readonly [string, FollowedKind]> = followedKinds
  .flatMap((kind) => followedPrefixes[kind].map((prefix) => [prefix, kind] as const))
  .sort(([a], [b]) => b.length - a.length);

/** Every followed prefix, each once. */
export const allFollowedPrefixes: readonly string[] = prefixKinds.map(([prefix]) => prefix);

/** The kind whose prefixes `key` is under, if any. */
export function kindOfKey(key: string): FollowedKind | undefined {
  return prefixKinds.find(([prefix]) => key.startsWith(prefix))?.[1];
}

/**
 * One store change, decoded once for everyone who reads it: the metrics,
 * every event stream and the settled cache see the same object, so its
 * value is parsed once and its event-stream frame encoded once.
 */
export class FeedEvent {
  readonly kind: FollowedKind;
  readonly event: WatchEvent;
  private parsed: { value: unknown } | undefined;
  private encoded: string | undefined;

  constructor(kind: FollowedKind, event: WatchEvent) {
    this.kind = kind;
    this.event = event;
  }

  get key(): string {
    return this.event.key;
  }

  get revision(): number {
    return this.event.modRevision;
  }

  /** The stored record as JSON (its text when it is not JSON; undefined for a delete). */
  get record(): unknown {
    this.parsed ??= { value: parse(this.event.value) };
    return this.parsed.value;
  }

  /** A field of the record, when the record is an object. */
  field(name: string): unknown {
    const r = this.record;
    return typeof r === 'object' && r !== null ? (r as Record<string, unknown>)[name] : undefined;
  }

  /** The event-stream frame without its id: `event: <kind>\ndata: {…}\n\n`. */
  get frame(): string {
    this.encoded ??= `event: ${this.kind}\ndata: ${JSON.stringify({
      type: this.event.type,
      key: this.event.key,
      revision: this.event.modRevision,
      value: this.record,
    })}\n\n`;
    return this.encoded;
  }
}

function parse(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

interface Subscriber {
  readonly kinds: ReadonlySet<FollowedKind>;
  /** The first revision to deliver; moved past a reload's revision by the reload. */
  from: number;
  readonly onEvents: (events: readonly FeedEvent[]) => void;
  readonly onError: ((error: Error) => void) | undefined;
  readonly onReload: ((revision: number) => Promise<void>) | undefined;
}

/** What a subscription is given. */
export interface FeedOptions {
  /** The first revision to deliver. */
  readonly fromRevision: number;
  /** Called when the feed fails for good (its watch's start was compacted, say). */
  readonly onError?: (error: Error) => void;
  /**
   * Called when the feed fell behind a compaction (the process lost etcd
   * while the stepper compacted its history): some changes will never
   * arrive, so the subscriber reloads what it holds from the store at
   * `revision`, as a restart would; the events after `revision` follow.
   * Without it, such a subscription ends through `onError` (an event
   * stream then tells its client to reconnect afresh).
   */
  readonly onReload?: (revision: number) => Promise<void>;
}

/** How many recent events (at least) the feed keeps for subscribers that start a little in the past. */
const historyLimit = 4_096;

/**
 * The store changes the frontend reads, followed once for the whole
 * process: one etcd watch per prefix of {@link followedPrefixes} (on the
 * store's one watch stream, where etcd sends them in revision order), each
 * event decoded once ({@link FeedEvent}) and handed to every subscriber of
 * its kind. Keeps its last few thousand events, so a stream resuming a
 * little in the past is served from memory; one resuming from further back
 * gets a watch of its own until it has caught up with what the feed
 * remembers, and then follows the feed. When a watch falls behind a
 * compaction, the feed starts again as a restart would: from the current
 * revision, each subscriber reloading there (`onReload`) or ending.
 */
export class StoreFeed {
  private readonly store: Store;
  private readonly subscribers = new Set<Subscriber>();
  private readonly watches: WatchHandle[] = [];
  private history: FeedEvent[] = [];
  private historyFrom: number;
  /** The reload in progress, shared by the watches that fell behind the same compaction. */
  private reloading: Promise<number> | undefined;
  /** Batches delivered while reloading: sent once the subscribers have reloaded. */
  private held: FeedEvent[][] | undefined;

  private constructor(store: Store, from: number) {
    this.store = store;
    this.historyFrom = from;
  }

  /**
   * Follows the store from its current revision on; `onReceived` is told of
   * every batch etcd delivers, before anyone reads it (for the metrics).
   */
  static async open(
    store: Store,
    onReceived?: (kind: FollowedKind, count: number) => void,
  ): Promise<StoreFeed> {
    const revision = await store.currentRevision();
    const feed = new StoreFeed(store, revision + 1);
    for (const kind of followedKinds) {
      for (const prefix of followedPrefixes[kind]) {
        feed.watches.push(
          await store.watch(
            prefix,
            {
              fromRevision: revision + 1,
              isShared: false,
              onError: (e) => feed.fail(e),
              onCompacted: () => feed.reload(),
            },
            (events) => {
              onReceived?.(kind, events.length);
              feed.deliver(events.map((e) => new FeedEvent(kind, e)));
            },
          ),
        );
      }
    }
    return feed;
  }

  /** Stops following the store. */
  async close(): Promise<void> {
    this.subscribers.clear();
    await Promise.all(this.watches.splice(0).map((w) => w.cancel()));
  }

  /**
   * Calls `onEvents` with every change of `kinds` from `fromRevision` on,
   * one call per batch etcd delivers (the events of a revision together),
   * synchronously; the same batch array goes to every subscriber, so what
   * a subscriber derives from it can be kept per batch. Resolves with the
   * function that ends the subscription.
   */
  async subscribe(
    wanted: Iterable<FollowedKind>,
    options: FeedOptions,
    onEvents: (events: readonly FeedEvent[]) => void,
  ): Promise<() => void> {
    const set = new Set(wanted);
    const subscriber: Subscriber = {
      kinds: set,
      from: options.fromRevision,
      onEvents,
      onError: options.onError,
      onReload: options.onReload,
    };
    let isEnded = false;
    /** Joins the feed from `from` on: its history, then what it delivers. */
    const join = (from: number): void => {
      const live = { ...subscriber, from };
      const replay = this.history.filter((e) => e.revision >= from && set.has(e.kind));
      // The replay and the live events come in one synchronous step: nothing in between.
      if (replay.length > 0) this.call(live, replay);
      this.subscribers.add(live);
      end = () => void this.subscribers.delete(live);
    };
    let end = (): void => undefined;
    if (options.fromRevision >= this.historyFrom) {
      join(options.fromRevision);
    } else {
      // Older than the feed remembers: a watch of its own, on the whole
      // simulation prefix so its kinds arrive in revision order, until it
      // reaches what the feed remembers; then the feed takes over.
      let isCaughtUp = false;
      const own = await this.store.watch(
        '',
        {
          fromRevision: options.fromRevision,
          isShared: false,
          ...(options.onError === undefined ? {} : { onError: options.onError }),
        },
        (events) => {
          if (isCaughtUp || isEnded) return;
          const mine: FeedEvent[] = [];
          for (const e of events) {
            const kind = kindOfKey(e.key);
            if (kind !== undefined && set.has(kind)) mine.push(new FeedEvent(kind, e));
          }
          if (mine.length > 0) this.call(subscriber, mine);
          const reached = events[events.length - 1]!.modRevision;
          if (reached + 1 < this.historyFrom) return;
          isCaughtUp = true;
          void own.cancel().catch(() => undefined);
          join(reached + 1);
        },
      );
      end = () => void own.cancel().catch(() => undefined);
    }
    return () => {
      isEnded = true;
      end();
    };
  }

  /**
   * Starts again from the current revision R, as a restart would: the
   * history is forgotten, each subscriber with `onReload` reloads at R and
   * gets the events after it, the others end through `onError`; batches
   * that arrive meanwhile wait. Resolves with R, after which the watch that
   * fell behind resumes. Watches that fell behind the same compaction share
   * one reload.
   */
  private reload(): Promise<number> {
    this.reloading ??= (async () => {
      this.held ??= [];
      try {
        const revision = await this.store.currentRevision();
        this.history = [];
        this.historyFrom = revision + 1;
        const behind = new Error(
          `the frontend fell behind a compaction of the store's history and started again at revision ${revision}`,
        );
        for (const s of [...this.subscribers]) {
          if (s.onReload === undefined) {
            this.subscribers.delete(s);
            s.onError?.(behind);
            continue;
          }
          s.from = Math.max(s.from, revision + 1);
          try {
            await s.onReload(revision);
          } catch (error) {
            this.subscribers.delete(s);
            s.onError?.(error instanceof Error ? error : new Error(String(error)));
          }
        }
        return revision;
      } finally {
        const held = this.held;
        this.held = undefined;
        this.reloading = undefined;
        for (const batch of held) this.deliver(batch);
      }
    })();
    return this.reloading;
  }

  private deliver(events: FeedEvent[]): void {
    if (this.held !== undefined) {
      this.held.push(events);
      return;
    }
    for (const e of events) if (e.revision >= this.historyFrom) this.history.push(e);
    // Trimmed once it holds twice the limit, not at every batch: each event
    // is then copied at most once, whatever the rate of ticks.
    if (this.history.length > 2 * historyLimit) {
      // Forget whole revisions only, so `historyFrom` stays exact.
      const cut = this.history[this.history.length - historyLimit]!.revision + 1;
      this.history = this.history.filter((e) => e.revision >= cut);
      this.historyFrom = cut;
    }
    for (const s of this.subscribers) this.send(s, events);
  }

  private send(s: Subscriber, events: readonly FeedEvent[]): void {
    const first = events[0];
    // Batches come per watch, so a batch is of one kind: no filtering per event.
    if (first === undefined || !s.kinds.has(first.kind)) return;
    const mine = first.revision >= s.from ? events : events.filter((e) => e.revision >= s.from);
    if (mine.length > 0) this.call(s, mine);
  }

  private call(s: Subscriber, mine: readonly FeedEvent[]): void {
    try {
      s.onEvents(mine);
    } catch (error) {
      s.onError?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(error: Error): void {
    const subscribers = [...this.subscribers];
    this.subscribers.clear();
    for (const s of subscribers) s.onError?.(error);
  }
}
