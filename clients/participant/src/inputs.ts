import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { InputSequenceRecord, JournalRecord, PendingRecord, TickRecord } from '@chamber/protos';
import {
  cmp,
  maxTxnBytes,
  maxTxnOps,
  op,
  opBytes,
  type Compare,
  type Entry,
  type Op,
  type Store,
} from '@chamber/store';
import { keys } from '@chamber/world';

/** An external input accepted by the store. */
export interface SubmittedInput {
  /** The tick at which the input takes effect: the clock's tick + 1 when it was written. */
  readonly effectiveTick: number;
  /** The revision of the write. */
  readonly revision: number;
  /** The input's id (its `pending/<id>` marker). */
  readonly id: string;
}

/** What the journal records of an input (one of JournalRecord's inputs), in its API's words. */
export type JournalInput = Omit<Partial<JournalRecord>, 'inputId' | 'effectiveTick'>;

/** The sequence numbering the journal's entries of a tick (`journal/<tick>/<n>`). */
const journalSequence = 'journal';

/** An external input to write; see {@link submitInputs}. */
export interface InputToSubmit {
  /**
   * The input's id, or the sequence its id is drawn from: `{ sequence:
   * 'command/c' }` makes `command/c12-1`, `command/c12-2`, … for the inputs
   * taking effect at tick 12, numbered in the order they are written, so the
   * same inputs in the same order get the same ids on every replay. Any
   * number of inputs may share a sequence and a tick.
   */
  readonly id: string | { readonly sequence: string };
  /** The participant that applies it. */
  readonly owner: string;
  readonly ops?: (effectiveTick: number, id: string) => Op[];
  /** More conditions; when one fails (and the clock did not move), `conflict()` is thrown. */
  readonly compares?: readonly Compare[];
  readonly conflict?: () => Error;
  /**
   * A person's (or a script's) input, as the journal keeps it for the run's
   * export: written in the same transaction under `journal/<tick>/<n>`.
   * Leave it out for inputs a service makes by itself, which a replay makes
   * again.
   */
  readonly journal?: JournalInput;
}

/**
 * How many times in a row the clock may publish a tick while one
 * transaction of inputs is being written before the write gives up. Each
 * attempt takes a few milliseconds, so only a clock running thousands of
 * ticks per second gets there.
 */
export const maxClockMoves = 50;

/** What the ids and guards of a transaction are computed from. */
interface Basis {
  readonly tick: Entry<TickRecord> | undefined;
  readonly sequences: Map<string, Entry<InputSequenceRecord> | undefined>;
}

/** One input of a transaction, with its id and writes for the basis' tick. */
interface Planned {
  readonly id: string;
  readonly ops: Op[];
  readonly sequence?: { readonly name: string; readonly n: number };
}

function sequenceOf(input: InputToSubmit): string | undefined {
  return typeof input.id === 'string' ? undefined : input.id.sequence;
}

async function readBasis(store: Store, inputs: readonly InputToSubmit[]): Promise<Basis> {
  const names = [...new Set(inputs.map(sequenceOf).filter((n) => n !== undefined))];
  if (inputs.some((i) => i.journal !== undefined)) names.push(journalSequence);
  const [tick, ...found] = await Promise.all([
    store.get(TickRecord, keys.clockTick),
    ...names.map((name) => store.get(InputSequenceRecord, keys.inputSequence(name))),
  ]);
  return { tick, sequences: new Map(names.map((name, i) => [name, found[i]])) };
}

/**
 * The longest head of `inputs` that fits one transaction (at least one
 * input), planned for the basis' tick, with the transaction's compares and
 * writes.
 */
