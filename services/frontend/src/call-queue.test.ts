import { Code, isChamberError } from '@chamber/errors';
import { describe, expect, it } from 'vitest';
import { CallQueue } from './call-queue.js';

/** A call that answers when the test says so. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const never = new AbortController().signal;

/** Lets the promise jobs queued so far run (no wall time passes). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('CallQueue', () => {
  it('runs at most `concurrency` calls at once and the rest in arrival order, failing none for being many', async () => {
    const queue = new CallQueue<number>(2);
    const calls = Array.from({ length: 500 }, () => pending<number>());
    const started: number[] = [];
    const answers = calls.map((c, i) =>
      queue.run(
        `call ${i}`,
        () => {
          started.push(i);
          return c.promise;
        },
        never,
      ),
    );
    await settled();
    expect(started).toEqual([0, 1]);
    calls[1]!.resolve(1);
    await settled();
    expect(started).toEqual([0, 1, 2]);
    // Failures are each caller's own, and free a place like an answer.
    calls[0]!.reject(new Error('no'));
    await expect(answers[0]).rejects.toThrow('no');
    await settled();
    expect(started).toEqual([0, 1, 2, 3]);
    for (let i = 2; i < 500; i++) calls[i]!.resolve(i);
    expect(await Promise.all(answers.slice(2))).toEqual(
      Array.from({ length: 498 }, (_, i) => i + 2),
    );
    expect(started).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('gives a waiting call to every identical request that arrives before it is sent, and sends later ones again', async () => {
    const queue = new CallQueue<string>(1);
    const busy = pending<string>();
    void queue.run('busy', () => busy.promise, never);
    let sent = 0;
    const read = () => {
      sent++;
      return Promise.resolve(`answer ${sent}`);
    };
    const joined = [queue.run('same', read, never), queue.run('same', read, never)];
    expect(queue.waitingCalls).toBe(1);
    busy.resolve('done');
    expect(await Promise.all(joined)).toEqual(['answer 1', 'answer 1']);
    expect(await queue.run('same', read, never)).toBe('answer 2');
  });

  it('lets a caller whose client went away leave, and sends no call nobody waits for', async () => {
    const queue = new CallQueue<string>(1);
    const busy = pending<string>();
    void queue.run('busy', () => busy.promise, never);
    const gone = new AbortController();
    let sent = 0;
    const left = queue.run('x', () => Promise.resolve(`sent ${++sent}`), gone.signal);
    gone.abort();
    const error: unknown = await left.catch((e: unknown) => e);
    expect(isChamberError(error) && error.code).toBe(Code.Cancelled);
    expect(queue.waitingCalls).toBe(0);
    busy.resolve('done');
    expect(await queue.run('y', () => Promise.resolve('y'), never)).toBe('y');
    expect(sent).toBe(0);
  });
});
