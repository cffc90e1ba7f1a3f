import { isChamberError, Code } from '@chamber/errors';
import { HistoryRecord, RunRecord, SettledRecord, TickIndexRecord } from '@chamber/protos';
import {
  cmp,
  decode,
  maxTxnOps,
  op,
  validateSimulationName,
  type Entry,
  type Leadership,
  type Store,
  type WatchEvent,
  type WatchHandle,
} from '@chamber/store';
import type { Logger } from '@chamber/telemetry';
import { oldestReadableTick } from '@chamber/timestamp';
import { keys } from '@chamber/world';
import { Coalesced } from './coalesced.js';
import {
  compactionRevision,
  decideRetention,
  isDefragWorthIt,
  sharedCompactionRevision,
} from './domain/retention.js';

/** What the retention needs. */
export interface RetentionOptions {
  readonly store: Store;
  readonly leadership: Leadership;
  /** The ticks of history kept (time travel); 0 keeps everything. */
  readonly retentionTicks: number;
  readonly logger: Logger;
}

/**
 * The leader's history keeping: after each settled tick it decides (see
 * `domain/retention.ts`) whether to move the oldest readable tick forward;
 * when it does, it writes `clock/history` (so readers refuse older ticks
 * before they vanish), deletes the `ticks/` index entries older than it in
 * chunks, compacts etcd to the snapshot revision of the oldest tick kept
 * (never past what another simulation in the same etcd keeps) and, when
 * enough space is free, defragments. Crash-only: all it knows is in the
 * store, and a new leader applies the stored record again before it moves on.
 */
export class Retention {
  private readonly options: RetentionOptions;
  private watch: WatchHandle | undefined;
  // Tried again at the next settled tick when a step fails.
  private readonly steps = new Coalesced(
    () => this.step(),
    (error) => this.options.logger.error({ err: error }, 'history retention step failed'),
  );
  /** Whether the stored record was applied by this leader (once per term, after a crash). */
  private isApplied = false;
  /** The run and oldest readable tick as of the last step, once applied: most ticks need no read. */
  private known: { readonly run: number; readonly oldestTick: number } | undefined;

  private constructor(options: RetentionOptions) {
    this.options = options;
  }

  /** Starts following settled ticks; resolves once the watch is open. */
  static async start(options: RetentionOptions): Promise<Retention> {
    const retention = new Retention(options);
    if (options.retentionTicks === 0) return retention;
    const from = (await options.store.currentRevision()) + 1;
    retention.watch = await options.store.watch(
      keys.clockSettled,
      // Behind a compaction nothing is lost: the next step reads the store.
      { fromRevision: from, onCompacted: () => options.store.currentRevision() },
      (events) => retention.onSettled(events),
    );
    retention.kick();
    return retention;
  }

  /** Stops; a step in progress finishes its current write. */
  async stop(): Promise<void> {
    await this.watch?.cancel();
    await this.steps.stop();
  }

  /** A settled tick: a step only when the window may move (decided from memory, no read). */
  private onSettled(events: readonly WatchEvent[]): void {
    let settled: SettledRecord | undefined;
    for (const e of events)
      if (e.key === keys.clockSettled && e.type === 'put')
        settled = decode(SettledRecord, e.key, e.value!);
    if (settled === undefined) return;
    const known = this.known;
    const isQuiet =
      known !== undefined &&
      known.run === settled.run &&
      decideRetention({
        retentionTicks: this.options.retentionTicks,
        settledTick: settled.tick,
        oldestTick: known.oldestTick,
      }).kind === 'keep';
    if (!isQuiet) this.kick();
  }

  private kick(): void {
    this.steps.kick();
  }