function planChunk(
  basis: Basis,
  inputs: readonly InputToSubmit[],
): { planned: Planned[]; compares: Compare[]; ops: Op[]; effectiveTick: number } {
  const effectiveTick = (basis.tick?.value.tick ?? 0) + 1;
  const clockGuard =
    basis.tick === undefined
      ? cmp.absent(keys.clockTick)
      : cmp.modRevision(keys.clockTick, '==', basis.tick.modRevision);
  const last = new Map<string, number>();
  for (const [name, entry] of basis.sequences) {
    last.set(name, entry?.value.effectiveTick === effectiveTick ? entry.value.last : 0);
  }
  const planned: Planned[] = [];
  const used = new Set<string>();
  let opCount = 0;
  let compareCount = 1;
  let bytes = 0;
  for (const input of inputs) {
    const name = sequenceOf(input);
    let id: string;
    let sequence: Planned['sequence'];
    if (name === undefined) {
      id = input.id as string;
    } else {
      const n = (last.get(name) ?? 0) + 1;
      id = `${name}${effectiveTick}-${n}`;
      sequence = { name, n };
    }
    const ops = [
      ...(input.ops?.(effectiveTick, id) ?? []),
      op.put(PendingRecord, keys.pending(id), { effectiveTick, owner: input.owner }),
    ];
    const entry = input.journal === undefined ? undefined : (last.get(journalSequence) ?? 0) + 1;
    if (entry !== undefined) {
      ops.push(
        op.put(JournalRecord, keys.journalEntry(effectiveTick, entry), {
          ...JournalRecord.fromPartial({}),
          ...input.journal,
          inputId: id,
          effectiveTick,
        }),
      );
    }
    // A sequence first used here adds its counter's write and guard.
    const newSequences = [name, entry === undefined ? undefined : journalSequence].filter(
      (s) => s !== undefined && !used.has(s),
    ).length;
    const moreOps = ops.length + newSequences;
    const moreCompares = (input.compares?.length ?? 0) + newSequences;
    const moreBytes = ops.reduce((sum, o) => sum + opBytes(o), newSequences * 128);
    const fits =
      opCount + moreOps <= maxTxnOps &&
      compareCount + moreCompares <= maxTxnOps &&
      bytes + moreBytes <= maxTxnBytes;
    if (planned.length > 0 && !fits) break;
    planned.push({ id, ops, ...(sequence === undefined ? {} : { sequence }) });
    if (name !== undefined) {
      used.add(name);
      last.set(name, sequence!.n);
    }
    if (entry !== undefined) {
      used.add(journalSequence);
      last.set(journalSequence, entry);
    }
    opCount += moreOps;
    compareCount += moreCompares;
    bytes += moreBytes;
  }
  const compares: Compare[] = [clockGuard];
  const ops: Op[] = [];
  for (const name of used) {
    const entry = basis.sequences.get(name);
    const key = keys.inputSequence(name);
    compares.push(
      entry === undefined ? cmp.absent(key) : cmp.modRevision(key, '==', entry.modRevision),
    );
    ops.push(op.put(InputSequenceRecord, key, { effectiveTick, last: last.get(name)! }));
  }
  for (const [i, p] of planned.entries()) {
    compares.push(...(inputs[i]!.compares ?? []));
    ops.push(...p.ops);
  }
  return { planned, compares, ops, effectiveTick };
}

/**
 * Writes one transaction of the head of `inputs` (as many as fit), retrying
 * while the clock or a sequence moves under it; resolves with the inputs
 * written.
 */
async function writeChunk(
  store: Store,
  inputs: readonly InputToSubmit[],
): Promise<SubmittedInput[]> {
  let basis = await readBasis(store, inputs);
  let clockMoves = 0;
  for (;;) {
    const chunk = planChunk(basis, inputs);
    const res = await store.txn(chunk.compares, chunk.ops);
    if (res.succeeded) {
      return chunk.planned.map((p) => ({
        id: p.id,
        effectiveTick: chunk.effectiveTick,
        revision: res.revision,
      }));
    }
    const before = basis;
    basis = await readBasis(store, inputs);
    if (basis.tick?.modRevision !== before.tick?.modRevision) {
      // A tick was published meanwhile: the inputs take effect a tick later.
      if (++clockMoves >= maxClockMoves) {
        throw new ChamberError(
          Code.Aborted,
          `nothing was written: the clock published a new tick during each of ${clockMoves} attempts to write the input (it is advancing faster than inputs can be written); try again, or slow the clock down`,
        );
      }
      continue;
    }
    // Another writer took the next number of a sequence: number again.
    const isSequenceTaken = [...basis.sequences].some(
      ([name, entry]) => entry?.modRevision !== before.sequences.get(name)?.modRevision,
    );
    if (isSequenceTaken) continue;
    const guarded = inputs.slice(0, chunk.planned.length).find((i) => i.compares?.length);
    throw (
      guarded?.conflict?.() ??
      new ChamberError(
        Code.Aborted,
        `input "${chunk.planned[0]?.id ?? ''}" conflicts with the store; nothing was written`,
      )
    );
  }
}

