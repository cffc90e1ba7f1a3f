// The store side of reports: which revisions a tick range spans, and what
// the elements' records did between them (the states at the range's first
// tick, then every change, replayed from etcd's history by a watch).
import { ChamberError, Code, isChamberError } from '@chamber/errors';
import {
  AvailabilitySample,
  FaultRecord,
  FaultStatus,
  HistoryRecord,
  PastRunRecord,
  RepairRecord,
  SettledRecord,
  TickIndexRecord,
  TickRecord,
} from '@chamber/protos';
import type { Store, WatchEvent } from '@chamber/store';
import { checkReadableTick } from '@chamber/timestamp';
import { deviceOf, enumTypes, fromWire, keys, pathOfViewKey } from '@chamber/world';
import type { WordFact } from '../domain/series.js';
import { inTurns } from './turns.js';

/** A tick range of a run and the revisions it spans. */
export interface TickRange {
  readonly run: number;
  readonly fromTick: number;
  readonly toTick: number;
  /** The world as tick `fromTick` began (its snapshot R(from)). */
  readonly startRevision: number;
  /** The world once tick `toTick` settled. */
  readonly endRevision: number;
}

/** A run's settled ticks. */
interface RunBounds {
  readonly run: number;
  readonly lastTick: number;
  /** The revision at which `lastTick` settled. */
  readonly settledRevision: number;
  /** A past run's tick index is read as it ended, at `settledRevision`. */
  readonly isPast: boolean;
}

/**
 * The range `[from, to]` (defaults: 0 and the last settled tick) of `run`,
 * the current run when absent, and its revisions. A past run (one a reset
 * ended) is read as it stood when it ended, while etcd still holds its
 * history: until the current run first compacts it. Fails with
 * `InvalidArgument` when `from > to` or `to` is after the run's last settled
 * tick, `FailedPrecondition` when no tick of the current run has settled,
 * `NotFound` for a run neither current nor kept, and `OutOfRange` naming the
 * history kept (as time travel does) when `from` is older than it.
 */
export async function resolveRange(
  store: Store,
  from: number | undefined,
  to: number | undefined,
  run?: number,
): Promise<TickRange> {
  const [tick, settled, history] = await Promise.all([
    store.get(TickRecord, keys.clockTick),
    store.get(SettledRecord, keys.clockSettled),
    store.get(HistoryRecord, keys.clockHistory),
  ]);
  const current = tick?.value.run ?? 0;
  let bounds: RunBounds;
  if (run === undefined || run === current) {
    if (settled === undefined || settled.value.run !== current)
      throw new ChamberError(Code.FailedPrecondition, `no tick of run ${current} has settled yet`);
    bounds = {
      run: current,
      lastTick: settled.value.tick,
      settledRevision: settled.modRevision,
      isPast: false,
    };
  } else {
    const past = await store.get(PastRunRecord, keys.pastRun(run));
    if (past === undefined) throw await notKept(store, run, current);
    bounds = {
      run,
      lastTick: past.value.lastTick,
      settledRevision: past.value.settledRevision,
      isPast: true,
    };
  }
  const fromTick = from ?? 0;
  const toTick = to ?? bounds.lastTick;
  if (toTick > bounds.lastTick)
    throw new ChamberError(
      Code.InvalidArgument,
      `to tick ${toTick} is after the last settled tick ${bounds.lastTick}${bounds.isPast ? ` of run ${bounds.run}` : ''}`,
      { details: { field: 'to_tick' } },
    );
  if (fromTick > toTick)
    throw new ChamberError(
      Code.InvalidArgument,
      `from tick ${fromTick} is after to tick ${toTick}`,
      {
        details: { field: from === undefined ? 'to_tick' : 'from_tick' },
      },
    );
  if (!bounds.isPast)
    checkReadableTick(
      fromTick,
      history?.value,
      tick?.value.tick ?? bounds.lastTick,
      current,
      'from_tick',
    );
  try {
    return await revisionsOf(store, bounds, fromTick, toTick);
  } catch (error) {
    if (!bounds.isPast || !isChamberError(error) || error.code !== Code.OutOfRange) throw error;
    throw new ChamberError(
      Code.OutOfRange,
      `run ${run} is no longer kept: etcd compacted its history`,
      { details: { field: 'run' }, cause: error },
    );
  }
}

