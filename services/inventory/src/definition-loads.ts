import { ChamberError, Code } from '@chamber/errors';
import { checkDefinitionSource } from '@chamber/inventory-client';
import { DefinitionLoadInput, type PlanDefinitionResponse } from '@chamber/protos';
import { op, type Store } from '@chamber/store';
import { submitInput, type JournalInput } from '@chamber/participant';
import { keys } from '@chamber/world';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { samples, samplesDir } from './config.js';
import type { DefinitionParser } from './definition-parser.js';
import { parseRecords, type ParsedRecords } from './domain/definition/parsed.js';
import { diffDefinition } from './domain/definition/records.js';
import { inventoryParticipant } from './domain/inputs.js';

const definitionLoadIdPrefix = 'definition-';

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
  return parseRecords(load, parser === undefined ? undefined : (r) => parser.parse(r));
}

/** The definition a load or plan request names: its text, or a shipped sample's (`sample`). */
export function requestedDefinition(req: {
  readonly fileName: string;
  readonly source: string;
  readonly sample: string;
}): { source: string; fileName: string } {
  if (req.sample === '') {
    return { source: req.source, fileName: req.fileName === '' ? 'definition.yaml' : req.fileName };
  }
  if (req.source !== '') {
    throw new ChamberError(Code.InvalidArgument, 'give a definition source or a sample, not both', {
      details: { field: 'sample' },
    });
  }
  if (!(samples as readonly string[]).includes(req.sample)) {
    throw new ChamberError(
      Code.InvalidArgument,
      `no sample definition "${req.sample}"; the samples are ${samples.join(', ')}`,
      { details: { field: 'sample' } },
    );
  }
  const fileName = `${req.sample}.yaml`;
  return { source: readFileSync(path.join(samplesDir, fileName), 'utf8'), fileName };
}

/** How many element paths a plan names of each change. */
export const plannedPathsListed = 20;

/**
 * What loading `load` over the `stored` definition records would change,
 * validated as a load is ({@link validateDefinition}); nothing is written.
 */
export async function planDefinitionLoad(
  load: { readonly source: string; readonly fileName: string },
  stored: Iterable<{ readonly key: string; readonly value: string }>,
  parser?: DefinitionParser,
): Promise<Omit<PlanDefinitionResponse, 'tick'>> {
  const parsed = await checkedParse(load.source, load.fileName, parser);
  const wanted = new Map(parsed.keys.map((key, i) => [key, parsed.texts[i]!]));
  const storedTexts = new Map([...stored].map((e) => [e.key, e.value]));
  const changes = diffDefinition(wanted, storedTexts);
  const pathOf = (key: string) => key.slice(keys.definitionPrefix.length);
  const first = (list: readonly string[]) => list.slice(0, plannedPathsListed).map(pathOf);
  return {
    fileName: load.fileName,
    blades: parsed.bladeCount,
    added: changes.added,
    updated: changes.updated,
    removed: changes.deletes.length,
    unchanged: changes.unchanged,
    addedPaths: first(changes.puts.filter(([key]) => !storedTexts.has(key)).map(([key]) => key)),
    updatedPaths: first(changes.puts.filter(([key]) => storedTexts.has(key)).map(([key]) => key)),
    removedPaths: first(changes.deletes),
  };
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
  return { bladeCount: (await checkedParse(source, fileName, parser)).bladeCount };
}

/** `source` parsed, or refused as {@link validateDefinition} says. */
async function checkedParse(
  source: string,
  fileName: string,
  parser?: DefinitionParser,
): Promise<Extract<ParsedRecords, { ok: true }>> {
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
  return parsed;
}

/**
 * Submits `source` as the definition to load at the next tick. It is
 * validated first: with errors, nothing is written and the call fails with
 * `InvalidArgument`, listing every error as `file:line:col: message`.
 * `journal`: what the input journal keeps of it, for a load a person asked
 * for (none for the service's own initial load).
 */
export async function submitDefinitionLoad(
  store: Store,
  load: { readonly source: string; readonly fileName: string },
  parser?: DefinitionParser,
  journal?: JournalInput,
): Promise<SubmittedLoad> {
  const { bladeCount } = await validateDefinition(load.source, load.fileName, parser);
  const id = definitionLoadId(randomUUID());
  const { effectiveTick } = await submitInput(store, {
    id,
    owner: inventoryParticipant,
    ...(journal === undefined ? {} : { journal }),
    ops: () => [
      op.put(DefinitionLoadInput, keys.definitionInputsPrefix + id, {
        fileName: load.fileName,
        source: load.source,
      }),
    ],
  });
  return { id, effectiveTick, bladeCount };
}
