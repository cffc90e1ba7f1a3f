import { ChamberError, Code } from '@chamber/errors';
import { PendingRecord, TickRecord } from '@chamber/protos';
import { cmp, op, type Op, type Store } from '@chamber/store';
import { keys } from './keys.js';

/** An external input accepted by the store. */
export interface SubmittedInput {
  /** The tick at which the input takes effect: the clock's tick + 1 when it was written. */
  readonly effectiveTick: number;
  /** The revision of the write. */
  readonly revision: number;
}

/**
 * Writes an external input (a fault, a target change, a workload) so that it
 * takes effect at a definite tick: `ops(effectiveTick)` is written together
 * with the marker `pending/<id>`, in a transaction guarded on the published
 * tick record, with `effectiveTick = tick + 1` (retried if a tick is
 * published meanwhile). The input is then in the snapshot of exactly that
 * tick; the owning participant applies it there and deletes the marker, and
 * the stepper wakes for it. Inputs should be written under `pending/` or
 * other bookkeeping keys, so the world digest records their effect at the
 * tick they take effect, not the wall-clock moment they arrived.
 */
export async function submitInput(
  store: Store,
  input: { id: string; owner: string; ops?: (effectiveTick: number) => Op[] },
): Promise<SubmittedInput> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tick = await store.get(TickRecord, keys.tick);
    const effectiveTick = (tick?.value.tick ?? 0) + 1;
    const guard =
      tick === undefined
        ? cmp.absent(keys.tick)
        : cmp.modRevision(keys.tick, '==', tick.modRevision);
    const res = await store.txn(
      [guard],
      [
        ...(input.ops?.(effectiveTick) ?? []),
        op.put(PendingRecord, keys.pending(input.id), { effectiveTick, owner: input.owner }),
      ],
    );
    if (res.succeeded) return { effectiveTick, revision: res.revision };
  }
  throw new ChamberError(
    Code.Aborted,
    `input "${input.id}" not written: the clock kept advancing; try again`,
  );
}
