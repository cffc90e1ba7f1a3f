import { ChamberError, Code } from '@chamber/errors';
import type { ClockStatus } from '@chamber/protos';
import type { ControlRecord, SettledRecord, TickRecord } from '@chamber/protos';
import { CachedView, type Entry, type Store, type WatchHandle } from '@chamber/store';
import { keys } from '@chamber/world';
import { deriveStatus, readClockRecords, type ClockRecords } from './status.js';

const clockPrefixes = [
  keys.clockControl,
  keys.clockTick,
  keys.clockSettled,
  keys.clockRun,
  keys.clockHistory,
  keys.acksPrefix,
  keys.participantsPrefix,
];

/**
 * The simulated clock as stored: follows the clock records with a watch and
 * answers from memory. Any process can read the clock this way, without the
 * stepper being reachable.
 */
export class ClockReader {
  private readonly view: CachedView;
  private watch: WatchHandle | undefined;
  private readonly listeners = new Set<(status: ClockStatus, records: ClockRecords) => void>();
  private current: ClockStatus;
  private syncWaiters: Array<{ revision: number; resolve: () => void }> = [];
  private records: ClockRecords;
  /** Clock records this process wrote at a revision the watch has not delivered yet. */
  private ahead: WrittenClockRecords | undefined;

  private constructor(view: CachedView) {
    this.view = view;
    this.records = readClockRecords(view);
    this.current = deriveStatus(this.records);
  }

  /** Loads the clock records and starts following them. */
  static async open(store: Store): Promise<ClockReader> {
    const view = await CachedView.load(store, clockPrefixes);
    const reader = new ClockReader(view);
    const synced = (): void => {
      const ready = reader.syncWaiters.filter((w) => w.revision <= view.revision);
      reader.syncWaiters = reader.syncWaiters.filter((w) => w.revision > view.revision);
      for (const w of ready) w.resolve();
    };
    reader.watch = await store.watch(
      '',
      {
        fromRevision: view.revision + 1,
        // Behind a compaction: the clock records as they are now.
        onCompacted: async () => {
          const at = await view.reload(store);
          reader.refresh();
          synced();
          return at;
        },
      },
      (events) => {
        view.apply(events);
        if (events.some((e) => view.covers(e.key))) reader.refresh();
        synced();
      },
    );
    return reader;
  }

  /** The current status. */
  status(): ClockStatus {
    return this.current;
  }

  /** The raw clock records behind {@link status}. */
  clockRecords(): ClockRecords {
    return this.records;
  }

  /** The last settled tick. */
  now(): number {
    return this.current.settledTick;
  }

  /**
   * Resolves with the status once `tick` (or a later one) is settled.
   * Rejects with `Aborted` if the clock is reset first (tick numbers start
   * again) or, with `epoch`, if the epoch moves (a policy change cancelled
   * what was being waited for); `Cancelled` when `signal` fires.
   */
  async waitFor(
    tick: number,
    options: { signal?: AbortSignal; epoch?: number } = {},
  ): Promise<ClockStatus> {
    const run = this.current.run;
    return this.until((s) => {
      // Run 0 means no run has started yet: the first one is not a reset.
      if (run !== 0 && s.run !== run)
        return new ChamberError(Code.Aborted, `the clock was reset while waiting for tick ${tick}`);
      if (s.run === 0) return false;
      // While tick 0 of a run is in flight nothing of the run is settled yet.
      if (s.settled ? s.tick >= tick : s.tick > 0 && s.settledTick >= tick) return true;
      if (options.epoch !== undefined && s.epoch !== options.epoch) {
        return new ChamberError(
          Code.Aborted,
          `the clock's policy changed (epoch ${s.epoch}) before tick ${tick} was reached`,
        );
      }
      return false;
    }, options.signal);
  }

  /**
   * Resolves with the first status (the current one included) for which
   * `test` returns true; rejects with the error it returns instead, or with
   * `Cancelled` when `signal` fires.
   */
  async until(
    test: (status: ClockStatus) => boolean | ChamberError,
    signal?: AbortSignal,
  ): Promise<ClockStatus> {
    return new Promise<ClockStatus>((resolve, reject) => {
      const check = (s: ClockStatus): void => {
        const verdict = test(s);
        if (verdict === false) return;
        stop();
        signal?.removeEventListener('abort', onAbort);
        if (verdict === true) resolve(s);
        else reject(verdict);
      };
      const onAbort = (): void => {
        stop();
        reject(new ChamberError(Code.Cancelled, 'stopped waiting: the call was cancelled'));
      };
      const stop = this.onChange(check);
      if (signal?.aborted === true) return onAbort();
      signal?.addEventListener('abort', onAbort);
      check(this.current);
    });
  }

  /** Resolves once the reader reflects the store at `revision` or later (after a write). */
  async sync(revision: number): Promise<void> {
    if (this.view.revision >= revision) return;
    await new Promise<void>((resolve) => this.syncWaiters.push({ revision, resolve }));
  }

  /**
   * Takes in the clock records this process has just written in one
   * transaction at `written.revision` (as `clock/control`, `clock/tick` and
   * `clock/settled`), before the watch delivers them: the status reflects
   * them at once, so a caller answering from {@link status} or waiting with
   * {@link waitFor} needs no watch round trip for its own write, and a later
   * read on this reader never goes back in time. Events up to that revision
   * keep arriving and are applied as usual; the written records stand in
   * for theirs until the watch reaches the revision. A revision the reader
   * already reflects changes nothing.
   */
  noteWritten(written: WrittenClockRecords): void {
    if (this.view.revision >= written.revision) return;
    if (this.ahead !== undefined && this.ahead.revision >= written.revision) return;
    this.ahead = written;
    this.refresh();
  }

  /** Calls `listener` on every change of the status; returns a function that stops it. */
  onChange(listener: (status: ClockStatus, records: ClockRecords) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the store. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.watch?.cancel();
  }

  private refresh(): void {
    if (this.ahead !== undefined && this.view.revision >= this.ahead.revision)
      this.ahead = undefined;
    const stored = readClockRecords(this.view);
    const ahead = this.ahead;
    this.records =
      ahead === undefined
        ? stored
        : {
            ...stored,
            control: ahead.control,
            tick: entryAt(keys.clockTick, ahead.tick, ahead.revision, stored.tick),
            settled:
              ahead.settled === undefined
                ? stored.settled
                : entryAt(keys.clockSettled, ahead.settled, ahead.revision, stored.settled),
          };
    this.current = deriveStatus(this.records);
    for (const l of [...this.listeners]) l(this.current, this.records);
  }
}

/**
 * Clock records written together in one transaction at `revision`: the
 * control record and the published tick, and the settled record when the
 * same transaction settled it.
 */
export interface WrittenClockRecords {
  readonly revision: number;
  readonly control: ControlRecord;
  readonly tick: TickRecord;
  readonly settled?: SettledRecord | undefined;
}

/** The entry `value` written at `revision` over `before` (the stored one, if any). */
function entryAt<T>(
  key: string,
  value: T,
  revision: number,
  before: Entry<T> | undefined,
): Entry<T> {
  return {
    key,
    value,
    modRevision: revision,
    createRevision: before?.createRevision ?? revision,
    version: (before?.version ?? 0) + 1,
  };
}
