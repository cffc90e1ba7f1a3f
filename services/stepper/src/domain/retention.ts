/**
 * The retention window's decisions: pure functions of what the store holds.
 * See services/stepper/README.md ("History kept").
 */

/** How many ticks the history moves forward at a time: a tenth of the window (at least 1). */
export function retentionStep(retentionTicks: number): number {
  return Math.max(1, Math.ceil(retentionTicks / 10));
}

/** What the retention decides after a settled tick. */
export type RetentionDecision =
  | { readonly kind: 'keep' }
  /** Forget the ticks before `oldestTick`: it becomes the oldest tick readable. */
  | { readonly kind: 'advance'; readonly oldestTick: number };

/**
 * Whether to move the oldest readable tick forward. `oldestTick` is the
 * current one (0 when nothing of this run was compacted yet); the window is
 * the last `retentionTicks` ticks through `settledTick`, moved in steps of
 * {@link retentionStep}, so etcd is compacted once per step, not per tick:
 * between steps up to a step more than the window stays readable.
 * `retentionTicks` 0 keeps everything.
 */
export function decideRetention(input: {
  readonly retentionTicks: number;
  readonly settledTick: number;
  readonly oldestTick: number;
}): RetentionDecision {
  const { retentionTicks, settledTick, oldestTick } = input;
  if (retentionTicks === 0) return { kind: 'keep' };
  const wanted = settledTick - retentionTicks + 1;
  if (wanted - oldestTick < retentionStep(retentionTicks)) return { kind: 'keep' };
  return { kind: 'advance', oldestTick: wanted };
}

/**
 * The revision etcd may be compacted to so that every read "as of" a tick
 * from `oldestTick` on still works. A read as of tick `t` reads at `t`'s
 * settled revision, or, for a tick the clock skipped, just before the next
 * indexed tick's snapshot: so the snapshot revision of `oldestTick` when it
 * is indexed, else the next indexed tick's snapshot revision minus one.
 */
export function compactionRevision(
  oldestTick: number,
  indexed: { readonly tick: number; readonly snapshotRevision: number },
): number {
  return indexed.tick === oldestTick ? indexed.snapshotRevision : indexed.snapshotRevision - 1;
}

/**
 * Compaction is etcd-wide: the revision to compact to is the lowest that
 * any simulation in the etcd still needs (`floors`: each other simulation's
 * own compaction revision, or its oldest indexed tick's snapshot when it
 * never compacted), so one simulation never erases another's history.
 */
export function sharedCompactionRevision(own: number, floors: readonly number[]): number {
  return Math.min(own, ...floors);
}

/** Free space (bytes) below which defragmenting is not worth blocking etcd. */
export const defragMinFreeBytes = 64 * 1024 * 1024;

/**
 * Whether to defragment etcd after a compaction: when at least half the
 * database file and {@link defragMinFreeBytes} are free pages. Compacted
 * pages are reused by later writes anyway, so this only returns space to
 * the file system; it blocks etcd while it runs, so it is kept rare.
 */
export function isDefragWorthIt(db: {
  readonly dbSize: number;
  readonly dbSizeInUse: number;
}): boolean {
  const free = db.dbSize - db.dbSizeInUse;
  return free >= defragMinFreeBytes && free * 2 >= db.dbSize;
}
