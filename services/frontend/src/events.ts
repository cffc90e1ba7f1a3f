import { eventKinds } from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import type { Store } from '@chamber/store';
import { followedKinds, type FeedEvent, type StoreFeed } from './feeds.js';
import type { Handler } from './http/server.js';

/** One kind of event (`clock`, `actual`, …). */
export type EventKind = (typeof eventKinds)[number];

/** Bytes a slow client may have waiting before it is dropped (it resumes with Last-Event-ID). */
const maxBuffered = 4 * 1024 * 1024;
/** A comment line this often keeps proxies from closing an idle stream. */
const keepAliveMs = 15_000;

/** A source of log entries for the `logs` kind, after a sequence number. */
export interface LogFeed {
  /** The last sequence number now (where a new stream starts). */
  lastSeq(): Promise<number>;
  /** Calls `onEntry` for every entry after `afterSeq`, until the returned function is called. */
  follow(
    afterSeq: number,
    onEntry: (seq: number, entry: unknown) => void,
    onEnd: (error?: Error) => void,
  ): () => void;
}

/** The position of a stream: the store revision and the log sequence number it has delivered. */
interface Cursor {
  revision: number;
  logSeq: number;
}

function parseCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  const m = /^([0-9]{1,15})-([0-9]{1,15})$/.exec(text.trim());
  if (m === null) {
    throw new ChamberError(
      Code.InvalidArgument,
      'Last-Event-ID must be an event id of this stream ("<revision>-<seq>")',
      {
        details: { field: 'last-event-id' },
      },
    );
  }
  return { revision: Number(m[1]), logSeq: Number(m[2]) };
}

/**
 * The handler of `GET /events`, a server-sent event stream of the kinds
 * asked for, and the means to end every open stream when the frontend
 * stops. Store kinds follow the frontend's {@link StoreFeed} (one watch per
 * followed prefix for the whole process, each event decoded and framed once); `logs`
 * follows the trace log's stream. Nothing polls. Each event's id is `<revision>-<log seq>`, so `Last-Event-ID`
 * resumes exactly after it; a resume from a compacted revision gets an
 * `error` event and the stream ends.
 */
