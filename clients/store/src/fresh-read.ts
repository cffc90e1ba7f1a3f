/**
 * Wraps `read` so that every call resolves with the result of a read that
 * *started after the call*: it sees every write made before the call (a
 * tick settled, say). Calls that arrive while a read is in flight share the
 * next one, which starts when that one ends, so under load one read answers
 * a whole batch of calls instead of one read each. A failed read rejects
 * the calls that shared it; the next call starts afresh.
 */
export function freshReader<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    next = undefined;
    const started = read();
    current = started;
    const done = (): void => {
      if (current === started) current = undefined;
    };
    started.then(done, done);
    return started;
  };
  return () => {
    if (next !== undefined) return next;
    if (current === undefined) return start();
    next = current.then(start, start);
    return next;
  };
}
