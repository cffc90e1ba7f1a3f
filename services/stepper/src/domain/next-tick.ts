import { Policy } from '@chamber/protos';

/** What the leader knows when deciding the next tick, all from the store. */
export interface NextTickInput {
  readonly policy: Policy;
  /** Ticks per second under measured. */
  readonly rate: number;
  /** Advance to (manual, paused) or do not pass (measured, no_wait) this tick. */
  readonly until: number | undefined;
  /** The settled tick. */
  readonly tick: number;
  /**
   * Each registered participant's earliest tick with work (`wakeTicks`:
   * T+1 when a change or its joining wakes it; `undefined`: none due).
   */
  readonly wakeups: ReadonlyArray<number | undefined>;
  /** Effective ticks of inputs still pending. */
  readonly pendingInputs: readonly number[];
  /** Wall time (ms) of the last publish, for measured pacing; `undefined` if none yet. */
  readonly lastPublishMs: number | undefined;
}

/** The decision: rest, or publish `tick` now or at wall time `atMs`. */
export type NextTick =
  | { readonly kind: 'rest' }
  | { readonly kind: 'publish'; readonly tick: number; readonly atMs?: number };

const rest: NextTick = { kind: 'rest' };

/**
 * The next tick to publish once `tick` is settled (DESIGN §1, clock policies).
 *
 * - paused, manual: only towards `until` (Step and RunUntil set it);
 * - no_wait: as soon as settled, bounded by `until`;
 * - measured: one tick per `1/rate` seconds after the last publish, bounded by `until`.
 *
 * Outside measured, idle ticks are skipped: the next tick is the earliest of
 * the participants' wake-ups, the pending inputs and the bound, never past
 * any of them. With none of them it rests.
 */
export function nextTick(input: NextTickInput): NextTick {
  const { policy, until, tick } = input;
  const isStepping = policy === Policy.POLICY_PAUSED || policy === Policy.POLICY_MANUAL;
  if (isStepping && until === undefined) return rest;
  if (until !== undefined && tick >= until) return rest;
  if (policy === Policy.POLICY_MEASURED) {
    const periodMs = 1000 / input.rate;
    return {
      kind: 'publish',
      tick: tick + 1,
      ...(input.lastPublishMs !== undefined ? { atMs: input.lastPublishMs + periodMs } : {}),
    };
  }
  if (!isStepping && policy !== Policy.POLICY_NO_WAIT) return rest;
  let earliest = until ?? Number.POSITIVE_INFINITY;
  for (const w of input.wakeups) if (w !== undefined && w < earliest) earliest = w;
  for (const p of input.pendingInputs) if (p > tick && p < earliest) earliest = p;
  if (earliest === Number.POSITIVE_INFINITY) return rest;
  return { kind: 'publish', tick: Math.max(tick + 1, earliest) };
}
