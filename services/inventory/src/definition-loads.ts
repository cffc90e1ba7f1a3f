import { ChamberError, Code } from '@chamber/errors';
import { checkDefinitionSource } from '@chamber/inventory-client';
import { DefinitionLoadInput, PendingRecord } from '@chamber/protos';
import { op, type CachedView, type Op, type Store } from '@chamber/store';
import { keys, submitInput } from '@chamber/timestamp';
import { randomUUID } from 'node:crypto';
import { parseDefinition } from './domain/definition/parse.js';
import {
  definitionPrefix,
  definitionRecords,
  diffDefinition,
  type DefinitionChanges,
} from './domain/definition/records.js';

/** The inventory's participant name, and the owner of its inputs. */
export const inventoryParticipant = 'inventory';

/**
 * Where definition loads wait for their tick: under `sources/`, which a
 * reset keeps (it deletes the `pending/` markers), so a load accepted before
 * a reset is the definition the new run builds at tick 0.
 */
export const definitionInputsPrefix = 'sources/inventory-pending/';

const definitionLoadIdPrefix = 'definition-';

/** The prefixes the inventory's view must hold for {@link applyDefinitionLoads}. */
export const definitionLoadViews: readonly string[] = [
  definitionPrefix,
  keys.pendingPrefix,
  definitionInputsPrefix,
];

/** A definition load accepted by the store. */
export interface SubmittedLoad {
  readonly id: string;
  /** The tick at which the definition view changes. */
  readonly effectiveTick: number;
  readonly bladeCount: number;
}

/** The id of a definition load, made from a unique suffix. */
export function definitionLoadId(unique: string): string {
  return `${definitionLoadIdPrefix}${unique}`;
}

/** The most errors a refused definition's message lists; it says how many more there are. */
export const listedErrors = 100;

/**
 * Checks that `source` is a valid definition and counts its blades. With
 * errors it fails with `InvalidArgument`, listing the first
 * {@link listedErrors} errors as `file:line:col: message`. One over the
 * definition size limit (`definitionLimitBytes`) is refused before it is
 * parsed, naming both sizes.
 */
export function validateDefinition(source: string, fileName: string): { bladeCount: number } {
  checkDefinitionSource(source, fileName);
  const parsed = parseDefinition(source, fileName);
  if (!parsed.ok) {
    const more = parsed.errors.length - listedErrors;
    throw new ChamberError(
      Code.InvalidArgument,
      `${fileName} has ${parsed.errors.length.toLocaleString('en')} error(s); nothing was loaded:\n` +
        parsed.errors.slice(0, listedErrors).map(String).join('\n') +
        (more > 0 ? `\n… and ${more.toLocaleString('en')} more error(s)` : ''),
    );
  }
  return { bladeCount: parsed.definition.bladeCount };
}

/**
 * Submits `source` as the definition to load at the next tick. It is
 * validated first: with errors, nothing is written and the call fails with
 * `InvalidArgument`, listing every error as `file:line:col: message`.
 */
export async function submitDefinitionLoad(
  store: Store,
  load: { readonly source: string; readonly fileName: string },
): Promise<SubmittedLoad> {
  const { bladeCount } = validateDefinition(load.source, load.fileName);
  const id = definitionLoadId(randomUUID());
  const { effectiveTick } = await submitInput(store, {
    id,
    owner: inventoryParticipant,
    ops: () => [
      op.put(DefinitionLoadInput, definitionInputsPrefix + id, {
        fileName: load.fileName,
        source: load.source,
      }),
    ],
  });
  return { id, effectiveTick, bladeCount };
}

/** What the loads due at a tick write, and what they change. */
export interface AppliedLoads {
  readonly ops: Op[];
  /** `undefined` when no load was due. */
  readonly changes: DefinitionChanges | undefined;
  /** The load that won (the last one due), if any. */
  readonly load?: { readonly id: string; readonly fileName: string; readonly source: string };
}

/**
 * The inventory's reaction, at tick `tick`, to the definition loads due by
 * then (with `view` at exactly R(tick)): the loads whose marker is due, and
 * any load whose marker a reset deleted (accepted before the reset, it is
 * built at the new run's first tick). The last one submitted wins,
 * reconciled with the stored view — new and changed records put, removed
 * ones deleted, unchanged ones untouched — and each load's input and marker
 * removed.
 */
export function applyDefinitionLoads(tick: number, view: CachedView): AppliedLoads {
  const due = view
    .list(DefinitionLoadInput, definitionInputsPrefix)
    .filter((input) => {
      const marker = view.value(
        PendingRecord,
        keys.pending(input.key.slice(definitionInputsPrefix.length)),
      );
      return marker === undefined || marker.effectiveTick <= tick;
    })
    .sort((a, b) => a.createRevision - b.createRevision);
  if (due.length === 0) return { ops: [], changes: undefined };
  const ops: Op[] = [];
  let load: AppliedLoads['load'];
  for (const input of due) {
    const id = input.key.slice(definitionInputsPrefix.length);
    if (view.getRaw(keys.pending(id)) !== undefined) ops.push(op.delete(keys.pending(id)));
    ops.push(op.delete(input.key));
    // Validated when submitted; parsed again when reconciled, deterministically.
    load = { id, fileName: input.value.fileName, source: input.value.source };
  }
  const changes = load === undefined ? undefined : reconcileDefinition(view, load);
  if (changes === undefined) return { ops, changes: undefined };
  return { ops: [...definitionOps(changes), ...ops], changes, ...(load ? { load } : {}) };
}

/**
 * What loading `source` over the stored `definition` view changes;
 * `undefined` when it does not parse (it was validated when submitted, so
 * only a changed parser could make it fail).
 */
export function reconcileDefinition(
  view: CachedView,
  load: { readonly fileName: string; readonly source: string },
): DefinitionChanges | undefined {
  const parsed = parseDefinition(load.source, load.fileName);
  if (!parsed.ok) return undefined;
  const stored = new Map(view.listRaw(definitionPrefix).map((e) => [e.key, e.value]));
  return diffDefinition(definitionRecords(parsed.definition), stored);
}

/** The writes of a reconciliation: puts of new and changed records, deletes of removed ones. */
export function definitionOps(changes: DefinitionChanges): Op[] {
  return [
    ...changes.puts.map(([key, text]) => op.putRaw(key, text)),
    ...changes.deletes.map((key) => op.delete(key)),
  ];
}
