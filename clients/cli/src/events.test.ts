import { describe, expect, it } from 'vitest';
import { createEventParser, type ServerEvent } from './events.js';

describe('the server-sent event parser', () => {
  it('parses events split across chunks, carrying ids over and skipping comments', () => {
    const events: ServerEvent[] = [];
    const retries: number[] = [];
    const parser = createEventParser(
      (e) => events.push(e),
      (ms) => retries.push(ms),
    );
    for (const chunk of [
      'retry: 1000\n: stream of clock\n\n',
      'id: 5-0\nevent: clock\nda',
      'ta: {"a":1}\r',
      '\n\r\ndata: one\ndata: two\n\n',
    ]) {
      parser.feed(chunk);
    }
    expect(retries).toEqual([1000]);
    expect(events).toEqual([
      { id: '5-0', event: 'clock', data: '{"a":1}' },
      { id: '5-0', event: 'message', data: 'one\ntwo' },
    ]);
  });
});
