import { ChamberError, Code } from '@chamber/errors';
import type { Handlers } from '../http/server.js';

/** A filter of the trace/decision log. */
export interface LogQuery {
  readonly after?: number;
  readonly service?: string;
  /** The start of the services' names. */
  readonly servicePrefix?: string;
  /** Only decisions: no per-tick bookkeeping span. */
  readonly decisions?: boolean;
  readonly target?: string;
  readonly severity?: string;
  readonly traceId?: string;
  readonly run?: number;
  readonly limit?: number;
  /** The newest `limit` matching entries instead of the oldest after `after`. */
  readonly tail?: boolean;
}

/** Where the log routes read entries from (the tracesink). */
export interface LogSource {
  /**
   * Entries matching `query`, ordered by sequence number, with the log's
   * bounds, as JSON text; rejects `Cancelled` when `signal` aborts first.
   */
  list(query: LogQuery, signal: AbortSignal): Promise<string>;
}

/** The handler of `GET /logs`; answers 503 when no tracesink is configured. */
export function logHandlers(source: LogSource | undefined): Pick<Handlers, 'listLogs'> {
  return {
    async listLogs(request) {
      if (source === undefined) {
        throw new ChamberError(
          Code.Unavailable,
          'no tracesink is configured (CHAMBER_FRONTEND_TRACESINK is empty): there is no trace log',
        );
      }
      return { json: await source.list(request.input.query, request.signal) };
    },
  };
}
