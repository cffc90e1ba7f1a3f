import { ChamberError, Code } from '@chamber/errors';
import { maxTxnOps, op, type Compare, type Store } from '@chamber/store';
import type { Definition } from './domain/definition/model.js';
import {
  definitionPrefix,
  definitionRecords,
  diffDefinition,
} from './domain/definition/records.js';

/** What a load changed. */
export interface LoadSummary {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
  readonly unchanged: number;
  /** The revision of the last write (the stored one when nothing changed). */
  readonly revision: number;
}

export interface LoadOptions {
  /** Called after each batch with how many of the changes are written. */
  readonly onProgress?: (written: number, total: number) => void;
  /** Guards every batch (e.g. the clock record the load was decided at). */
  readonly guard?: readonly Compare[];
}

/**
 * Writes `definition` as the `definition` view, reconciling it with what is
 * stored: new and changed records are put, records no longer defined are
 * deleted, unchanged ones are not touched (their mod revisions stay). Writes
 * go in transactions of at most {@link maxTxnOps} operations, reporting
 * progress after each; a batch whose guard fails stops the load.
 */
export async function writeDefinition(
  store: Store,
  definition: Definition,
  options: LoadOptions = {},
): Promise<LoadSummary> {
  const stored = await store.listRaw(definitionPrefix);
  const changes = diffDefinition(
    definitionRecords(definition),
    new Map(stored.entries.map((e) => [e.key, e.value])),
  );
  const ops = [
    ...changes.puts.map(([key, text]) => op.putRaw(key, text)),
    ...changes.deletes.map((key) => op.delete(key)),
  ];
  let revision = stored.revision;
  for (let i = 0; i < ops.length; i += maxTxnOps) {
    const batch = ops.slice(i, i + maxTxnOps);
    const result = await store.txn(options.guard ?? [], batch);
    if (!result.succeeded)
      throw new ChamberError(
        Code.Aborted,
        `the definition load stopped after ${i} of ${ops.length} changes: the state it was decided on moved; load it again`,
      );
    revision = result.revision;
    options.onProgress?.(i + batch.length, ops.length);
  }
  return {
    added: changes.added,
    updated: changes.updated,
    removed: changes.deletes.length,
    unchanged: changes.unchanged,
    revision,
  };
}
