import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createSecretReader } from './secrets.js';

/** A stand-in terminal: `type` sends keys, raw mode is a no-op, prompts are collected. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
  let prompted = '';
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => (prompted += chunk.toString()));
  const reader = createSecretReader(stdin, out);
  return { reader, prompted: () => prompted, type: (keys: string) => stdin.write(keys) };
}

describe('createSecretReader', () => {
  it('on a terminal asks for a new password twice', async () => {
    const t = terminal();
    const asking = t.reader.read('new password: ', 'repeat the new password: ');
    await expect.poll(t.prompted).toBe('new password: ');
    t.type('new one!\r');
    await expect.poll(t.prompted).toBe('new password: \nrepeat the new password: ');
    t.type('new one!\r');
    await expect(asking).resolves.toBe('new one!');
  });

  it('on a terminal refuses a repetition that differs', async () => {
    const t = terminal();
    const asking = t.reader.read('new password: ', 'repeat the new password: ');
    t.type('new one!\r');
    await expect.poll(t.prompted).toContain('repeat the new password: ');
    t.type('another!\r');
    await expect(asking).rejects.toThrow(
      'the new password and its repetition differ; nothing was changed',
    );
  });

  it('reads one line of a pipe, without repeating', async () => {
    const { read, close } = createSecretReader(Readable.from(['piped pw\n']), new PassThrough());
    await expect(read('new password: ', 'repeat the new password: ')).resolves.toBe('piped pw');
    await expect(read('current password: ')).rejects.toThrow(
      'stdin ended before the current password',
    );
    close();
  });
});