/** Why `run` has no report: not begun, or no longer kept; naming the runs that have one. */
async function notKept(store: Store, run: number, current: number): Promise<ChamberError> {
  const details = { details: { field: 'run' } };
  if (run > current)
    return new ChamberError(
      Code.NotFound,
      `run ${run} has not begun: the current run is ${current}`,
      details,
    );
  const kept = (await store.list(PastRunRecord, keys.pastRunsPrefix)).entries.map(
    (e) => e.value.run,
  );
  return new ChamberError(
    Code.NotFound,
    `run ${run} is no longer kept (a run's history goes when a later run compacts etcd); reports cover run${kept.length > 0 ? 's' : ''} ${[...kept, `${current} (current)`].join(', ')}`,
    details,
  );
}

/** The revisions a range of a run spans, from its tick index. */
async function revisionsOf(
  store: Store,
  bounds: RunBounds,
  fromTick: number,
  toTick: number,
): Promise<TickRange> {
  const at = bounds.isPast ? { revision: bounds.settledRevision } : {};
  const indexed = (t: number) => store.get(TickIndexRecord, keys.tickIndex(t), at);
  const nextIndexed = async (t: number): Promise<TickIndexRecord | undefined> => {
    const after = await store.list(TickIndexRecord, keys.tickIndexPrefix, {
      ...at,
      ...(t < 0 ? {} : { startAfter: keys.tickIndex(t) }),
      limit: 1,
    });
    return after.entries[0]?.value;
  };
  const settledAt = async (t: number): Promise<number> => {
    const exact = await indexed(t);
    if (exact !== undefined) return exact.value.settledRevision;
    // A tick nobody was expected at changed nothing: the world stood as the
    // next indexed tick found it, or as the last settlement left it.
    const next = await nextIndexed(t);
    return next === undefined ? bounds.settledRevision : next.snapshotRevision - 1;
  };
  const exactFrom = await indexed(fromTick);
  const endRevision = await settledAt(toTick);
  const startRevision =
    exactFrom !== undefined
      ? exactFrom.value.snapshotRevision
      : fromTick > 0
        ? await settledAt(fromTick - 1)
        : ((await nextIndexed(-1))?.snapshotRevision ?? endRevision);
  return {
    run: bounds.run,
    fromTick,
    toTick,
    startRevision,
    endRevision: Math.max(startRevision, endRevision),
  };
}

/** What an element's records did over a range: state words from their since-ticks. */
export interface ElementFacts {
  readonly path: string;
  readonly actual: WordFact[];
  readonly observed: WordFact[];
}

/** Everything a report or a series is folded from. */
export interface RunRecords {
  /** By element path, in path order. */
  readonly elements: ReadonlyMap<string, ElementFacts>;
  /** As they stand once the range's last tick settled. */
  readonly repairs: readonly RepairRecord[];
  readonly samples: readonly AvailabilitySample[];
  /** Faults active once the range's last tick settled. */
  readonly openFaults: number;
  /** Instances the scheduler could not place (`unplaced/`) once the range's last tick settled. */
  readonly pendingInstances: number;
}

/**
 * Reads the range's records: the PDUs', TORs' and blades' actual and
 * observed records at the start revision, every change to them up to the
 * end revision (replayed by a watch of the simulation from the start
 * revision on: its cost follows what changed, not the inventory times the
 * ticks), and the repairs and availability samples at the end revision.
 * Fails with `OutOfRange` when etcd compacted the revisions meanwhile.
 */
