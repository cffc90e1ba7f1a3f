import { Code, type ChamberError } from '@chamber/errors';
import { ListEntriesResponse, LogEntry, severityFromJSON } from '@chamber/protos';
import { TraceSinkClient } from '@chamber/trace-client';
import type { LogFeed } from './events.js';
import type { LogQuery, LogSource } from './handlers/logs.js';

/**
 * The trace/decision log as the frontend serves it: `GET /logs` pages
 * through the tracesink's ListEntries, and the `logs` event kind follows
 * its FollowEntries stream (pushed by the sink, never polled). Entries are
 * the proto3 JSON of `chamber.trace.v1.LogEntry`.
 */
export class TraceLog implements LogSource, LogFeed {
  private readonly client: TraceSinkClient;

  constructor(address: string) {
    this.client = TraceSinkClient.connect(address, { timeoutMs: 5_000 });
  }

  async list(query: LogQuery): Promise<unknown> {
    const res = await this.client.listEntries({
      ...(query.after === undefined ? {} : { afterSeq: query.after }),
      ...(query.service === undefined ? {} : { service: query.service }),
      ...(query.target === undefined ? {} : { target: query.target }),
      ...(query.severity === undefined
        ? {}
        : { minSeverity: severityFromJSON(`SEVERITY_${query.severity.toUpperCase()}`) }),
      ...(query.traceId === undefined ? {} : { traceId: query.traceId }),
      ...(query.run === undefined ? {} : { run: query.run }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.tail === undefined ? {} : { tail: query.tail }),
    });
    return ListEntriesResponse.toJSON(res);
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