  private async step(): Promise<void> {
    const { store, leadership, retentionTicks, logger } = this.options;
    const settled = await store.get(SettledRecord, keys.clockSettled);
    const run = await store.get(RunRecord, keys.clockRun);
    if (settled === undefined || run === undefined || settled.value.run !== run.value.run) return;
    let history = await store.get(HistoryRecord, keys.clockHistory);
    const decision = decideRetention({
      retentionTicks,
      settledTick: settled.value.tick,
      oldestTick: oldestReadableTick(history?.value, run.value.run),
    });
    if (decision.kind === 'advance') {
      const indexed = await this.indexedFrom(decision.oldestTick);
      if (indexed === undefined) return;
      const record: HistoryRecord = {
        oldestTick: decision.oldestTick,
        compactedRevision: compactionRevision(decision.oldestTick, indexed),
        retentionTicks,
        run: run.value.run,
      };
      const res = await store.txn(
        [
          leadership.guard,
          cmp.modRevision(keys.clockHistory, '==', history?.modRevision ?? 0),
          cmp.modRevision(keys.clockRun, '==', run.modRevision),
        ],
        [op.put(HistoryRecord, keys.clockHistory, record)],
      );
      if (!res.succeeded) return;
      history = {
        key: keys.clockHistory,
        value: record,
        modRevision: res.revision,
        createRevision: history?.createRevision ?? res.revision,
        version: (history?.version ?? 0) + 1,
      };
      this.isApplied = false;
    }
    const isThisRun = history !== undefined && history.value.run === run.value.run;
    this.known = undefined;
    if (isThisRun && !this.isApplied) {
      await this.apply(history!);
      this.isApplied = true;
      logger.info(
        {
          oldestTick: history!.value.oldestTick,
          settledTick: settled.value.tick,
          compactedRevision: history!.value.compactedRevision,
        },
        `history: ticks before ${history!.value.oldestTick} forgotten (keeping the last ${retentionTicks})`,
      );
    }
    this.known = {
      run: run.value.run,
      oldestTick: oldestReadableTick(history?.value, run.value.run),
    };
  }

  /** The first indexed tick at or after `tick` (the settled tick always is). */
  private async indexedFrom(tick: number): Promise<TickIndexRecord | undefined> {
    const { store } = this.options;
    const exact = await store.get(TickIndexRecord, keys.tickIndex(tick));
    if (exact !== undefined) return exact.value;
    const after = await store.list(TickIndexRecord, keys.tickIndexPrefix, {
      startAfter: keys.tickIndex(tick),
      limit: 1,
    });
    return after.entries[0]?.value;
  }

  /** Deletes the index before the record's oldest tick, compacts, and defragments when worth it. */
  private async apply(history: Entry<HistoryRecord>): Promise<void> {
    const { store, leadership, logger } = this.options;
    const oldestKey = keys.tickIndex(history.value.oldestTick);
    for (;;) {
      const page = await store.listKeys(keys.tickIndexPrefix, { limit: maxTxnOps });
      const doomed = page.filter((k) => k < oldestKey);
      if (doomed.length === 0) break;
      const res = await store.txn(
        [leadership.guard, cmp.modRevision(keys.clockHistory, '==', history.modRevision)],
        doomed.map((k) => op.delete(k)),
      );
      if (!res.succeeded || doomed.length < page.length) break;
    }
    const target = sharedCompactionRevision(
      history.value.compactedRevision,
      await this.otherFloors(),
    );
    try {
      await store.compact(target);
    } catch (error) {
      // Already compacted that far (by this leader before a crash, or another simulation).
      if (!isChamberError(error) || error.code !== Code.OutOfRange) throw error;
    }
    // The earlier runs' history is older than this run's: gone with it.
    const past = await store.listKeys(keys.pastRunsPrefix);
    for (let i = 0; i < past.length; i += maxTxnOps)
      await store.txn(
        [leadership.guard],
        past.slice(i, i + maxTxnOps).map((k) => op.delete(k)),
      );
    const db = await store.databaseStatus();
    if (!isDefragWorthIt(db)) return;
    const started = Date.now();
    logger.info(
      { dbSize: db.dbSize, dbSizeInUse: db.dbSizeInUse },
      'history: defragmenting etcd (it blocks etcd while it runs)',
    );
    await store.defragment();
    const after = await store.databaseStatus();
    logger.info(
      { dbSize: after.dbSize, before: db.dbSize, ms: Date.now() - started },
      `history: etcd defragmented, ${db.dbSize} -> ${after.dbSize} bytes`,
    );
  }

  /**
   * What every other simulation in this etcd still needs: its own
   * compaction revision, or, when it never compacted, its oldest indexed
   * tick's snapshot revision (it keeps its whole history).
   */
  private async otherFloors(): Promise<number[]> {
    const { store } = this.options;
    const floors: number[] = [];
    for (const name of await store.listSimulations()) {
      if (name === store.simulation || !isSimulationName(name)) continue;
      const other = store.forSimulation(name);
      const history = await other.get(HistoryRecord, keys.clockHistory);
      if (history !== undefined) {
        floors.push(history.value.compactedRevision);
        continue;
      }
      const first = (await other.list(TickIndexRecord, keys.tickIndexPrefix, { limit: 1 }))
        .entries[0];
      if (first !== undefined) floors.push(first.value.snapshotRevision);
    }
    return floors;
  }
}

function isSimulationName(name: string): boolean {
  try {
    validateSimulationName(name);
    return true;
  } catch {
    return false;
  }
}
