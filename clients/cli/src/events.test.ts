import { ApiClient } from '@chamber/api';
import { describe, expect, it } from 'vitest';
import { followEvents, type ServerEvent } from './events.js';

/** A response whose body is `chunks`, then ends (a dropped connection). */
function stream(chunks: readonly string[]): Response {
  const encoder = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(controller) {
        for (const c of chunks) controller.enqueue(encoder.encode(c));
        controller.close();
      },
    }),
    { headers: { 'content-type': 'text/event-stream' } },
  );
}

describe('followEvents', () => {
  it('parses events split across chunks and resumes a dropped stream after the last id', async () => {
    const answers = [
      stream([
        'retry: 1\n: stream of clock\n\n',
        'id: 5-0\nevent: clock\nda',
        'ta: {"a":1}\r',
        '\n\r\ndata: one\ndata: two\n\n',
      ]),
      stream(['id: 6-0\nevent: clock\ndata: {"a":2}\n\n']),
    ];
    const lastIds: Array<string | null> = [];
    const realFetch = globalThis.fetch;
    const stop = new AbortController();
    globalThis.fetch = (_url, init) => {
      lastIds.push(new Headers(init?.headers).get('last-event-id'));
      const next = answers.shift();
      if (next === undefined) stop.abort();
      return Promise.resolve(next ?? stream([]));
    };
    const events: ServerEvent[] = [];
    try {
      await followEvents(new ApiClient({ baseUrl: 'http://h:1' }), 'clock', stop.signal, (e) => {
        events.push(e);
      });
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(events).toEqual([
      { id: '5-0', event: 'clock', data: '{"a":1}' },
      { id: '5-0', event: 'message', data: 'one\ntwo' },
      { id: '6-0', event: 'clock', data: '{"a":2}' },
    ]);
    expect(lastIds).toEqual([null, '5-0', '6-0']);
  });

  it("rejects with the server's message on an error event", async () => {
    const realFetch = globalThis.fetch;
    globalThis.fetch = () =>
      Promise.resolve(stream(['event: error\ndata: {"message":"the trace log is gone"}\n\n']));
    try {
      await expect(
        followEvents(
          new ApiClient({ baseUrl: 'http://h:1' }),
          'logs',
          new AbortController().signal,
          () => undefined,
        ),
      ).rejects.toThrow('the trace log is gone');
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
