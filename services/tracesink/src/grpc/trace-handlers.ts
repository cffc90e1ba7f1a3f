import { ChamberError, Code } from '@chamber/errors';
import { serverStream, unary, type HandlerLogger } from '@chamber/grpc';
import {
  Severity,
  type FollowEntriesRequest,
  type ListEntriesRequest,
  type TraceSinkServer,
} from '@chamber/protos';
import { trimSlashes, type EntryFilter } from '../domain/entries.js';
import type { TraceLog } from '../domain/trace-log.js';

/** The most spans one Export may carry. */
export const maxSpansPerExport = 10_000;

/** ListEntries' page size when none is asked for, and the largest it gives. */
export const listLimits = { default: 100, max: 1_000 } as const;

/** How many entries a follower is sent before it yields to other work. */
const followBatch = 256;

/** The live FollowEntries streams, so stopping can end them at once. */
export interface Followers {
  /** Ends every follower's stream (normally, as if it had ended on its own). */
  closeAll(): void;
}

function filterOf(req: ListEntriesRequest | FollowEntriesRequest): EntryFilter {
  if (Severity[req.minSeverity] === undefined) {
    throw new ChamberError(
      Code.InvalidArgument,
      `min_severity must be one of SEVERITY_UNSPECIFIED, SEVERITY_DEBUG, SEVERITY_INFO, SEVERITY_WARN, SEVERITY_ERROR; got ${req.minSeverity}`,
    );
  }
  return {
    service: req.service,
    target: trimSlashes(req.target),
    minSeverity: req.minSeverity,
    traceId: req.traceId,
    run: req.run,
    servicePrefix: req.servicePrefix,
    isDecisionsOnly: req.decisionsOnly,
  };
}

/**
 * The TraceSink RPCs over `log`. `instanceId` goes out with every list and
 * followed entry, so clients can tell a restarted (empty) log.
 */
export function createTraceHandlers(
  log: TraceLog,
  instanceId: string,
  logger: HandlerLogger,
): { handlers: TraceSinkServer; followers: Followers } {
  const closers = new Set<() => void>();

  const handlers: TraceSinkServer = {
    exportSpans: unary(async (req) => {
      if (req.spans.length > maxSpansPerExport) {
        throw new ChamberError(
          Code.InvalidArgument,
          `spans: at most ${maxSpansPerExport} per Export, got ${req.spans.length}`,
        );
      }
      return Promise.resolve({ accepted: log.append(req.spans).length });
    }, logger),

    listEntries: unary(async (req) => {
      const filter = filterOf(req);
      const limit = Math.min(req.limit === 0 ? listLimits.default : req.limit, listLimits.max);
      const { entries } = log.select(filter, {
        afterSeq: req.afterSeq,
        beforeSeq: req.beforeSeq,
        limit,
        fromEnd: req.tail,
      });
      return Promise.resolve({
        entries,
        lastSeq: log.lastSeq,
        firstSeq: log.firstSeq,
        instanceId,
      });
    }, logger),

    followEntries: serverStream(
      (req, call) =>
        new Promise<void>((resolve, reject) => {
          const filter = filterOf(req);
          // Entries already dropped cannot be replayed: start at the oldest held.
          let cursor = Math.max(req.afterSeq, log.firstSeq - 1);
          let isWaiting = false;
          let isDone = false;
          const finish = (error?: ChamberError): void => {
            if (isDone) return;
            isDone = true;
            unsubscribe();
            closers.delete(close);
            if (error === undefined) resolve();
            else reject(error);
          };
          const close = (): void => finish();
          // Sends what matches after the cursor until the stream's buffer is
          // full (then waits for it to drain) or the log is caught up.
          const pump = (): void => {
            if (isDone || isWaiting) return;
            if (cursor < log.firstSeq - 1) {
              finish(
                new ChamberError(
                  Code.ResourceExhausted,
                  `this follower fell behind by more than the log holds (${log.capacity} entries): entries after ${cursor} were dropped before it read them; list from ${log.firstSeq} and follow again`,
                ),
              );
              return;
            }
            const { entries, scannedTo } = log.select(filter, {
              afterSeq: cursor,
              beforeSeq: 0,
              limit: followBatch,
              fromEnd: false,
            });
            cursor = scannedTo;
            let hasRoom = true;
            for (const entry of entries) hasRoom = call.write({ entry, instanceId });
            if (!hasRoom) {
              isWaiting = true;
              call.once('drain', () => {
                isWaiting = false;
                pump();
              });
            } else if (cursor < log.lastSeq) {
              setImmediate(pump);
            }
          };
          const unsubscribe = log.subscribe(pump);
          closers.add(close);
          call.on('cancelled', close);
          call.on('close', close);
          pump();
        }),
      logger,
    ),
  };

  return {
    handlers,
    followers: {
      closeAll() {
        for (const close of [...closers]) close();
      },
    },
  };
}
