import { ChamberError, Code } from '@chamber/errors';
import type { SourceError } from './source.js';

/** `bytes` for people: `4 MB (4,000,000 bytes)`, `812.5 KB (812,500 bytes)`. */
export function sizeInWords(bytes: number): string {
  const exact = `${bytes.toLocaleString('en')} bytes`;
  if (bytes < 1000) return exact;
  const [value, unit] = bytes < 1_000_000 ? [bytes / 1000, 'KB'] : [bytes / 1_000_000, 'MB'];
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${unit} (${exact})`;
}

/** A size limit of a kind of file: `{ what: 'definition', bytes: 4_000_000 }`. */
export interface SizeLimit {
  /** What the file is, in the error: `a definition may be at most …`. */
  readonly what: string;
  /** The most bytes of UTF-8 it may have. */
  readonly bytes: number;
}

/** The limit in words: `a definition may be at most 4 MB (4,000,000 bytes)`. */
export function limitInWords(limit: SizeLimit): string {
  return `a ${limit.what} may be at most ${sizeInWords(limit.bytes)}`;
}

/**
 * Refuses a file of `bytes` bytes over `limit`: call it with a file's size
 * before reading it, with a text's length before parsing it. Fails with
 * `InvalidArgument` (field `source`) naming both sizes, e.g. `big.yaml is
 * 52.4 MB (52,428,800 bytes); a definition may be at most 4 MB (4,000,000
 * bytes): nothing was loaded`.
 */
export function checkSize(bytes: number, fileName: string, limit: SizeLimit): void {
  if (bytes <= limit.bytes) return;
  throw new ChamberError(
    Code.InvalidArgument,
    `${fileName} is ${sizeInWords(bytes)}; ${limitInWords(limit)}: nothing was loaded`,
    { details: { field: 'source', bytes, limitBytes: limit.bytes } },
  );
}

/**
 * Refuses `text` when it is over `limit` (see {@link checkSize}); its length
 * is checked before its bytes are counted, so a huge one is refused at once.
 */
export function checkTextSize(text: string, fileName: string, limit: SizeLimit): void {
  // A UTF-16 unit is at least one byte in UTF-8: longer than the limit in units is over it.
  checkSize(
    text.length > limit.bytes ? text.length : Buffer.byteLength(text, 'utf8'),
    fileName,
    limit,
  );
}

/** The most errors one refusal lists; the rest are counted (`and 12 more`). */
export const listedErrors = 20;

/**
 * One `InvalidArgument` error listing `errors` (not empty), one
 * `file:line:col: what is wrong` a line, the first {@link listedErrors} of
 * them and then `and N more`; `details.errors` holds the listed ones as data.
 */
export function sourceErrorsError(errors: readonly SourceError[]): ChamberError {
  const listed = errors.slice(0, listedErrors);
  const lines = listed.map(String);
  if (errors.length > listed.length) lines.push(`and ${errors.length - listed.length} more`);
  return new ChamberError(Code.InvalidArgument, lines.join('\n'), {
    details: {
      errors: listed.map(({ file, line, col, rule, message }) => ({
        file,
        line,
        col,
        rule,
        message,
      })),
      count: errors.length,
    },
  });
}
