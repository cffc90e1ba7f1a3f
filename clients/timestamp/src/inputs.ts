import { ChamberError, Code } from '@chamber/errors';
import { PendingRecord, TickRecord } from '@chamber/protos';
import { cmp, op, type Compare, type Op, type Store } from '@chamber/store';
import { keys } from './keys.js';

/** An external input accepted by the store. */
export interface SubmittedInput {
  /** The tick at which the input takes effect: the clock's tick + 1 when it was written. */
  readonly effectiveTick: number;
  /** The revision of the write. */
  readonly revision: number;
  /** The input's id (its `pending/<id>` marker). */
  readonly id: string;
}

/** An external input to write; see {@link submitInput}. */
export interface InputToSubmit {
  /**
   * The input's id, or how to make one from the effective tick and a
   * sequence number (1, 2, … until one is free): ids made this way, like
   * `c12-1`, are the same on every replay of the same inputs.
   */
  readonly id: string | ((effectiveTick: number, n: number) => string);
  /** The participant that applies it. */
  readonly owner: string;
  readonly ops?: (effectiveTick: number, id: string) => Op[];
  /** More conditions; when one fails (and the clock did not move), `conflict()` is thrown. */
  readonly compares?: readonly Compare[];
  readonly conflict?: () => Error;
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
export async function submitInput(store: Store, input: InputToSubmit): Promise<SubmittedInput> {
  let n = 1;
  for (let attempt = 0; attempt < 20; attempt++) {
    const tick = await store.get(TickRecord, keys.tick);
    const effectiveTick = (tick?.value.tick ?? 0) + 1;
    const id = typeof input.id === 'string' ? input.id : input.id(effectiveTick, n);
    const guard =
      tick === undefined
        ? cmp.absent(keys.tick)
        : cmp.modRevision(keys.tick, '==', tick.modRevision);
    const fresh = typeof input.id === 'string' ? [] : [cmp.absent(keys.pending(id))];
    const res = await store.txn(
      [guard, ...fresh, ...(input.compares ?? [])],
      [
        ...(input.ops?.(effectiveTick, id) ?? []),
        op.put(PendingRecord, keys.pending(id), { effectiveTick, owner: input.owner }),
      ],
    );
    if (res.succeeded) return { effectiveTick, revision: res.revision, id };
    const now = await store.get(TickRecord, keys.tick);
    if (now?.modRevision !== tick?.modRevision) continue;
    if (fresh.length > 0 && (await store.getRaw(keys.pending(id))) !== undefined) {
      n++;
      continue;
    }
    if (input.compares !== undefined && input.compares.length > 0) {
      throw (
        input.conflict?.() ??
        new ChamberError(
          Code.Aborted,
          `input "${id}" conflicts with the store; nothing was written`,
        )
      );
    }
  }
  throw new ChamberError(Code.Aborted, `input not written: the clock kept advancing; try again`);
}
