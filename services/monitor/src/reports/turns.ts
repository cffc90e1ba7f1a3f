import { setImmediate as nextTurn } from 'node:timers/promises';

/** Items handled between two turns of the event loop. */
const turnEvery = 500;

/**
 * Calls `each` on every item, giving the event loop a turn every few
 * hundred items, so that a report over a big run (`large` holds hundreds of
 * thousands of records) does not keep this process's other work waiting:
 * its participant's lease, a tick, another call.
 */
export async function inTurns<T>(items: Iterable<T>, each: (item: T) => unknown): Promise<void> {
  let n = 0;
  for (const item of items) {
    if (++n % turnEvery === 0) await nextTurn();
    each(item);
  }
}
