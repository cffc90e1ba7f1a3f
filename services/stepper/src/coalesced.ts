/**
 * Runs an asynchronous `work` one at a time: `kick()` starts it now, or, if
 * it is running, once more after it (any number of kicks meanwhile coalesce
 * into that one run). So work that decides from the latest state never
 * runs twice at once and never misses a change that arrived while it ran.
 */
export class Coalesced {
  private readonly work: () => Promise<void>;
  private readonly onError: (error: unknown) => void;
  private isBusy = false;
  private isDirty = false;
  private isStopped = false;
  private running: Promise<void> = Promise.resolve();

  /** `onError` hears a run that threw; the next kick runs it again. */
  constructor(work: () => Promise<void>, onError: (error: unknown) => void) {
    this.work = work;
    this.onError = onError;
  }

  kick(): void {
    if (this.isStopped) return;
    if (this.isBusy) {
      this.isDirty = true;
      return;
    }
    this.isBusy = true;
    this.running = (async () => {
      try {
        do {
          this.isDirty = false;
          await this.work();
        } while (this.isDirty && !this.isStopped);
      } catch (error) {
        this.onError(error);
      } finally {
        this.isBusy = false;
      }
    })();
  }

  /** No more runs; resolves once the one in progress (if any) is over. */
  stop(): Promise<void> {
    this.isStopped = true;
    return this.running;
  }
}
