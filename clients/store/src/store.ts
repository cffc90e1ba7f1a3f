import { ChamberError, Code } from '@chamber/errors';
import { ExponentialBackoff, handleWhen, noop, retry, type IBackoff } from 'cockatiel';
import * as etcd from 'etcd3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { pause, reconnectBackoff, reconnectDelay } from './backoff.js';
import {
  decodeEntry,
  type Codec,
  type Compare,
  type Entry,
  type Op,
  type RawEntry,
} from '@chamber/reactor';
import { fromEtcdError } from './etcd-errors.js';
import { prefixEnd, rootPrefix, simulationOfKey, simulationPrefix } from './keys.js';
import { openLease, type Lease } from './lease.js';
import { campaign, type CampaignOptions, type Leadership } from './leadership.js';
import {
  openRecoveringWatch,
  WatchHub,
  type WatchHandle,
  type WatchOptions,
  type WatchEvent,
} from './watch.js';

/** The outcome of a transaction. */
export interface TxnResult {
  /** Whether every compare held (and so the success ops were applied). */
  readonly succeeded: boolean;
  /** The store revision after the transaction (the revision of its writes when it wrote). */
  readonly revision: number;
}

/** Where the store is and which simulation it serves. */
export interface StoreOptions {
  /** etcd client endpoints, e.g. `["http://127.0.0.1:2379"]`. */
  readonly endpoints: readonly string[];
  /** The simulation: every key lives under `/chamber/v1/<simulation>/`. */
  readonly simulation: string;
  /** How long to wait for etcd on connect (ms). */
  readonly dialTimeoutMs?: number;
}

/** Options of a read. */
export interface GetOptions {
  /** Read the store as it was at this revision (time travel); the latest when absent. */
  readonly revision?: number;
}

/** Options of a list. */
export interface ListOptions extends GetOptions {
  /** At most this many entries. */
  readonly limit?: number;
  /** Start after this key (relative, like `prefix`): for paging and "first key after". */
  readonly startAfter?: string;
}

/** The entries under a prefix and the revision they were read at. */
export interface ListResult<E> {
  readonly entries: E[];
  /** The revision of the read: a watch from `revision + 1` misses nothing. */
  readonly revision: number;
}

/**
 * The most operations one transaction may hold: etcd's default
 * `--max-txn-ops`. Larger writes go through {@link Store.writeChunked}.
 */
export const maxTxnOps = 128;
/**
 * Keys per page of a list. etcd 3.4 pays a fixed cost per read (it copies
 * its write buffer), so large pages list far faster (110,000 keys: 7.8 s in
 * pages of 1,000, 1.7 s in pages of 10,000); a page too large for a gRPC
 * message is retried at half the size.
 */
const pageSize = 8_000;

/**
 * The most bytes of keys and values one chunked write puts in a transaction:
 * etcd refuses requests over `--max-request-bytes` (1.5 MiB by default).
 */
export const maxTxnBytes = 1_000_000;

/** What `o` counts against {@link maxTxnBytes}: its key, value and some framing. */
export function opBytes(o: Op): number {
  return (
    64 +
    Buffer.byteLength(o.type === 'deletePrefix' ? o.prefix : o.key) +
    (o.type === 'put' ? Buffer.byteLength(o.value) : 0)
  );
}

/**
 * `ops` cut into transactions within {@link maxTxnOps} and {@link maxTxnBytes},
 * and whether any key is written twice (then the chunks must go in order).
 */
function chunkOps(ops: readonly Op[]): { chunks: Op[][]; hasRepeats: boolean } {
  const chunks: Op[][] = [[]];
  const seen = new Set<string>();
  let hasRepeats = false;
  let bytes = 0;
  for (const o of ops) {
    const size = opBytes(o);
    const key = o.type === 'deletePrefix' ? `\0${o.prefix}` : o.key;
    if (!hasRepeats) {
      if (seen.has(key) || o.type === 'deletePrefix') hasRepeats = true;
      else seen.add(key);
    }
    const current = chunks[chunks.length - 1]!;
    if (current.length > 0 && (current.length >= maxTxnOps || bytes + size > maxTxnBytes)) {
      chunks.push([o]);
      bytes = size;
    } else {
      current.push(o);
      bytes += size;
    }
  }
  return { chunks, hasRepeats };
}

