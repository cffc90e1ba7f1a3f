// Definition loads, as the tick that applies them sees them: the loads
// due, reconciled with the stored `definition` view, and the targets and
// actual records of the elements they add or remove.
import type { LoadProgress } from '@chamber/protos';
import {
  BladeActual,
  BladeState,
  CableState,
  DefinitionLoadInput,
  DefinitionSource,
  LoadProgress_State,
  PduActual,
  PduState,
  PendingRecord,
  TargetRecord,
  TargetState,
  TorActual,
  TorState,
} from '@chamber/protos';
import { encode, op, type Op, type Snapshot } from '@chamber/reactor';
import type { Slicer } from '@chamber/sim';
import { deviceOf, keys, viewKey } from '@chamber/world';
import { parseRecords, type Parse } from './definition/parsed.js';
import { diffDefinition, type DefinitionChanges } from './definition/records.js';

/** The prefixes the inventory's view must hold for {@link applyDefinitionLoads}. */
export const definitionLoadViews: readonly string[] = [
  keys.definitionPrefix,
  keys.pendingPrefix,
  keys.definitionInputsPrefix,
];

/** How a load is parsed, and how the event loop gets its turns meanwhile. */
export interface LoadOptions {
  /** Parses off the event loop (and reuses the parse made when the load was validated). */
  readonly parse?: Parse;
  readonly slicer?: Slicer;
}

/** What the loads due at a tick write, and what they change. */
export interface AppliedLoads {
  readonly ops: Op[];
  /** `undefined` when no load was due. */
  readonly changes: DefinitionChanges | undefined;
  /** The load that won (the last one due), if any. */
  readonly load?: {
    readonly id: string;
    readonly fileName: string;
    readonly source: string;
    /** The shipped sample it is (DefinitionSource.sample); absent for a load by request. */
    readonly sample?: string;
  };
  /** The image of each blade it defines, by `definition/` key. */
  readonly images?: ReadonlyMap<string, string>;
}

/**
 * The inventory's reaction, at tick `tick`, to the definition loads due by
 * then (with `view` at exactly R(tick)): the loads whose marker is due, and
 * any load whose marker a reset deleted (accepted before the reset, it is
 * built at the new run's first tick). The last one submitted wins,
 * reconciled with the stored view — new and changed records put, removed
 * ones deleted, unchanged ones untouched — and each load's input and marker
 * removed. The view must not change until it resolves.
 */
export async function applyDefinitionLoads(
  tick: number,
  view: Snapshot,
  options: LoadOptions = {},
): Promise<AppliedLoads> {
  const inputs = keys.definitionInputsPrefix;
  const due = view
    .list(DefinitionLoadInput, inputs)
    .filter((input) => {
      const marker = view.value(PendingRecord, keys.pending(input.key.slice(inputs.length)));
      return marker === undefined || marker.effectiveTick <= tick;
    })
    .sort((a, b) => a.createRevision - b.createRevision);
  if (due.length === 0) return { ops: [], changes: undefined };
  const ops: Op[] = [];
  let load: AppliedLoads['load'];
  for (const input of due) {
    const id = input.key.slice(inputs.length);
    if (view.getRaw(keys.pending(id)) !== undefined) ops.push(op.delete(keys.pending(id)));
    ops.push(op.delete(input.key));
    // Validated when submitted; the parse is reused (or made again, deterministically).
    load = { id, fileName: input.value.fileName, source: input.value.source };
  }
  const reconciled =
    load === undefined ? undefined : await reconcileDefinition(view, load, options);
  if (reconciled === undefined) return { ops, changes: undefined };
  const { changes, images } = reconciled;
  const out = definitionOps(changes);
  append(out, ops);
  return { ops: out, changes, images, ...(load ? { load } : {}) };
}

/**
 * What loading `source` over the stored `definition` view changes, and the
 * image of each blade it defines; `undefined` when it does not parse (it was
 * validated when submitted, so only a changed parser could make it fail).
 */
export async function reconcileDefinition(
  view: Snapshot,
  load: { readonly fileName: string; readonly source: string },
  options: LoadOptions = {},
): Promise<{ changes: DefinitionChanges; images: ReadonlyMap<string, string> } | undefined> {
  const parsed = await parseRecords(load, options.parse);
  if (!parsed.ok) return undefined;
  const { slicer } = options;
  const wanted = new Map<string, string>();
  const images = new Map<string, string>();
  for (let i = 0; i < parsed.keys.length; i++) {
    wanted.set(parsed.keys[i]!, parsed.texts[i]!);
    if (parsed.images[i] !== '') images.set(parsed.keys[i]!, parsed.images[i]!);
    await slicer?.pause();
  }
  const stored = new Map<string, string>();
  for (const e of view.listRaw(keys.definitionPrefix)) {
    stored.set(e.key, e.value);
    await slicer?.pause();
  }
  return { changes: diffDefinition(wanted, stored), images };
}

