import { PendingRecord } from '@chamber/protos';
import { decode } from '@chamber/reactor';
import { keys } from '@chamber/world';
import { isWokenBy } from './expected.js';

// The leader decides the next tick after every batch of events it receives,
// and a burst of inputs is a batch per transaction: so what it reads of the
// inputs and of the keys changed since R(T) is kept here, event by event,
// and a decision costs the number of participants, not the number of
// pending inputs or changed keys (which made a burst of 1,000 inputs cost
// quadratic time: every decision listed and sorted every `pending/` marker
// and matched every changed key against every participant's prefixes).

/** A pending input as the leader's decisions read it: its owner and effective tick. */
export interface PendingInput {
  readonly owner: string;
  readonly effectiveTick: number;
}

/** A change of a key, as a watch delivers it (`value` with a put). */
export interface KeyEvent {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly value?: string | undefined;
}

/**
 * The `pending/` markers, by key, and how many there are of each owner and
 * effective tick. Loaded with the markers at a revision, then fed the
 * events after it in order.
 */
export class PendingInputs {
  private readonly byKey = new Map<string, PendingInput>();
  /** Count by owner, then by effective tick. */
  private readonly counts = new Map<string, Map<number, number>>();

  /** Replaces what it holds by `entries`, the `pending/` markers at a revision. */
  reload(entries: Iterable<{ readonly key: string; readonly value: string }>): void {
    this.byKey.clear();
    this.counts.clear();
    for (const e of entries) this.put(e.key, e.value);
  }

  /** Applies one event (events outside `pending/` are ignored). */
  apply(e: KeyEvent): void {
    if (!e.key.startsWith(keys.pendingPrefix)) return;
    this.remove(e.key);
    if (e.type === 'put') this.put(e.key, e.value!);
  }

  /** One entry per owner and effective tick among the pending markers (what the decisions need). */
  summary(): PendingInput[] {
    const out: PendingInput[] = [];
    for (const [owner, ticks] of this.counts)
      for (const effectiveTick of ticks.keys()) out.push({ owner, effectiveTick });
    return out;
  }

  private put(key: string, value: string): void {
    const { owner, effectiveTick } = decode(PendingRecord, key, value);
    this.byKey.set(key, { owner, effectiveTick });
    const ticks = this.counts.get(owner) ?? new Map<number, number>();
    ticks.set(effectiveTick, (ticks.get(effectiveTick) ?? 0) + 1);
    this.counts.set(owner, ticks);
  }

  private remove(key: string): void {
    const was = this.byKey.get(key);
    if (was === undefined) return;
    this.byKey.delete(key);
    const ticks = this.counts.get(was.owner)!;
    const left = ticks.get(was.effectiveTick)! - 1;
    if (left > 0) ticks.set(was.effectiveTick, left);
    else ticks.delete(was.effectiveTick);
    if (ticks.size === 0) this.counts.delete(was.owner);
  }
}

/**
 * The keys changed since R(T) (the clock's own records left out), and for
 * each set of prefixes a participant reacts to, the first of them that
 * wakes it. A new set of prefixes is matched against every key once; each
 * key added later is matched against the sets not woken yet.
 */
export class ChangedKeys {
  private readonly keys = new Set<string>();
  private readonly wakers = new Map<string, { reactsTo: readonly string[]; key?: string }>();

  add(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    for (const w of this.wakers.values())
      if (w.key === undefined && isWokenBy(w.reactsTo, key)) w.key = key;
  }

  /**
   * For `reactsTo` of each participant, one changed key that wakes it, if
   * any: given to `wakeTicks` as the changed keys, these wake exactly the
   * participants that all of them would.
   */
  wakersOf(participants: ReadonlyArray<{ readonly reactsTo: readonly string[] }>): string[] {
    const out = new Set<string>();
    for (const { reactsTo } of participants) {
      const id = reactsTo.join('\n');
      let w = this.wakers.get(id);
      if (w === undefined) {
        w = { reactsTo };
        for (const key of this.keys) {
          if (isWokenBy(reactsTo, key)) {
            w.key = key;
            break;
          }
        }
        this.wakers.set(id, w);
      }
      if (w.key !== undefined) out.add(w.key);
    }
    return [...out];
  }
}
