// What one tick of the inventory works on: the elements it changes, kept
// beside the snapshot until the tick writes them, and the bench commands
// and evaluations read and change them through.
import {
  BladeActual,
  CommandAction,
  CommandRecord,
  PduActual,
  FixRecord,
  TorActual,
} from '@chamber/protos';
import { decode, encode, op, type Codec, type Op, type Snapshot } from '@chamber/reactor';
import type { Slicer, TimerWheel } from '@chamber/sim';
import { keys, viewKey } from '@chamber/world';
import type { Bench } from './commands.js';
import type { FaultEffects } from './fault-effects.js';
import type { SimContext } from './hardware.js';
import type { Topology } from './topology.js';

/**
 * What the inventory keeps between ticks: indexes the store can rebuild
 * (after a restart, or when the definition changes, they are made afresh).
 */
export interface Indexes {
  topology: Topology;
  effects: FaultEffects;
  /**
   * Timers by key: `e:<element>` evaluates an element, `c:<id>` starts or
   * finishes a command, `p:<id>` deletes a finished command's record.
   */
  wheel: TimerWheel;
  /** The command running on each PDU, TOR and blade. */
  running: Map<string, string>;
}

type Work<T> = Map<string, T>;

/** One tick's work in progress. */
export interface TickWork {
  readonly c: SimContext;
  readonly view: Snapshot;
  readonly slicer: Slicer;
  /** Elements to evaluate. */
  readonly woken: Set<string>;
  /** Elements' new records, written at the end of the tick when they differ from the stored ones. */
  readonly pdus: Work<PduActual>;
  readonly tors: Work<TorActual>;
  readonly blades: Work<BladeActual>;
  /** Faults' effects that commands fixed, reported to the faults service. */
  readonly fixes: FixRecord[];
}

/** A tick's work at `c.tick`, with nothing done yet. */
export function startWork(c: SimContext, view: Snapshot, slicer: Slicer): TickWork {
  return {
    c,
    view,
    slicer,
    woken: new Set(),
    pdus: new Map(),
    tors: new Map(),
    blades: new Map(),
    fixes: [],
  };
}

/** Evaluates `element` at `tick`, or earlier when it is already due earlier. */
export function wake(ix: Indexes, tick: number, element: string): void {
  const key = `e:${element}`;
  const at = ix.wheel.tickOf(key);
  if (at === undefined || tick < at) ix.wheel.schedule(tick, key);
}

/** The PDU, TOR or blade a command acts on (a cable's blade). */
export function runningElement(target: string): string {
  return target.replace(/\/(power|network)-cable$/, '');
}

/** The replacement running on `element`, if one is. */
export function replacing(ix: Indexes, view: Snapshot, element: string): string | undefined {
  const id = ix.running.get(element);
  if (id === undefined) return undefined;
  const command = view.value(CommandRecord, keys.command(id));
  return command?.action === CommandAction.COMMAND_ACTION_REPLACE ? id : undefined;
}

/** The elements as they stand in this tick's work, for commands and evaluations. */
export function benchOf(ix: Indexes, work: TickWork): Bench {
  const { view } = work;
  const read = <T>(codec: Codec<T>, map: Work<T>, path: string): T | undefined =>
    map.get(path) ?? view.value(codec, viewKey('actual', path));
  // A blade's record is read about once per tick it is evaluated in: decoded
  // for that read, not kept beside its text for as long as it lives (the
  // view's shared copy), which held a second copy of 100,000 blades' records.
  const readBlade = (path: string): BladeActual | undefined => {
    const raw = work.blades.has(path) ? undefined : view.getRaw(viewKey('actual', path));
    return raw === undefined ? work.blades.get(path) : decode(BladeActual, raw.key, raw.value);
  };
  return {
    blade: (path) => {
      const info = ix.topology.blades.get(path);
      const actual = info && readBlade(path);
      return info && actual ? { info, actual } : undefined;
    },
    pdu: (path) => read(PduActual, work.pdus, path),
    tor: (path) => read(TorActual, work.tors, path),
    setBlade: (path, actual) => {
      work.blades.set(path, actual);
      work.woken.add(path);
    },
    setPdu: (path, actual) => {
      work.pdus.set(path, actual);
      work.woken.add(path);
    },
    setTor: (path, actual) => {
      work.tors.set(path, actual);
      work.woken.add(path);
    },
    runningOn: (element) => ix.running.get(element),
    fixed: (fix) => work.fixes.push(fix),
  };
}

/**
 * The tick's writes of elements: the fixes commands made, then the PDUs,
 * TORs and blades whose record differs from the stored one. Elements the
 * load `removed` are deleted, not updated (they no longer exist, and etcd
 * refuses a key twice in one transaction).
 */
export async function elementWrites(work: TickWork, removed: ReadonlySet<string>): Promise<Op[]> {
  const ops: Op[] = [];
  for (const fix of work.fixes) ops.push(op.put(FixRecord, keys.fix(fix.faultId, fix.target), fix));
  for (const path of removed) {
    work.pdus.delete(path);
    work.tors.delete(path);
    work.blades.delete(path);
  }
  await changed(work, PduActual, work.pdus, ops);
  await changed(work, TorActual, work.tors, ops);
  await changed(work, BladeActual, work.blades, ops);
  return ops;
}

/** Appends puts of the records in `records` whose text differs from the stored one. */
async function changed<T>(
  work: TickWork,
  codec: Codec<T>,
  records: Work<T>,
  ops: Op[],
): Promise<void> {
  for (const [path, value] of records) {
    await work.slicer.pause();
    const key = viewKey('actual', path);
    const text = encode(codec, value);
    if (work.view.getRaw(key)?.value !== text) ops.push(op.putRaw(key, text));
  }
}