/**
 * How many times a call is tried while etcd is unavailable (a leader
 * election, a member lost): etcd3's retry of every call, and
 * {@link Store.txn}'s own.
 */
const attemptsWhileUnavailable = 8;

/**
 * How long one attempt of a transaction waits for its answer on a cluster
 * (several endpoints) before it is given up and tried again (after reading
 * whether it landed). A write that a leader had taken when it died is
 * otherwise answered only by etcd 3.4's request timeout, 7 s later (5 s + two
 * election timeouts), while a new leader is there within about a second. A
 * single member has no other to turn to: its attempts wait for etcd.
 */
const clusterAttemptMs = 2_500;

/**
 * Set while {@link Store.txn} runs a transaction that it retries itself:
 * etcd3's retry policy, shared by every call of the client, lets such a call
 * fail at once instead of sending it again without asking whether it landed.
 */
const isRetriedByStore = new AsyncLocalStorage<true>();

/**
 * Transactions {@link Store.writeChunked} keeps in flight at once: etcd takes
 * several times more keys per second so (measured: ~63k keys/s in 100-put
 * transactions one at a time, ~85k with 4 in parallel).
 */
export const chunksInFlight = 4;

/**
 * The Chamber store: typed records (proto3 JSON) in etcd under
 * `/chamber/v1/<simulation>/`, read at any revision, written in guarded
 * transactions, watched from a revision. The only user of `etcd3`. Every
 * failure is a ChamberError (`Unavailable` when etcd cannot be reached,
 * `OutOfRange` for a compacted revision, …). Idempotent calls retry with
 * backoff while etcd is briefly unavailable (a leader election).
 */
export class Store {
  readonly simulation: string;
  /** `/chamber/v1/<simulation>/`. */
  readonly prefix: string;
  readonly endpoints: readonly string[];
  private readonly client: etcd.Etcd3;
  private readonly prefixBuffer: Buffer;
  private readonly hub: WatchHub;

  private constructor(client: etcd.Etcd3, options: StoreOptions) {
    this.client = client;
    this.simulation = options.simulation;
    this.prefix = simulationPrefix(options.simulation);
    this.prefixBuffer = Buffer.from(this.prefix);
    this.endpoints = options.endpoints;
    this.hub = new WatchHub(client, this.prefix, () => this.currentRevision());
  }

