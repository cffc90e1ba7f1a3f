import { viewKey } from '@chamber/world';
import { DefinitionError, parseDefinition } from './parse.js';
import { definitionRecords } from './records.js';

/** A definition to parse. */
export interface ParseRequest {
  readonly source: string;
  readonly fileName: string;
}

/**
 * A parsed definition as the inventory uses it: its `definition` records
 * (keys and texts in key order, as `definitionRecords` makes them), and
 * each record's blade image (`''` for other records), so installing a blade
 * needs no decoding of its record.
 */
export type ParsedRecords =
  | {
      readonly ok: true;
      readonly bladeCount: number;
      readonly keys: readonly string[];
      readonly texts: readonly string[];
      readonly images: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly DefinitionError[] };

/** Parses a definition into its records; the service's parses it off the event loop. */
export type Parse = (request: ParseRequest) => Promise<ParsedRecords>;

/** One part of a parse's records, or its errors; `isLast` on the last. Plain data. */
export interface ParsedChunk {
  readonly isLast: boolean;
  readonly bladeCount?: number;
  readonly keys?: string[];
  readonly texts?: string[];
  readonly images?: string[];
  readonly errors?: Array<Pick<DefinitionError, 'file' | 'line' | 'col' | 'rule' | 'message'>>;
}

/** Records per chunk: a worker posts each chunk in its own turn of the event loop. */
const chunkRecords = 8_192;

/** Parses `request` and builds its records, as chunks. */
export function* parseInChunks(request: ParseRequest): Generator<ParsedChunk> {
  const parsed = parseDefinition(request.source, request.fileName);
  if (!parsed.ok) {
    yield {
      isLast: true,
      errors: parsed.errors.map(({ file, line, col, rule, message }) => ({
        file,
        line,
        col,
        rule,
        message,
      })),
    };
    return;
  }
  const images = new Map<string, string>();
  for (const region of parsed.definition.regions)
    for (const zone of region.zones)
      for (const rack of zone.racks)
        for (const blade of rack.blades)
          images.set(viewKey('definition', blade.path), blade.boot.image);
  let chunk = { keys: [] as string[], texts: [] as string[], images: [] as string[] };
  for (const [key, text] of definitionRecords(parsed.definition)) {
    chunk.keys.push(key);
    chunk.texts.push(text);
    chunk.images.push(images.get(key) ?? '');
    if (chunk.keys.length === chunkRecords) {
      yield { isLast: false, ...chunk };
      chunk = { keys: [], texts: [], images: [] };
    }
  }
  yield { isLast: true, bladeCount: parsed.definition.bladeCount, ...chunk };
}

/** The records of a parse's chunks, in order. */
export function assembleChunks(chunks: readonly ParsedChunk[]): ParsedRecords {
  const last = chunks[chunks.length - 1]!;
  if (last.errors !== undefined) {
    return {
      ok: false,
      errors: last.errors.map((e) => new DefinitionError(e.file, e.line, e.col, e.rule, e.message)),
    };
  }
  const keys: string[] = [];
  const texts: string[] = [];
  const images: string[] = [];
  for (const c of chunks) {
    for (const k of c.keys ?? []) keys.push(k);
    for (const t of c.texts ?? []) texts.push(t);
    for (const i of c.images ?? []) images.push(i);
  }
  return { ok: true, bladeCount: last.bladeCount ?? 0, keys, texts, images };
}

/** Parses `request` here and now (`parse` when given: the service's, off the event loop). */
export function parseRecords(request: ParseRequest, parse?: Parse): Promise<ParsedRecords> {
  if (parse !== undefined) return parse(request);
  return Promise.resolve(assembleChunks([...parseInChunks(request)]));
}
