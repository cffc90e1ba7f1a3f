import { describe, expect, it } from 'vitest';
import { freshReader } from './fresh-read.js';

describe('freshReader', () => {
  it('answers each call with a read that started after it, sharing reads among calls that wait', async () => {
    let started = 0;
    const releases: Array<() => void> = [];
    const read = freshReader(
      () =>
        new Promise<number>((resolve) => {
          const n = ++started;
          releases.push(() => resolve(n));
        }),
    );
    const first = read(); // starts read 1
    const second = read(); // read 1 is in flight: waits for read 2
    const third = read(); // shares read 2
    expect(started).toBe(1);
    releases.shift()!();
    expect(await first).toBe(1);
    await Promise.resolve();
    expect(started).toBe(2);
    releases.shift()!();
    expect(await second).toBe(2);
    expect(await third).toBe(2);
    const fourth = read(); // nothing in flight: a read of its own
    expect(started).toBe(3);
    releases.shift()!();
    expect(await fourth).toBe(3);
  });

  it('rejects the calls that shared a failed read, and starts afresh on the next call', async () => {
    let fail = true;
    const read = freshReader(() =>
      fail ? Promise.reject(new Error('down')) : Promise.resolve('up'),
    );
    await expect(read()).rejects.toThrow('down');
    fail = false;
    await expect(read()).resolves.toBe('up');
  });
});
