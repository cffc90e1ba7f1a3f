/**
 * How everything that waits for etcd to come back tries again: a lost lease
 * re-granted, a registration written again, a watch reconnected, a stepper
 * campaigning again. The delay doubles from `initialMs` and stays at `maxMs`,
 * so an outage of any length ends with a retry within `maxMs` of etcd's
 * return, and a long one costs one attempt per `maxMs`, not a busy loop.
 */
export const reconnectBackoff = { initialMs: 100, maxMs: 1_000 } as const;

/** The delay before retry number `attempt` (0 for the first retry), in ms. */
export function reconnectDelay(attempt: number): number {
  return Math.min(
    reconnectBackoff.maxMs,
    reconnectBackoff.initialMs * 2 ** Math.min(Math.max(attempt, 0), 10),
  );
}

/**
 * Resolves after `ms`, or at once when `signal` is aborted (then the timer is
 * cleared, so a stopped holder leaves nothing pending). Never rejects.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