export function eventStreams(
  store: Store,
  feed: StoreFeed,
  logs: LogFeed | undefined,
): {
  handler: Handler<'streamEvents'>;
  /** Ends every open stream cleanly (clients reconnect by themselves) and waits, at most a second, for them to be sent. */
  endAll(): Promise<void>;
} {
  const open = new Set<{ end: () => void; isSent: Promise<void> }>();
  // The feed hands every stream the same batch: the text of a batch with
  // its ids is made once per (kinds, log sequence) and written to each
  // stream that shares them, not made again per client.
  const framed = new WeakMap<readonly FeedEvent[], Map<string, string>>();
  const handler: Handler<'streamEvents'> = async (request) => {
    if (request.koa.method === 'HEAD') {
      // The headers of a stream, without opening one.
      request.koa.status = 200;
      request.koa.type = 'text/event-stream';
      return { isStreamed: true };
    }
    const asked = request.input.query.kinds?.split(',') ?? [...eventKinds];
    const kinds = new Set(asked as EventKind[]);
    const resume = parseCursor(request.koa.get('last-event-id') || undefined);
    const { after } = request.input.query;
    const cursor: Cursor = resume ?? {
      revision: after ?? (await store.currentRevision()),
      logSeq: kinds.has('logs') && logs !== undefined ? await logs.lastSeq() : 0,
    };
    const ctx = request.koa;
    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    ctx.status = 200;
    // Written straight to the response once the stream is set up (until
    // then kept here, so a failure to set it up still answers an error).
    let pending: string[] | undefined = [`retry: 1000\n: stream of ${[...kinds].join(',')}\n\n`];

    let stopStore: (() => void) | undefined;
    let stopLogs: (() => void) | undefined;
    let isClosed = false;
    const entry = {
      end: () => close(),
      isSent: new Promise<void>((resolve) => res.once('close', resolve)),
    };
    open.add(entry);
    const close = (): void => {
      if (isClosed) return;
      isClosed = true;
      open.delete(entry);
      clearInterval(keepAlive);
      stopStore?.();
      stopLogs?.();
      if (pending === undefined) res.end();
    };
    const write = (text: string): void => {
      if (isClosed) return;
      if (pending !== undefined) {
        pending.push(text);
        return;
      }
      res.write(text);
    };
    // A client too far behind is dropped (it resumes with Last-Event-ID),
    // only between store revisions: a revision's changes under several
    // followed prefixes come as several batches (one per watch) that share
    // its id, so dropping between them would lose the rest of it.
    const isTooFarBehind = (): boolean => pending === undefined && res.writableLength > maxBuffered;
    const sendText = (event: string, data: string, hasId: boolean): void => {
      const id = hasId ? `id: ${cursor.revision}-${cursor.logSeq}\n` : '';
      write(`${id}event: ${event}\ndata: ${data}\n\n`);
    };
    const send = (event: string, data: unknown, hasId = true): void =>
      sendText(event, JSON.stringify(data), hasId);
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);
    request.signal.addEventListener('abort', close, { once: true });

    const storeKinds = followedKinds.filter((k) => kinds.has(k));
    const kindsKey = storeKinds.join(',');
    /** The batch as this stream sends it: each revision's last event carries the id. */
    const textOf = (events: readonly FeedEvent[]): string => {
      let text = '';
      events.forEach((e, i) => {
        // The id moves only after the last event of a revision, so a resume
        // never skips the rest of a transaction.
        if (events[i + 1]?.revision !== e.revision) {
          cursor.revision = Math.max(cursor.revision, e.revision);
          text += `id: ${cursor.revision}-${cursor.logSeq}\n`;
        }
        text += e.frame;
      });
      return text;
    };
    const onEvents = (events: readonly FeedEvent[]): void => {
      if (isClosed) return;
      if (events[0]!.revision > cursor.revision && isTooFarBehind()) return close();
      const last = events[events.length - 1]!.revision;
      if (cursor.revision >= events[0]!.revision) {
        // Behind this stream's own cursor (it resumed mid-batch): its own text.
        write(textOf(events));
        return;
      }
      const key = `${kindsKey}|${cursor.logSeq}`;
      let texts = framed.get(events);
      if (texts === undefined) framed.set(events, (texts = new Map<string, string>()));
      let text = texts.get(key);
      if (text === undefined) texts.set(key, (text = textOf(events)));
      cursor.revision = last;
      write(text);
    };
    const onError = (error: Error): void => {
      send(
        'error',
        {
          code: 'out_of_range',
          message: `cannot resume from revision ${cursor.revision + 1}: ${error.message}; reconnect without Last-Event-ID`,
        },
        false,
      );
      close();
    };
    if (storeKinds.length > 0) {
      try {
        stopStore = await feed.subscribe(
          storeKinds,
          { fromRevision: cursor.revision + 1, onError },
          onEvents,
        );
      } catch (error) {
        close();
        throw error;
      }
    }
    if (kinds.has('logs') && logs !== undefined) {
      stopLogs = logs.follow(
        cursor.logSeq,
        (seq, entry) => {
          if (isTooFarBehind()) return close();
          cursor.logSeq = Math.max(cursor.logSeq, seq);
          send('logs', entry);
        },
        (error) => {
          if (error !== undefined) {
            send(
              'error',
              { code: 'unavailable', message: `the trace log stream ended: ${error.message}` },
              false,
            );
          }
        },
      );
    }
    // The stream is set up: from here on this handler writes the answer itself.
    ctx.respond = false;
    const start = pending.join('');
    pending = undefined;
    res.write(start);
    if (isClosed) {
      // Closed while subscribing: what was opened since ends too.
      stopStore?.();
      stopLogs?.();
      res.end();
    }
    return { isStreamed: true };
  };
  return {
    handler,
    async endAll() {
      const streams = [...open];
      for (const stream of streams) stream.end();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(streams.map((stream) => stream.isSent)),
        new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
      ]);
      clearTimeout(timer);
    },
  };
}
