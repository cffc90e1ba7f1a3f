import { Code, type ChamberError } from '@chamber/errors';
import { ListEntriesResponse, LogEntry, severityFromJSON } from '@chamber/protos';
import { TraceSinkClient } from '@chamber/trace-client';
import { CallQueue } from './call-queue.js';
import type { LogFeed } from './events.js';
import type { LogQuery, LogSource } from './handlers/logs.js';

/**
 * How many ListEntries calls one frontend has in flight at once. The sink
 * answers each from memory in a few milliseconds, so a few keep it and this
 * frontend busy; the rest wait in the frontend (see {@link CallQueue})
 * rather than in the sink, where their deadlines would run out behind each
 * other while it did work nobody would read.
 */
export const traceSinkConcurrency = 4;

/**
 * The trace/decision log as the frontend serves it: `GET /logs` pages
 * through the tracesink's ListEntries, and the `logs` event kind follows
 * its FollowEntries stream (pushed by the sink, never polled). Entries are
 * the proto3 JSON of `chamber.trace.v1.LogEntry`.
 */
export class TraceLog implements LogSource, LogFeed {
  private readonly client: TraceSinkClient;
  /** The answers as JSON text, shared by identical requests that waited together. */
  private readonly calls = new CallQueue<string>(traceSinkConcurrency);

  constructor(address: string) {
    // The deadline is for a sink that does not answer: a page of the log is
    // up to 1,000 entries (about 400 KB), which a frontend busy answering
    // hundreds of clients may take seconds to read.
    this.client = TraceSinkClient.connect(address, { timeoutMs: 30_000 });
  }

  list(query: LogQuery, signal: AbortSignal): Promise<string> {
    const request = {
      afterSeq: query.after ?? 0,
      service: query.service ?? '',
      servicePrefix: query.servicePrefix ?? '',
      decisions: query.decisions ?? false,
      target: query.target ?? '',
      severity: query.severity ?? '',
      traceId: query.traceId ?? '',
      run: query.run ?? 0,
      limit: query.limit ?? 0,
      tail: query.tail ?? false,
    };
    return this.calls.run(JSON.stringify(request), () => this.send(query), signal);
  }

  private async send(query: LogQuery): Promise<string> {
    const res = await this.client.listEntries({
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
      ...(query.service === undefined ? {} : { service: query.service }),
      ...(query.servicePrefix === undefined ? {} : { servicePrefix: query.servicePrefix }),
      ...(query.decisions === undefined ? {} : { isDecisionsOnly: query.decisions }),
      ...(query.target === undefined ? {} : { target: query.target }),
      ...(query.severity === undefined
        ? {}
        : { minSeverity: severityFromJSON(`SEVERITY_${query.severity.toUpperCase()}`) }),
      ...(query.traceId === undefined ? {} : { traceId: query.traceId }),
      ...(query.run === undefined ? {} : { run: query.run }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.tail === undefined ? {} : { tail: query.tail }),
    });
    return JSON.stringify(ListEntriesResponse.toJSON(res));
  }

  /** The last sequence number held; 0 when the sink cannot be reached (its stream then says so). */
  async lastSeq(): Promise<number> {
    return this.client.listEntries({ tail: true, limit: 1 }).then(
      (res) => res.lastSeq,
      () => 0,
    );
  }

  follow(
    afterSeq: number,
    onEntry: (seq: number, entry: unknown) => void,
    onEnd: (error?: Error) => void,
  ): () => void {
    const follow = this.client.followEntries(
      (entry) => onEntry(entry.seq, LogEntry.toJSON(entry)),
      (error?: ChamberError) =>
        onEnd(error?.code === Code.Cancelled ? undefined : (error ?? undefined)),
      { afterSeq },
    );
    return () => follow.cancel();
  }

  close(): void {
    this.client.close();
  }
}