export async function readRun(store: Store, range: TickRange): Promise<RunRecords> {
  const elements = new Map<string, ElementFacts>();
  const take = (key: string, value: string | undefined): void => {
    const fact = factOf(key, value);
    if (fact === undefined) return;
    const facts = elements.get(fact.path) ?? { path: fact.path, actual: [], observed: [] };
    facts[fact.view].push(fact.fact);
    elements.set(fact.path, facts);
  };
  const at = { revision: range.startRevision };
  const [actual, observed] = await Promise.all([
    store.listRaw(keys.actualPrefix, at),
    store.listRaw(keys.observedPrefix, at),
  ]);
  await inTurns([...actual.entries, ...observed.entries], (e) => take(e.key, e.value));
  const changes = await Promise.all(
    [keys.actualPrefix, keys.observedPrefix].map((prefix) =>
      replay(store, prefix, range.startRevision, range.endRevision),
    ),
  );
  // In revision order across both views, as the records were written.
  await inTurns(
    changes.flat().sort((a, b) => a.modRevision - b.modRevision),
    (e) => e.type === 'put' && take(e.key, e.value),
  );

  const end = { revision: range.endRevision };
  const [repairs, samples, faults, unplaced] = await Promise.all([
    store.list(RepairRecord, keys.repairsPrefix, end),
    store.list(AvailabilitySample, keys.availabilityPrefix, end),
    store.list(FaultRecord, keys.faultsPrefix, end),
    store.listKeys(keys.unplacedPrefix, end),
  ]);
  return {
    elements: new Map([...elements.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    repairs: repairs.entries.map((e) => e.value),
    samples: samples.entries.map((e) => e.value),
    openFaults: faults.entries.filter((e) => e.value.status === FaultStatus.FAULT_STATUS_ACTIVE)
      .length,
    pendingInstances: unplaced.length,
  };
}

/**
 * The changes under `prefix` (a view's records) in (`from`, `to`], from
 * etcd's history: a watch of the prefix from `from + 1`, complete once it
 * delivered the last write of the span (`Store.lastWriteBetween`, read
 * first), so its cost follows the view's changes, not the simulation's.
 */
async function replay(
  store: Store,
  prefix: string,
  from: number,
  to: number,
): Promise<WatchEvent[]> {
  const last = await store.lastWriteBetween(prefix, from, to);
  if (last === undefined) return [];
  const events: WatchEvent[] = [];
  let done!: () => void;
  let failed!: (error: Error) => void;
  const complete = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const watch = await store.watch(
    prefix,
    { fromRevision: from + 1, isShared: false, onError: (error) => failed(error) },
    (batch) => {
      // A revision's events come in one batch: the span is complete once a batch reaches `last`.
      for (const e of batch) if (e.modRevision <= to) events.push(e);
      if (batch.some((e) => e.modRevision >= last)) done();
    },
  );
  try {
    await complete;
  } finally {
    await watch.cancel();
  }
  return events;
}

const stateTypes = {
  pdu: enumTypes.pduState,
  tor: enumTypes.torState,
  blade: enumTypes.bladeState,
} as const;

/**
 * The fact of one element record: `actual/<region>/<zone>/<rack>/<kind>/<n>`
 * or `observed/…` of a PDU, TOR or blade (cables and the rest: `undefined`).
 */
function factOf(
  key: string,
  value: string | undefined,
): { path: string; view: 'actual' | 'observed'; fact: WordFact } | undefined {
  if (value === undefined) return undefined;
  const actual = pathOfViewKey('actual', key);
  const view = actual !== undefined ? 'actual' : 'observed';
  const path = actual ?? pathOfViewKey('observed', key);
  const device = path === undefined ? undefined : deviceOf(path);
  if (path === undefined || device === undefined) return undefined;
  const record = JSON.parse(value) as { state?: string; sinceTick?: string | number };
  const type = view === 'observed' ? enumTypes.observedState : stateTypes[device.kind];
  const word = fromWire(type, record.state ?? '') ?? 'unknown';
  return { path, view, fact: { tick: Number(record.sinceTick ?? 0), word } };
}

/** Whether an actual state word of an element means it works. */
export function isWorkingWord(word: string): boolean {
  return word === 'working' || word === 'on';
}
