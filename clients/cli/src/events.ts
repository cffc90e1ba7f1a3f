import type { ApiClient } from '@chamber/api';
import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { createParser } from 'eventsource-parser';
import { setTimeout as sleep } from 'node:timers/promises';
import { explain } from './rest.js';

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
    let id = lastId;
    const parser = createParser({
      onEvent: (e) => {
        id = e.id ?? id;
        queue.push({ id, event: e.event ?? 'message', data: e.data });
      },
      onRetry: (ms) => (retryMs = ms),
    });
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
    // Aborting ends the wait early; the loop then ends.
    await sleep(retryMs, undefined, { signal }).catch(() => undefined);
  }
}

/** An event's data: its JSON when it is JSON, else the text as it came. */
export function parseData(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

function errorMessage(data: string): string {
  const message = (parseData(data) as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : `the event stream failed: ${data}`;
}
