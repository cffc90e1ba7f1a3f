import { ChamberError, Code } from '@chamber/errors';
import type { HistoryRecord } from '@chamber/protos';

/** Ticks and counts as people read them: `12,345`. */
function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The oldest tick of run `run` still readable with time travel: the
 * stepper's `clock/history` record when it belongs to that run, else 0 (no
 * compaction yet in this run: every tick is readable).
 */
export function oldestReadableTick(history: HistoryRecord | undefined, run: number): number {
  return history !== undefined && history.run === run ? history.oldestTick : 0;
}

/**
 * Fails with `OutOfRange` when `tick` is older than the history kept, with a
 * message naming the window (`tick 12 is older than the history kept: ticks
 * 2,345 to 12,345 (the last 10,001); …`), so the REST answer, the CLI's
 * `--at` and a gRPC caller all read the same words. Does nothing for a tick
 * inside it; `now` is the current tick, `run` the current run; `field` is
 * the request field its details name (`as_of_tick` by default).
 */
export function checkReadableTick(
  tick: number,
  history: HistoryRecord | undefined,
  now: number,
  run: number,
  field = 'as_of_tick',
): void {
  const oldest = oldestReadableTick(history, run);
  if (tick >= oldest) return;
  const retention = history!.retentionTicks;
  throw new ChamberError(
    Code.OutOfRange,
    `tick ${count(tick)} is older than the history kept: ticks ${count(oldest)} to ${count(now)} (the last ${count(now - oldest + 1)}); the stepper keeps ${count(retention)} ticks (stepper.retentionTicks) and compacts what is older`,
    { details: { field } },
  );
}
