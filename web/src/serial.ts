/**
 * `run` made to run one at a time: calling the answer starts it, or, while
 * a run is under way, asks for one more run after it (however many calls
 * came meanwhile). A failed run is dropped (`run` reports its own failures)
 * and does not stop the next.
 */
export function oneAtATime(run: () => Promise<unknown>): () => void {
  let isRunning = false;
  let isWanted = false;
  const start = (): void => {
    if (isRunning) {
      isWanted = true;
      return;
    }
    isRunning = true;
    isWanted = false;
    run()
      .catch(() => undefined)
      .finally(() => {
        isRunning = false;
        if (isWanted) start();
      });
  };
  return start;
}
