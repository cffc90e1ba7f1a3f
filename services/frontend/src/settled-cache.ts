import { freshReader, type RawEntry, type Store } from '@chamber/store';

/**
 * The JSON answers of inventory reads, kept while no new tick settles.
 *
 * The world changes only tick by tick: until the next settle, reading an
 * element again gives what the last read gave, or something newer from the
 * tick in flight. So an answer is kept under the revision of the clock's
 * `settled` record, and every request first learns that revision by a read
 * of the clock that starts after it arrives (shared by the requests that
 * arrive meanwhile): a caller who has just seen a tick settle never gets an
 * answer from before it. No answer is kept during a reset or before the
 * first settled tick. Errors are never kept.
 */
export class SettledCache {
  private readonly answers = new Map<string, string>();
  private settledRevision = 0;
  private readonly clock: () => Promise<RawEntry[]>;
  private readonly maxAnswers: number;

  constructor(store: Store, maxAnswers = 10_000) {
    this.clock = freshReader(() => store.listRaw('clock/').then((r) => r.entries));
    this.maxAnswers = maxAnswers;
  }

  /** The JSON of `load()`'s answer for `key` (a request URL), as of now. */
  async get(key: string, load: () => Promise<unknown>): Promise<string> {
    const revision = await this.currentSettle();
    if (revision === undefined || revision < this.settledRevision) {
      return JSON.stringify(await load());
    }
    if (revision > this.settledRevision) {
      this.answers.clear();
      this.settledRevision = revision;
    }
    const kept = this.answers.get(key);
    if (kept !== undefined) return kept;
    const json = JSON.stringify(await load());
    if (revision === this.settledRevision) {
      if (this.answers.size >= this.maxAnswers) {
        const oldest = this.answers.keys().next().value;
        if (oldest !== undefined) this.answers.delete(oldest);
      }
      this.answers.set(key, json);
    }
    return json;
  }

  /** The revision of the last settle, or undefined while nothing may be kept. */
  private async currentSettle(): Promise<number | undefined> {
    const records = await this.clock();
    const settled = records.find((e) => e.key === 'clock/settled');
    const tick = records.find((e) => e.key === 'clock/tick');
    if (settled === undefined || tick === undefined) return undefined;
    const isResetting = (JSON.parse(tick.value) as { resetting?: unknown }).resetting === true;
    return isResetting ? undefined : settled.modRevision;
  }
}
