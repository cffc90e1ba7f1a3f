import type { ApiClient } from '@chamber/api';
import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { explain } from './transport.js';

/** One server-sent event. */
export interface ServerEvent {
  /** The last `id:` seen in the stream so far (ids carry over to later events). */
  readonly id: string | undefined;
  /** The `event:` name; `message` when absent. */
  readonly event: string;
  /** The `data:` lines, joined by newlines. */
  readonly data: string;
}

/**
 * A parser of the `text/event-stream` format (the WHATWG rules): feed it
 * text in any chunks; it calls `onEvent` for each complete event, and
 * `onRetry` for a `retry:` field. Comments and unknown fields are ignored.
 */
export function createEventParser(
  onEvent: (event: ServerEvent) => void,
  onRetry: (ms: number) => void = () => undefined,
): { feed(text: string): void } {
  let buffer = '';
  let lastId: string | undefined;
  let event = '';
  let data: string[] = [];
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0)
        onEvent({ id: lastId, event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
  };
  return {
    feed(text) {
      buffer += text;
      // A trailing '\r' may be half of '\r\n': keep it for the next chunk.
      const end = buffer.endsWith('\r') ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, end).split(/\r\n|\r|\n/);
      buffer = (lines.pop() ?? '') + buffer.slice(end);
      for (const l of lines) line(l);
    },
  };
}

/**
 * Follows `GET /events?kinds=…` until `signal` aborts (resolves) or the
 * server reports an `error` event (rejects with its message). A dropped
 * connection is reopened after the server's `retry` delay with
 * `Last-Event-ID`, so no event is lost or repeated; a failure to reconnect
 * rejects. `onOpen` runs after each (re)connection is accepted. `from`
 * starts after that event id instead of at the present.
 */
export async function followEvents(
  client: ApiClient,
  kinds: string,
  signal: AbortSignal,
  onEvent: (event: ServerEvent) => void | Promise<void>,
  onOpen: () => void | Promise<void> = () => undefined,
  from?: string,
): Promise<void> {
  let lastId = from;
  let retryMs = 1000;
  while (!signal.aborted) {
    let response: Response;
    try {
      response = await client.open(
        'streamEvents',
        { query: { kinds }, signal },
        lastId === undefined ? {} : { 'last-event-id': lastId },
      );
    } catch (error) {
      if (signal.aborted) return;
      throw explain(error);
    }
    await onOpen();
    const queue: ServerEvent[] = [];
    const parser = createEventParser(
      (e) => queue.push(e),
      (ms) => (retryMs = ms),
    );
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body ?? []) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        for (const e of queue.splice(0)) {
          if (e.event === 'error') throw new ChamberError(Code.Unavailable, errorMessage(e.data));
          await onEvent(e);
          if (e.id !== undefined) lastId = e.id;
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (isChamberError(error)) throw error;
      // The connection dropped: reconnect below, resuming after lastId.
    }
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}

function errorMessage(data: string): string {
  try {
    const parsed = JSON.parse(data) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: show it as it came.
  }
  return `the event stream failed: ${data}`;
}