/** The writes of a reconciliation: puts of new and changed records, deletes of removed ones. */
export function definitionOps(changes: DefinitionChanges): Op[] {
  const ops: Op[] = [];
  for (const [key, text] of changes.puts) ops.push(op.putRaw(key, text));
  for (const key of changes.deletes) ops.push(op.delete(key));
  return ops;
}

/**
 * The loads due at `tick`; and on a `full` tick (the first of a run or of
 * this process) with no definition built, the definition in force: at
 * tick 0 of a run, whether after a reset (which keeps `sources/`) or on a
 * fresh start (the service put it there before joining), or at the
 * service's first tick if the clock published tick 0 without it. (A
 * definition has at least one region, so an empty view means none was built.)
 */
export async function loadsDue(
  tick: number,
  view: Snapshot,
  full: boolean,
  options: LoadOptions,
): Promise<AppliedLoads> {
  const loaded = await applyDefinitionLoads(tick, view, options);
  if (loaded.changes !== undefined || !full) return loaded;
  const source = view.value(DefinitionSource, keys.definitionSource);
  if (source === undefined || view.listRaw(keys.definitionPrefix).length > 0) return loaded;
  const reconciled = await reconcileDefinition(view, source, options);
  if (reconciled === undefined) return loaded;
  const ops = loaded.ops;
  append(ops, definitionOps(reconciled.changes));
  return {
    ops,
    changes: reconciled.changes,
    images: reconciled.images,
    load: {
      id: source.loadId,
      fileName: source.fileName,
      source: source.source,
      sample: source.sample,
    },
  };
}

/**
 * Targets and actual records of the PDUs, TORs and blades a load adds, and
 * deletes for those it removes. Every new element of a kind starts from the
 * same record, so each text is encoded once per kind and image, not per
 * element.
 */
export async function installed(
  tick: number,
  view: Snapshot,
  loaded: AppliedLoads,
  slicer: Slicer,
): Promise<Op[]> {
  const changes = loaded.changes!;
  const ops: Op[] = [];
  const target = encode(TargetRecord, {
    state: TargetState.TARGET_STATE_IN_SERVICE,
    powered: true,
    sinceTick: tick,
    reason: 'defined',
    drain: false,
  });
  const pdu = encode(PduActual, {
    ...PduActual.fromPartial({}),
    state: PduState.PDU_STATE_ON,
    sinceTick: tick,
    reason: 'installed',
    switchedOn: true,
  });
  const tor = encode(TorActual, {
    ...TorActual.fromPartial({}),
    state: TorState.TOR_STATE_WORKING,
    sinceTick: tick,
    reason: 'installed',
  });
  const blades = new Map<string, string>();
  const blade = (image: string): string => {
    let text = blades.get(image);
    if (text === undefined) {
      const cable = {
        state: CableState.CABLE_STATE_ON,
        connected: true,
        sinceTick: tick,
        reason: 'connected',
      };
      text = encode(BladeActual, {
        ...BladeActual.fromPartial({}),
        state: BladeState.BLADE_STATE_OFF,
        sinceTick: tick,
        reason: 'installed',
        switchedOn: true,
        powerCable: cable,
        networkCable: cable,
        image,
      });
      blades.set(image, text);
    }
    return text;
  };
  for (const [key] of changes.puts) {
    await slicer.pause();
    const path = key.slice(keys.definitionPrefix.length);
    const device = deviceOf(path);
    if (device === undefined || view.getRaw(key) !== undefined) continue;
    const actual =
      device.kind === 'pdu'
        ? pdu
        : device.kind === 'tor'
          ? tor
          : blade(loaded.images?.get(key) ?? '');
    ops.push(op.putRaw(viewKey('target', path), target));
    ops.push(op.putRaw(viewKey('actual', path), actual));
  }
  for (const key of changes.deletes) {
    const path = key.slice(keys.definitionPrefix.length);
    if (deviceOf(path) === undefined) continue;
    ops.push(op.delete(viewKey('target', path)), op.delete(viewKey('actual', path)));
  }
  return ops;
}

/** The progress record of a load applied at `tick`. */
export function loadProgress(id: string, tick: number, changes: DefinitionChanges): LoadProgress {
  return {
    loadId: id,
    state: LoadProgress_State.STATE_APPLYING,
    effectiveTick: tick,
    written: 0,
    total: 0,
    added: changes.added,
    updated: changes.updated,
    removed: changes.deletes.length,
    unchanged: changes.unchanged,
    blades: 0,
  };
}

/** Appends `items` to `ops` (a spread would overflow the stack on a 100k-blade load). */
export function append(ops: Op[], items: readonly Op[]): void {
  for (const item of items) ops.push(item);
}