  /**
   * Connects to etcd and checks that it answers. Fails with `Unavailable`
   * ("cannot reach etcd at …") when it does not, `InvalidArgument` for a bad
   * simulation name.
   */
  static async connect(options: StoreOptions): Promise<Store> {
    simulationPrefix(options.simulation);
    const client = new etcd.Etcd3({
      hosts: [...options.endpoints],
      dialTimeout: options.dialTimeoutMs ?? 5_000,
      // A watch that falls behind (a 100,000-element load writes 325,000
      // keys) is caught up with responses of many revisions' events at once,
      // tens of MB; over gRPC's 4 MB default the stream fails, reconnects
      // from the same revision, and fails again, for good.
      grpcOptions: { 'grpc.max_receive_message_length': -1 },
      faultHandling: {
        // One host per endpoint list: a circuit breaker would only turn a
        // short etcd election into seconds of failures.
        host: () => noop,
        // With several endpoints etcd3 sends each attempt to the next member
        // (a shuffled round), so a retry reaches a live one.
        global: retry(
          handleWhen((error) => etcd.isRecoverableError(error) && !isRetriedByStore.getStore()),
          {
            maxAttempts: attemptsWhileUnavailable,
            backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1_000 }),
          },
        ),
        // etcd3's default lets a watch wait up to 30 s between reconnection
        // attempts, so after an outage the world would stand still that long.
        // etcd3 types this as a backoff but calls `next()` on it first, as its
        // own default (a factory, like this one) expects.
        watchBackoff: new ExponentialBackoff({
          initialDelay: reconnectBackoff.initialMs,
          maxDelay: reconnectBackoff.maxMs,
        }) as unknown as IBackoff<unknown>,
      },
    });
    const store = new Store(client, options);
    try {
      await client
        .get(`${store.prefix}clock/tick`)
        .options({ deadline: Date.now() + (options.dialTimeoutMs ?? 5_000) })
        .exec();
    } catch (error) {
      client.close();
      const failure = store.fail(error, 'connecting');
      if (failure.code !== Code.DeadlineExceeded) throw failure;
      throw new ChamberError(
        Code.Unavailable,
        `cannot reach etcd at ${options.endpoints.join(',')}: no answer within ${options.dialTimeoutMs ?? 5_000} ms`,
        { cause: error },
      );
    }
    return store;
  }

  /** Another simulation on the same etcd connection. */
  forSimulation(simulation: string): Store {
    return new Store(this.client, { endpoints: this.endpoints, simulation });
  }

  /** The absolute etcd key of `key` (relative to the simulation prefix). */
  absoluteKey(key: string): string {
    return this.prefix + key;
  }

  /** The current store revision. */
  async currentRevision(): Promise<number> {
    try {
      const res = await this.client.get(`${this.prefix}clock/tick`).exec();
      return Number(res.header.revision);
    } catch (error) {
      throw this.fail(error, 'reading the revision');
    }
  }

  /** The record at `key`, or `undefined`; at `revision` when given. */
  async get<T>(
    codec: Codec<T>,
    key: string,
    options: GetOptions = {},
  ): Promise<Entry<T> | undefined> {
    const raw = await this.getRaw(key, options);
    return raw === undefined ? undefined : decodeEntry(codec, raw);
  }

  /** The JSON text at `key`, or `undefined`; at `revision` when given. */
  async getRaw(key: string, options: GetOptions = {}): Promise<RawEntry | undefined> {
    try {
      const builder = this.client.get(this.prefix + key);
      if (options.revision !== undefined) builder.revision(options.revision);
      const res = await builder.exec();
      const kv = res.kvs[0];
      return kv === undefined ? undefined : this.toRaw(kv);
    } catch (error) {
      throw this.fail(error, `reading "${key}"`);
    }
  }

  /** Every record under `prefix`, sorted by key, read at one revision. */
  async list<T>(
    codec: Codec<T>,
    prefix: string,
    options: ListOptions = {},
  ): Promise<ListResult<Entry<T>>> {
    const { entries, revision } = await this.listRaw(prefix, options);
    return { entries: entries.map((e) => decodeEntry(codec, e)), revision };
  }

  /**
   * Every key under `prefix` with its JSON text, sorted by key. Large ranges
   * are read in pages, all at the same revision, so the result is one
   * consistent snapshot.
   */
  async listRaw(prefix: string, options: ListOptions = {}): Promise<ListResult<RawEntry>> {
    const start = Buffer.from(this.prefix + prefix);
    const end = prefixEnd(start);
    const entries: RawEntry[] = [];
    let revision = options.revision;
    let from =
      options.startAfter === undefined
        ? start
        : Buffer.concat([Buffer.from(this.prefix + options.startAfter), Buffer.from([0])]);
    let page = pageSize;
    try {
      for (;;) {
        const want =
          options.limit === undefined ? page : Math.min(page, options.limit - entries.length);
        if (want <= 0) break;
        const builder = this.client
          .getAll()
          .inRange({ start: from, end })
          .limit(want)
          .sort('Key', 'Ascend');
        if (revision !== undefined) builder.revision(revision);
        let res: etcd.IRangeResponse;
        try {
          res = await builder.exec();
        } catch (error) {
          if (page > 64 && this.fail(error, 'listing').code === Code.ResourceExhausted) {
            page = Math.floor(page / 2);
            continue;
          }
          throw error;
        }
        revision ??= Number(res.header.revision);
        for (const kv of res.kvs) entries.push(this.toRaw(kv));
        if (!res.more || res.kvs.length === 0) break;
        from = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
      }
    } catch (error) {
      throw this.fail(error, `listing "${prefix}"`);
    }
    return { entries, revision: revision ?? 0 };
  }

  /**
   * The revision of the last write under `prefix` in (`after`, `upTo`] whose
   * key still holds it at `upTo`: the highest mod revision among the keys
   * written in that span, read at `upTo` (one range read, filtered and
   * sorted by etcd, keys only); `undefined` when no key under it was
   * written in the span. A watch from `after + 1` has delivered every put of
   * the span once it delivered the write at that revision.
   */
  async lastWriteBetween(prefix: string, after: number, upTo: number): Promise<number | undefined> {
    if (upTo <= after) return undefined;
    const start = Buffer.from(this.prefix + prefix);
    try {
      const res = await this.client.kv.range({
        key: start,
        range_end: prefixEnd(start),
        revision: upTo,
        min_mod_revision: after + 1,
        keys_only: true,
        sort_order: 'Descend',
        sort_target: 'Mod',
        limit: 1,
      });
      const kv = res.kvs[0];
      return kv === undefined ? undefined : Number(kv.mod_revision);
    } catch (error) {
      throw this.fail(error, `reading the last write under "${prefix}"`);
    }
  }

  /**
   * The keys under `prefix`, sorted, without their values (cheap for large
   * ranges); at most `limit` of them when given, as of `revision` when given.
   */
  async listKeys(
    prefix: string,
    options: { limit?: number; revision?: number } = {},
  ): Promise<string[]> {
    const start = Buffer.from(this.prefix + prefix);
    const end = prefixEnd(start);
    const out: string[] = [];
    let from = start;
    let revision: number | undefined = options.revision;
    try {
      for (;;) {
        const want =
          options.limit === undefined
            ? pageSize * 2
            : Math.min(pageSize * 2, options.limit - out.length);
        if (want <= 0) break;
        const res = await this.client.kv.range({
          key: from,
          range_end: end,
          limit: want,
          keys_only: true,
          ...(revision !== undefined ? { revision } : {}),
        });
        revision ??= Number(res.header.revision);
        for (const kv of res.kvs)
          out.push(kv.key.subarray(this.prefixBuffer.length).toString('utf8'));
        if (!res.more || res.kvs.length === 0) break;
        from = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
      }
    } catch (error) {
      throw this.fail(error, `listing keys under "${prefix}"`);
    }
    return out;
  }

  /** Writes one record; returns the revision of the write. */
  async put<T>(codec: Codec<T>, key: string, value: T): Promise<number> {
    const { revision } = await this.txn(
      [],
      [{ type: 'put', key, value: JSON.stringify(codec.toJSON(value)) }],
    );
    return revision;
  }

  /** Deletes one key; returns the revision after the delete. */
  async delete(key: string): Promise<number> {
    const { revision } = await this.txn([], [{ type: 'delete', key }]);
    return revision;
  }

  /**
   * Deletes every key under `prefix`, in chunks of at most {@link maxTxnOps} keys
   * (etcd 3.4 slows down after large transactions). Returns how many keys it deleted.
   */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const keys = await this.listKeys(prefix, { limit: maxTxnOps });
      if (keys.length === 0) return deleted;
      await this.txn(
        [],
        keys.map((key) => ({ type: 'delete', key })),
      );
      deleted += keys.length;
    }
  }

  /**
   * Applies `ops` if every compare holds, otherwise `elseOps`, atomically.
   * At most {@link maxTxnOps} operations per branch (`InvalidArgument` otherwise).
   *
   * While etcd is briefly unavailable (a leader election, a member lost) the
   * transaction is tried again, on another member when there are several,
   * with {@link reconnectDelay} between attempts; it fails with `Unavailable`
   * after a few. An attempt that failed so may still have landed (the leader
   * died after committing it, before answering), so before each retry the
   * store reads whether `ops` are in effect already — every key put holds its
   * value (and lease) from one revision, every key deleted is gone — and
   * then reports success at that revision instead of writing again. So a
   * guarded transaction is never reported failed because its own earlier
   * attempt changed what it compares, and an unguarded one is not written
   * twice. (That reading also takes the same values written by someone else
   * for this transaction's: the store then holds what it was to write.) On a
   * cluster an attempt unanswered after 2.5 s is given up the same way.
   */
  async txn(
    compares: readonly Compare[],
    ops: readonly Op[],
    elseOps: readonly Op[] = [],
  ): Promise<TxnResult> {
    if (ops.length > maxTxnOps || elseOps.length > maxTxnOps) {
      throw new ChamberError(
        Code.InvalidArgument,
        `a transaction holds at most ${maxTxnOps} operations, got ${Math.max(ops.length, elseOps.length)}`,
      );
    }
    const request: etcd.ITxnRequest = {
      compare: compares.map((c) => this.toCompare(c)),
      success: ops.map((o) => this.toRequestOp(o)),
      failure: elseOps.map((o) => this.toRequestOp(o)),
    };
    let mayHaveLanded = false;
    for (let attempt = 1; ; attempt++) {
      try {
        if (mayHaveLanded) {
          const landed = await this.landedRevision(ops);
          if (landed !== undefined) return { succeeded: true, revision: landed };
        }
        const res = await isRetriedByStore.run(true, () =>
          this.client.kv.txn(
            request,
            this.endpoints.length > 1 ? { deadline: Date.now() + clusterAttemptMs } : undefined,
          ),
        );
        if (!res.succeeded && mayHaveLanded) {
          // An attempt given up on may have landed since the reading above.
          const landed = await this.landedRevision(ops);
          if (landed !== undefined) return { succeeded: true, revision: landed };
        }
        return { succeeded: res.succeeded, revision: Number(res.header.revision) };
      } catch (error) {
        if (!isEtcdRecoverable(error) || attempt >= attemptsWhileUnavailable) {
          throw this.fail(error, 'writing a transaction');
        }
        mayHaveLanded = true;
        await pause(reconnectDelay(attempt - 1));
      }
    }
  }

  /**
   * The revision at which `ops` took effect, when they are all in effect
   * now: every key put holds its value and lease, all from one revision
   * (for deletes only, the revision of the read); `undefined` otherwise, or
   * when there are no ops. One read-only transaction, so one snapshot.
   */
  private async landedRevision(ops: readonly Op[]): Promise<number | undefined> {
    if (ops.length === 0) return undefined;
    const res = await this.client.kv.txn({
      compare: [],
      success: ops.map((o) => {
        const key = Buffer.from(this.prefix + (o.type === 'deletePrefix' ? o.prefix : o.key));
        return {
          request_range: {
            key,
            ...(o.type === 'deletePrefix' ? { range_end: prefixEnd(key), count_only: true } : {}),
          },
        };
      }),
    });
    let revision: number | undefined;
    for (const [i, o] of ops.entries()) {
      const range = res.responses[i]?.response_range;
      if (range === undefined) return undefined;
      const kv = range.kvs[0];
      if (o.type !== 'put') {
        if (Number(range.count) > 0) return undefined;
        continue;
      }
      if (
        kv === undefined ||
        kv.value.toString('utf8') !== o.value ||
        kv.lease !== (o.lease ?? '0') ||
        (revision !== undefined && revision !== Number(kv.mod_revision))
      ) {
        return undefined;
      }
      revision = Number(kv.mod_revision);
    }
    return revision ?? Number(res.header.revision);
  }

  /**
   * Writes `ops` in transactions of at most {@link maxTxnOps} operations and
   * {@link maxTxnBytes} bytes, each chunk guarded by `compares`, up to
   * {@link chunksInFlight} at once; the last chunk is written alone once all
   * the others are (so a record put last is seen last). When a key is written
   * twice in `ops` (or a prefix is deleted), the chunks go one at a time, in
   * order. Stops at the first chunk whose compares do not hold and returns
   * `succeeded: false` (chunks already in flight may land). `onProgress`
   * hears how many operations are written after each chunk.
   */
  async writeChunked(
    compares: readonly Compare[],
    ops: readonly Op[],
    onProgress?: (written: number, total: number) => void | Promise<void>,
  ): Promise<TxnResult> {
    const { chunks, hasRepeats } = chunkOps(ops);
    const last = chunks.pop()!;
    let result: TxnResult = { succeeded: true, revision: 0 };
    let written = 0;
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < chunks.length && result.succeeded) {
        const chunk = chunks[next++]!;
        const res = await this.txn(compares, chunk);
        if (!res.succeeded) {
          result = res;
          return;
        }
        if (result.succeeded && res.revision > result.revision) result = res;
        written += chunk.length;
        await onProgress?.(written, ops.length);
      }
    };
    await Promise.all(Array.from({ length: hasRepeats ? 1 : chunksInFlight }, writer));
    if (!result.succeeded) return result;
    result = await this.txn(compares, last);
    if (!result.succeeded) return result;
    await onProgress?.(written + last.length, ops.length);
    return result;
  }

  /**
   * Compacts etcd's history up to `revision`: reads at older revisions then
   * fail with `OutOfRange`. Maintenance, and tests of time travel.
   */
  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision: String(revision), physical: true });
    } catch (error) {
      throw this.fail(error, `compacting to revision ${revision}`);
    }
  }

  /**
   * Defragments the etcd member this client talks to, giving the space that
   * compaction freed back to the file system. etcd blocks every read and
   * write on that member while it runs (about a second per few hundred MB):
   * call it rarely. Fails with `Unavailable` when etcd cannot be reached.
   */
  async defragment(): Promise<void> {
    try {
      await this.client.maintenance.defragment();
    } catch (error) {
      throw this.fail(error, 'defragmenting');
    }
  }

  /**
   * The etcd member's database: its file size (`dbSize`), the bytes in use
   * (`dbSizeInUse`; the rest is free space a defragmentation would return)
   * and the current revision.
   */
  async databaseStatus(): Promise<{ dbSize: number; dbSizeInUse: number; revision: number }> {
    try {
      const res = await this.client.maintenance.status();
      // etcd 3.4 sends dbSizeInUse; etcd3's typings do not name it.
      const inUse = (res as { dbSizeInUse?: string }).dbSizeInUse;
      return {
        dbSize: Number(res.dbSize),
        dbSizeInUse: inUse === undefined ? Number(res.dbSize) : Number(inUse),
        revision: Number(res.header.revision),
      };
    } catch (error) {
      throw this.fail(error, 'reading the database status');
    }
  }

  /**
   * The names of every simulation with keys in this etcd (this one
   * included), sorted: one small read per simulation. Compaction is
   * etcd-wide, so whoever compacts asks the others what they keep.
   */
  async listSimulations(): Promise<string[]> {
    const root = Buffer.from(rootPrefix);
    const end = prefixEnd(root);
    const names: string[] = [];
    let from: Buffer = root;
    try {
      for (;;) {
        const res = await this.client.kv.range({
          key: from,
          range_end: end,
          limit: 1,
          keys_only: true,
        });
        const kv = res.kvs[0];
        if (kv === undefined) return names;
        const name = simulationOfKey(kv.key.toString('utf8'));
        if (name === undefined) return names;
        names.push(name);
        from = prefixEnd(Buffer.from(`${rootPrefix}${name}/`));
      }
    } catch (error) {
      throw this.fail(error, 'listing the simulations');
    }
  }

  /**
   * Watches every key under `prefix` (or under any of several prefixes, as
   * one watch: their events in revision order) from `fromRevision`
   * (inclusive; from now when absent). `onEvents` receives the events of
   * each etcd response that it follows, in revision order, synchronously; a
   * response with none of them is not delivered. It must not throw, nor
   * change the array (the same one may go to other watches). The watch
   * reconnects by itself, resuming after the last revision delivered.
   * Watches of one `Store` share one etcd watch when they can (see
   * `WatchHub`); several prefixes with `isShared: false` fail with
   * `InvalidArgument`.
   */
  async watch(
    prefix: string | readonly string[],
    options: WatchOptions,
    onEvents: (events: WatchEvent[]) => void,
  ): Promise<WatchHandle> {
    try {
      // A watch of its own recovers from a compaction too (the hub's own
      // path of such a watch does not).
      // (Several prefixes with `isShared: false` are refused by the hub.)
      if (
        options.isShared === false &&
        options.onCompacted !== undefined &&
        typeof prefix === 'string'
      )
        return await openRecoveringWatch(this.client, this.prefix, prefix, options, onEvents);
      return await this.hub.subscribe(prefix, options, onEvents);
    } catch (error) {
      throw this.fail(
        error,
        `watching ${typeof prefix === 'string' ? `"${prefix}"` : prefix.map((p) => `"${p}"`).join(', ')}`,
      );
    }
  }

  /**
   * A lease of `ttlSeconds`, kept alive until revoked or lost; with
   * `{ isKeptAlive: false }`, one that expires after its TTL (a lifetime).
   */
  async grantLease(
    ttlSeconds: number,
    options: { readonly isKeptAlive?: boolean } = {},
  ): Promise<Lease> {
    try {
      return await openLease(this.client, ttlSeconds, options.isKeptAlive ?? true);
    } catch (error) {
      throw this.fail(error, 'granting a lease');
    }
  }

  /**
   * Campaigns for the singleton role `name` (key `election/<name>`): resolves
   * once this caller leads. Writes the leader makes should include
   * `leadership.guard` so they fail once leadership is lost.
   */
  async campaign(name: string, value: string, options: CampaignOptions = {}): Promise<Leadership> {
    return campaign(this, name, value, options);
  }

  /** Closes the connection; pending watches end. */
  close(): void {
    this.client.close();
  }

  private toRaw(kv: etcd.IKeyValue): RawEntry {
    return {
      key: kv.key.subarray(this.prefixBuffer.length).toString('utf8'),
      value: kv.value.toString('utf8'),
      modRevision: Number(kv.mod_revision),
      createRevision: Number(kv.create_revision),
      version: Number(kv.version),
    };
  }

  private toCompare(c: Compare): etcd.ICompare {
    const result = { '==': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;
    const key = Buffer.from(this.prefix + c.key);
    if (c.target === 'value') {
      return { key, target: 'Value', result: result[c.op], value: Buffer.from(c.value) };
    }
    const compare: etcd.ICompare = {
      key,
      result: result[c.op],
      ...(c.isPrefix === true ? { range_end: prefixEnd(key) } : {}),
    };
    switch (c.target) {
      case 'mod':
        return { ...compare, target: 'Mod', mod_revision: c.value };
      case 'create':
        return { ...compare, target: 'Create', create_revision: c.value };
      case 'version':
        return { ...compare, target: 'Version', version: c.value };
    }
  }

  private toRequestOp(o: Op): etcd.IRequestOp {
    switch (o.type) {
      case 'put':
        return {
          request_put: {
            key: Buffer.from(this.prefix + o.key),
            value: Buffer.from(o.value),
            ...(o.lease !== undefined ? { lease: o.lease } : {}),
          },
        };
      case 'delete':
        return { request_delete_range: { key: Buffer.from(this.prefix + o.key) } };
      case 'deletePrefix': {
        const start = Buffer.from(this.prefix + o.prefix);
        return { request_delete_range: { key: start, range_end: prefixEnd(start) } };
      }
    }
  }

  private fail(error: unknown, what: string): ChamberError {
    return fromEtcdError(error, what, this.endpoints);
  }
}

/** Whether etcd3 counts `error` as transient (etcd unavailable, a call cut short). */
function isEtcdRecoverable(error: unknown): boolean {
  return error instanceof Error && etcd.isRecoverableError(error);
}

export type { CampaignOptions, Leadership, Lease, WatchEvent, WatchHandle, WatchOptions };
