import { ChamberError, Code } from '@chamber/errors';
import { checkDefinitionSource } from '@chamber/inventory-client';
import { DefinitionLoadInput, PendingRecord } from '@chamber/protos';
import { op, type CachedView, type Op, type Store } from '@chamber/store';
import { submitInput } from '@chamber/participant';
import { keys } from '@chamber/world';
import { randomUUID } from 'node:crypto';
import { parseInChunks, type DefinitionParser, type ParsedRecords } from './definition-parser.js';
import { DefinitionError } from './domain/definition/parse.js';
import {
  definitionPrefix,
  diffDefinition,
  type DefinitionChanges,
} from './domain/definition/records.js';
import type { Slicer } from '@chamber/sim';

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
 * `load` parsed by `parser` (off the event loop, and kept for the tick that
 * applies it), or here and now without one.
 */
export function parseLoad(
  load: { readonly source: string; readonly fileName: string },
  parser?: DefinitionParser,
): Promise<ParsedRecords> {
  if (parser !== undefined) return parser.parse(load);
  const chunks = [...parseInChunks(load)];
  const last = chunks[chunks.length - 1]!;
  if (last.errors !== undefined) {
    return Promise.resolve({
      ok: false,
      errors: last.errors.map((e) => new DefinitionError(e.file, e.line, e.col, e.rule, e.message)),
    });
  }
  return Promise.resolve({
    ok: true,
    bladeCount: last.bladeCount ?? 0,
    keys: chunks.flatMap((c) => c.keys ?? []),
    texts: chunks.flatMap((c) => c.texts ?? []),
    images: chunks.flatMap((c) => c.images ?? []),
  });
}

/**
 * Checks that `source` is a valid definition and counts its blades (parsed
 * by `parser` when given, see {@link parseLoad}). With errors it fails with
 * `InvalidArgument`, listing the first {@link listedErrors} errors as
 * `file:line:col: message`. One over the definition size limit
 * (`definitionLimitBytes`) is refused before it is parsed, naming both sizes.
 */
export async function validateDefinition(
  source: string,
  fileName: string,
  parser?: DefinitionParser,
): Promise<{ bladeCount: number }> {
  checkDefinitionSource(source, fileName);
  const parsed = await parseLoad({ source, fileName }, parser);
  if (!parsed.ok) {
    const more = parsed.errors.length - listedErrors;
    throw new ChamberError(
      Code.InvalidArgument,
      `${fileName} has ${parsed.errors.length.toLocaleString('en')} error(s); nothing was loaded:\n` +
        parsed.errors.slice(0, listedErrors).map(String).join('\n') +
        (more > 0 ? `\n… and ${more.toLocaleString('en')} more error(s)` : ''),
    );
  }
  return { bladeCount: parsed.bladeCount };
}

/**
 * Submits `source` as the definition to load at the next tick. It is
 * validated first: with errors, nothing is written and the call fails with
 * `InvalidArgument`, listing every error as `file:line:col: message`.
 */
export async function submitDefinitionLoad(
  store: Store,
  load: { readonly source: string; readonly fileName: string },
  parser?: DefinitionParser,
): Promise<SubmittedLoad> {
  const { bladeCount } = await validateDefinition(load.source, load.fileName, parser);
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
 * removed. `parser` reuses the parse made when the load was validated (and
 * keeps the event loop free); `slicer` lets the event loop run while it
 * compares. The view must not change until it resolves.
 */
export async function applyDefinitionLoads(
  tick: number,
  view: CachedView,
  options: { readonly parser?: DefinitionParser; readonly slicer?: Slicer } = {},
): Promise<AppliedLoads> {
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
    // Validated when submitted; the parse is reused (or made again, deterministically).
    load = { id, fileName: input.value.fileName, source: input.value.source };
  }
  const reconciled =
    load === undefined ? undefined : await reconcileDefinition(view, load, options);
  if (reconciled === undefined) return { ops, changes: undefined };
  const { changes, images } = reconciled;
  const out = definitionOps(changes);
  for (const o of ops) out.push(o);
  return { ops: out, changes, images, ...(load ? { load } : {}) };
}

/**
 * What loading `source` over the stored `definition` view changes, and the
 * image of each blade it defines; `undefined` when it does not parse (it was
 * validated when submitted, so only a changed parser could make it fail).
 */
export async function reconcileDefinition(
  view: CachedView,
  load: { readonly fileName: string; readonly source: string },
  options: { readonly parser?: DefinitionParser; readonly slicer?: Slicer } = {},
): Promise<{ changes: DefinitionChanges; images: ReadonlyMap<string, string> } | undefined> {
  const parsed = await parseLoad(load, options.parser);
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
  for (const e of view.listRaw(definitionPrefix)) {
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
