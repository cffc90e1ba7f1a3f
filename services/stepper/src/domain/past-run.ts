import type { PastRunRecord, RunRecord, SettledRecord } from '@chamber/protos';

/**
 * The record of the run a reset ends (`clock/runs/<run>`), from the clock's
 * records as the reset begins: its last settled tick and the revision it
 * settled at, where reports of it read. `undefined` when no tick of it
 * settled (nothing to report).
 */
export function pastRunOf(
  run: RunRecord | undefined,
  settled: { readonly value: SettledRecord; readonly modRevision: number } | undefined,
): PastRunRecord | undefined {
  if (run === undefined || settled === undefined || settled.value.run !== run.run) return undefined;
  return {
    run: run.run,
    seed: run.seed,
    lastTick: settled.value.tick,
    settledRevision: settled.modRevision,
    deterministic: run.deterministic,
  };
}
