import { ChamberError, Code } from '@chamber/errors';

interface Waiter<T> {
  readonly call: () => Promise<T>;
  readonly callers: Set<{
    resolve(value: T): void;
    reject(error: Error): void;
  }>;
}

/**
 * Calls to one backend, at most `concurrency` at a time; the others wait
 * their turn in arrival order, however many there are (each is a request a
 * client is waiting for), so a burst is served as fast as the backend can,
 * never failed for being many. A call's deadline runs from when it is sent,
 * not while it waits.
 *
 * A call that arrives while an identical one (the same `key`) is still
 * waiting joins it and gets its answer: that answer is read after both
 * arrived, so it is as fresh as either would have had. A caller whose
 * `signal` aborts (its client went away) leaves the queue; a call nobody
 * waits for any more is not sent.
 */
export class CallQueue<T> {
  private running = 0;
  /** In arrival order (a Map iterates in insertion order). */
  private readonly waiting = new Map<string, Waiter<T>>();

  /** `concurrency`: how many calls may run at once (at least 1). */
  constructor(private readonly concurrency: number) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
    }
  }

  /** How many distinct calls are waiting (for metrics and tests). */
  get waitingCalls(): number {
    return this.waiting.size;
  }

  /**
   * Runs `call` (or joins the waiting call of the same `key`) and resolves
   * with its answer. Rejects as it does, or with `Cancelled` when `signal`
   * aborts before the answer.
   */
  run(key: string, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(cancelled());
    return new Promise<T>((resolve, reject) => {
      let waiter = this.waiting.get(key);
      if (waiter === undefined) {
        waiter = { call, callers: new Set() };
        this.waiting.set(key, waiter);
      }
      const w = waiter;
      const caller = {
        resolve: (value: T) => {
          signal.removeEventListener('abort', leave);
          resolve(value);
        },
        reject: (error: Error) => {
          signal.removeEventListener('abort', leave);
          reject(error);
        },
      };
      const leave = (): void => {
        w.callers.delete(caller);
        // Not sent yet and nobody left to answer: drop it.
        if (w.callers.size === 0 && this.waiting.get(key) === w) this.waiting.delete(key);
        reject(cancelled());
      };
      w.callers.add(caller);
      signal.addEventListener('abort', leave, { once: true });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const next = this.waiting.entries().next();
      if (next.done === true) return;
      const [key, waiter] = next.value;
      this.waiting.delete(key);
      this.running++;
      // Through a promise job, so that a call that throws rejects like one that fails.
      void Promise.resolve()
        .then(waiter.call)
        .then(
          (value) => {
            for (const c of waiter.callers) c.resolve(value);
          },
          (error: unknown) => {
            const e = error instanceof Error ? error : new Error(String(error));
            for (const c of waiter.callers) c.reject(e);
          },
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}

function cancelled(): ChamberError {
  return new ChamberError(Code.Cancelled, 'the client went away before the answer');
}
