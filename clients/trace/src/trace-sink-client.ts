import type { ChamberError } from '@chamber/errors';
import {
  checkAddress,
  followStream,
  reachable,
  unaryCaller,
  type BoundCall,
  type StreamFollow,
} from '@chamber/grpc';
import {
  TraceSinkClient as GrpcTraceSinkClient,
  type ExportSpansResponse,
  type FollowEntriesResponse,
  type ListEntriesResponse,
  type LogEntry,
  type Severity,
  type TraceSpan,
} from '@chamber/protos';
import { credentials } from '@grpc/grpc-js';

/** Which entries to see; every field left out matches everything. */
export interface EntryFilter {
  /** Only this service's entries (`inventory-repair`). */
  readonly service?: string;
  /** Only entries about this element or anything under it (`r1/z1/rack1`). */
  readonly target?: string;
  /** Only entries at least this severe. */
  readonly minSeverity?: Severity;
  /** Only this trace's entries. */
  readonly traceId?: string;
  /** Only entries of this run of the clock. */
  readonly run?: number;
  /** Only entries of services whose name starts with this (`inventory` takes in `inventory-repair`). */
  readonly servicePrefix?: string;
  /** Only decisions: no per-tick bookkeeping span (`clock.publish`, `monitor.tick`, …). */
  readonly isDecisionsOnly?: boolean;
}

/** Options of {@link TraceSinkClient.listEntries}. */
export interface ListEntriesOptions extends EntryFilter {
  /** Only entries after this seq (default 0: from the oldest held). */
  readonly afterSeq?: number;
  /** Only entries before this seq (default 0: up to the newest). */
  readonly beforeSeq?: number;
  /** At most this many (default 100, at most 1000). */
  readonly limit?: number;
  /** The newest `limit` matches instead of the oldest, still in ascending order. */
  readonly tail?: boolean;
}

/** Options of {@link TraceSinkClient.followEntries}. */
export interface FollowEntriesOptions extends EntryFilter {
  /** Replay what is held after this seq first (default 0: everything held). */
  readonly afterSeq?: number;
}

/** A running {@link TraceSinkClient.followEntries}: `cancel()` stops it (idempotent). */
export type EntryFollow = StreamFollow;

const filterFields = (f: EntryFilter) => ({
  service: f.service ?? '',
  target: f.target ?? '',
  minSeverity: f.minSeverity ?? 0,
  traceId: f.traceId ?? '',
  servicePrefix: f.servicePrefix ?? '',
  decisionsOnly: f.isDecisionsOnly ?? false,
  run: f.run ?? 0,
});

/**
 * A typed client of `chamber.trace.v1.TraceSink`, the trace log. Methods
 * reject with a ChamberError carrying the sink's code and message;
 * `Unavailable` ("cannot reach the tracesink at …") when it cannot be
 * reached. Seq numbers count from 1 within one sink process: compare
 * `instanceId` to tell that the log was reset (the sink restarted).
 */
export class TraceSinkClient {
  /** The sink's `host:port`. */
  readonly address: string;
  private readonly grpc: GrpcTraceSinkClient;
  private readonly call: <Res>(call: BoundCall<Res>) => Promise<Res>;

  private constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.grpc = new GrpcTraceSinkClient(address, credentials.createInsecure());
    this.call = unaryCaller('tracesink', address, timeoutMs);
  }

  /**
   * A client of the sink at `address` (`host:port`); no I/O until the first
   * call. `timeoutMs` (default 30,000) is the deadline of unary calls.
   * Throws `InvalidArgument` for an address that is not `host:port`.
   */
  static connect(address: string, options: { timeoutMs?: number } = {}): TraceSinkClient {
    checkAddress('tracesink', address, '127.0.0.1:50058');
    return new TraceSinkClient(address, options.timeoutMs ?? 30_000);
  }

  /**
   * A page of the log in ascending seq order, with the oldest and newest seq
   * held (`firstSeq`, `lastSeq`: follow after `lastSeq` to see what comes
   * next) and the sink's `instanceId`.
   */
  listEntries(options: ListEntriesOptions = {}): Promise<ListEntriesResponse> {
    const request = {
      ...filterFields(options),
      afterSeq: options.afterSeq ?? 0,
      beforeSeq: options.beforeSeq ?? 0,
      limit: options.limit ?? 0,
      tail: options.tail ?? false,
    };
    return this.call<ListEntriesResponse>((md, o, cb) => this.grpc.listEntries(request, md, o, cb));
  }

  /**
   * Calls `onEntry` with each matching entry held after `afterSeq`, then with
   * each new one as it arrives, until {@link EntryFollow.cancel} or a
   * failure. `onEnd` is called exactly once: without an error after
   * `cancel()` or when the sink ends the stream; with a ChamberError when it
   * fails (`Unavailable` when the sink cannot be reached or goes away,
   * `ResourceExhausted` when this follower fell too far behind). If
   * `onEntry` throws, the follow stops and `onEnd` gets that error. No
   * deadline.
   */
  followEntries(
    onEntry: (entry: LogEntry, instanceId: string) => void,
    onEnd?: (error?: ChamberError) => void,
    options: FollowEntriesOptions = {},
  ): EntryFollow {
    const stream = this.grpc.followEntries({
      ...filterFields(options),
      afterSeq: options.afterSeq ?? 0,
    });
    return followStream(
      stream,
      (response: FollowEntriesResponse) => {
        if (response.entry !== undefined) onEntry(response.entry, response.instanceId);
      },
      onEnd,
      (error) => reachable('tracesink', this.address, error),
    );
  }

  /** Adds `spans` to the log; resolves with how many it took. */
  async export(spans: readonly TraceSpan[]): Promise<number> {
    if (spans.length === 0) return 0;
    const res = await this.call<ExportSpansResponse>((md, o, cb) =>
      this.grpc.exportSpans({ spans: [...spans] }, md, o, cb),
    );
    return res.accepted;
  }

  /** Releases the connection; calls in flight run to their end. */
  close(): void {
    this.grpc.close();
  }
}