/**
 * Writes external inputs (faults, target changes, commands, workloads) so
 * that each takes effect at a definite tick: `ops(effectiveTick, id)` is
 * written together with the marker `pending/<id>`, in a transaction guarded
 * on the published tick record, with `effectiveTick = tick + 1` (redone for
 * the next tick if one is published meanwhile). The input is then in the
 * snapshot of exactly that tick; the owning participant applies it there and
 * deletes the marker, and the stepper wakes for it. Inputs should be written
 * under `pending/` or other bookkeeping keys, so the world digest records
 * their effect at the tick they take effect, not the wall-clock moment they
 * arrived.
 *
 * All of `inputs` go in one transaction when they fit (at most
 * {@link maxTxnOps} writes and {@link maxTxnBytes} bytes: about 60
 * inputs of two writes each, 40 of three with a journal entry); more are
 * written in consecutive transactions of as many as fit, in order, each all
 * or nothing. So when the clock is
 * advancing, the inputs of a later transaction may take effect a tick later
 * than the earlier ones (each result says when).
 *
 * Fails with the input's `conflict()` when its `compares` do not hold,
 * writing nothing; with `Aborted` when the clock published a new tick during
 * each of {@link maxClockMoves} attempts in a row. When a later transaction
 * fails, the inputs of the earlier ones stay written and the error's message
 * says how many were.
 */
export async function submitInputs(
  store: Store,
  inputs: readonly InputToSubmit[],
): Promise<SubmittedInput[]> {
  const done: SubmittedInput[] = [];
  while (done.length < inputs.length) {
    try {
      done.push(...(await writeChunk(store, inputs.slice(done.length))));
    } catch (error) {
      if (done.length === 0) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ChamberError(
        isChamberError(error) ? error.code : Code.Unknown,
        `${done.length} of ${inputs.length} inputs were written (the first ones, through "${done[done.length - 1]!.id}"); the rest were not: ${reason}`,
        { cause: error },
      );
    }
  }
  return done;
}

/** Writes one external input; see {@link submitInputs}. */
export async function submitInput(store: Store, input: InputToSubmit): Promise<SubmittedInput> {
  const [submitted] = await submitInputs(store, [input]);
  return submitted!;
}

/** How many single inputs without compares {@link InputWriter} writes together: one transaction's worth. */
const groupLimit = 32;

interface Queued {
  readonly input: InputToSubmit;
  readonly resolve: (submitted: SubmittedInput) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes a service's inputs one write at a time, in the order they arrive.
 * Calls that draw ids from a sequence would otherwise race for its next
 * number and retry. Single inputs without `compares` that arrive while a
 * write is in flight are written together in the next one (up to
 * {@link groupLimit}, one transaction), so a burst of calls costs a few
 * transactions, not one each; an input with `compares` is written alone, so
 * its conflict fails only its own call.
 */
export class InputWriter {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly queued: Queued[] = [];
  private isScheduled = false;

  constructor(private readonly store: Store) {}

  /**
   * Writes `inputs` after every earlier call; see {@link submitInputs}. A
   * single input without `compares` goes the way of {@link submit}: a
   * service's one-input calls (an injection, a command) share transactions
   * in a burst, whichever method they use.
   */
  async submitAll(inputs: readonly InputToSubmit[]): Promise<SubmittedInput[]> {
    const [only] = inputs;
    if (inputs.length === 1 && (only!.compares?.length ?? 0) === 0)
      return [await this.submit(only!)];
    return this.enqueue(() => submitInputs(this.store, inputs));
  }

  /** Writes one input after every earlier call; see {@link submitInputs}. */
  async submit(input: InputToSubmit): Promise<SubmittedInput> {
    if ((input.compares?.length ?? 0) > 0)
      return (await this.enqueue(() => submitInputs(this.store, [input])))[0]!;
    return new Promise((resolve, reject) => {
      this.queued.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isScheduled) return;
    this.isScheduled = true;
    void this.enqueue(async () => {
      this.isScheduled = false;
      const group = this.queued.splice(0, groupLimit);
      // The rest goes in the write after this one.
      if (this.queued.length > 0) this.schedule();
      try {
        const submitted = await submitInputs(
          this.store,
          group.map((q) => q.input),
        );
        group.forEach((q, i) => q.resolve(submitted[i]!));
      } catch (error) {
        for (const q of group) q.reject(error);
      }
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
