/**
 * Counts the turns of the event loop from now until `stop()` (which returns
 * the count): how a test sees that a long stretch of work let the loop run,
 * as a lease keep-alive needs, without timing it.
 */
export function countEventLoopTurns(): { stop(): number } {
  let turns = 0;
  let isStopped = false;
  const count = (): void => {
    if (isStopped) return;
    turns++;
    setImmediate(count);
  };
  setImmediate(count);
  return {
    stop() {
      isStopped = true;
      return turns;
    },
  };
}
