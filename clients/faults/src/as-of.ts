// The faults as a reader outside the faults service sees them. A request
// (inject, clear) is an input for the next tick: it waits in the faults
// service's inbox, `inputs/faults/<id>`, holding the fault's record as it
// stands from that tick, and the faults service moves it into
// `faults/<id>` at that tick. So from its tick until the move shows, the
// input stands in for the record. That rule is written here once: readers
// go through `faultsAsOf` and read `faults/` only.
import { FaultRecord } from '@chamber/protos';
import type {
  Codec,
  Entry,
  RawEntry,
  Reaction,
  Reactor,
  Snapshot,
  TickInput,
} from '@chamber/reactor';
import { keys } from '@chamber/world';

/** The faults service's participant name, and the owner of its inputs. */
export const faultsOwner = 'faults';

/** The faults service's inbox: `inputs/faults/<id>`, a fault's record from its input's tick on. */
export const faultsInbox = keys.inputsOf(faultsOwner);

/** The prefixes a reader caches for {@link faultsAsOf}: the records and the inbox. */
export const faultsViews: readonly string[] = [keys.faultsPrefix, faultsInbox];

/** As the faults stand once every input waiting is applied: what a caller of the API sees. */
export const afterInputs = Number.POSITIVE_INFINITY;

/**
 * Fault `id` as it stands at `tick`, given its record and its input (either
 * may be absent): the input once it is due (its `sinceTick` at or before
 * `tick`), else the record.
 */
export function standingFault<E extends { readonly value: FaultRecord }>(
  record: E | undefined,
  input: E | undefined,
  tick: number,
): E | undefined {
  return input !== undefined && input.value.sinceTick <= tick ? input : record;
}

const idOf = (faultKey: string): string => faultKey.slice(keys.faultsPrefix.length);
const inputKey = (faultKey: string): string => faultsInbox + idOf(faultKey);

/** Whether `prefix` selects keys under `faults/` (it is a prefix of it, or lies under it). */
const reachesFaults = (prefix: string): boolean =>
  prefix.startsWith(keys.faultsPrefix) || keys.faultsPrefix.startsWith(prefix);

/**
 * `snapshot` with the faults as they stand at `tick` (see
 * {@link standingFault}): under `faults/`, each due input stands in for its
 * fault's record, keyed `faults/<id>` (with the input's revisions); the
 * inbox itself reads as empty; every other key reads through. `snapshot`
 * must cache {@link faultsViews}. Costs the inbox's size (a few inputs at a
 * tick), never the size of the rest of the snapshot.
 */
export function faultsAsOf(snapshot: Snapshot, tick: number): Snapshot {
  /** The due inputs whose fault key is under `prefix`, by fault key (`undefined`: none). */
  const dueUnder = (prefix: string): Map<string, RawEntry> | undefined => {
    let out: Map<string, RawEntry> | undefined;
    for (const raw of snapshot.listRaw(faultsInbox)) {
      const faultKey = keys.fault(raw.key.slice(faultsInbox.length));
      if (!faultKey.startsWith(prefix) || !isDue(raw.key)) continue;
      (out ??= new Map()).set(faultKey, raw);
    }
    return out;
  };
  /** Whether the input at `key` stands in for its fault's record at `tick`. */
  const isDue = (key: string): boolean => {
    const input = snapshot.get(FaultRecord, key);
    return input !== undefined && standingFault(undefined, input, tick) === input;
  };
  /** Where the record read as `key` comes from: the key itself, or its fault's due input. */
  const sourceOf = (key: string): string => {
    if (!key.startsWith(keys.faultsPrefix)) return key;
    const input = inputKey(key);
    return isDue(input) ? input : key;
  };
  /** The keys `listRaw(prefix)` answers, in key order, each with the key it reads from. */
  const listed = (prefix: string): Array<readonly [key: string, source: RawEntry]> => {
    const out: Array<readonly [string, RawEntry]> = [];
    const due = reachesFaults(prefix) ? dueUnder(prefix) : undefined;
    for (const raw of snapshot.listRaw(prefix)) {
      if (raw.key.startsWith(faultsInbox)) continue;
      const input = due?.get(raw.key);
      due?.delete(raw.key);
      out.push([raw.key, input ?? raw]);
    }
    if (due === undefined || due.size === 0) return out;
    for (const [key, input] of due) out.push([key, input]);
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  const get = <T>(codec: Codec<T>, key: string, source: string): Entry<T> | undefined => {
    const entry = snapshot.get(codec, source);
    return entry === undefined || source === key ? entry : { ...entry, key };
  };
  return {
    getRaw(key) {
      if (key.startsWith(faultsInbox)) return undefined;
      const source = sourceOf(key);
      const raw = snapshot.getRaw(source);
      return raw === undefined || source === key ? raw : { ...raw, key };
    },
    get(codec, key) {
      if (key.startsWith(faultsInbox)) return undefined;
      return get(codec, key, sourceOf(key));
    },
    value(codec, key) {
      return this.get(codec, key)?.value;
    },
    listRaw(prefix) {
      return listed(prefix).map(([key, raw]) => (raw.key === key ? raw : { ...raw, key }));
    },
    list(codec, prefix) {
      return listed(prefix).map(([key, raw]) => get(codec, key, raw.key)!);
    },
  };
}

/**
 * `reactor` reading the faults as they stand at each tick: its snapshot is
 * {@link faultsAsOf} the tick's; in what changed, a change to a fault's
 * input is a change to `faults/<id>`, and so is an input falling due at the
 * tick; and it is woken at the tick an input waiting in the inbox falls due.
 * So a participant that reacts to faults reads `faults/` only, and caches
 * (and reacts to) {@link faultsViews}. Its reaction is `reactor`'s, with
 * that wake-up.
 */
export function readingFaultsAsOf<R extends Reaction>(reactor: Reactor<R>): Reactor<R> {
  return {
    async react(input: TickInput): Promise<R> {
      const { tick, snapshot, changes } = input;
      let mapped: Set<string> | undefined;
      let waiting: number | undefined;
      if (changes !== undefined) {
        mapped = new Set();
        for (const key of changes)
          mapped.add(key.startsWith(faultsInbox) ? keys.fault(key.slice(faultsInbox.length)) : key);
      }
      for (const { key, value } of snapshot.list(FaultRecord, faultsInbox)) {
        if (value.sinceTick === tick) mapped?.add(keys.fault(key.slice(faultsInbox.length)));
        else if (value.sinceTick > tick)
          waiting = Math.min(waiting ?? value.sinceTick, value.sinceTick);
      }
      const reaction = await reactor.react({
        ...input,
        snapshot: faultsAsOf(snapshot, tick),
        changes: mapped,
      });
      // Absent: the next tick, which is as soon as anything can be.
      if (waiting === undefined || reaction.nextWakeup === undefined) return reaction;
      const next = reaction.nextWakeup;
      return { ...reaction, nextWakeup: next === null ? waiting : Math.min(next, waiting) };
    },
  };
}
