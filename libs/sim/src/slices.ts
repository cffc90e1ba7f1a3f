import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Cuts a long synchronous loop into slices of at most `sliceMs` of work,
 * letting the event loop run between them (lease keep-alives, health checks,
 * RPCs, watch events). Call {@link Slicer.pause} at points where the loop may
 * stop: it resolves at once while the slice has time left, and after one turn
 * of the event loop when it has used it up. Where a loop pauses depends on the
 * machine's speed, so what it computes must not: the work between pauses is
 * the same whatever the machine.
 */
export interface Slicer {
  /** Resolves once the event loop has had a turn, when the slice is used up; at once otherwise. */
  pause(): Promise<void> | undefined;
  /** How many times it let the event loop run. */
  readonly pauses: number;
}

/** The slice length {@link createSlicer} uses unless told: well under a 3 s lease. */
export const defaultSliceMs = 50;

/** A {@link Slicer} of `sliceMs` (at least 1 ms). */
export function createSlicer(sliceMs = defaultSliceMs): Slicer {
  let started = performance.now();
  let pauses = 0;
  let calls = 0;
  return {
    pause() {
      // Reading the clock costs more than a cheap iteration: look every 64 calls.
      if ((++calls & 63) !== 0 || performance.now() - started < Math.max(1, sliceMs)) return;
      pauses++;
      return nextTurn().then(() => {
        started = performance.now();
      });
    },
    get pauses() {
      return pauses;
    },
  };
}
