import { ChamberError, Code } from '@chamber/errors';

/**
 * The largest inventory definition, in bytes of YAML (UTF-8), whichever way
 * it comes in: `POST /inventory/definitions`, `LoadDefinition` over gRPC,
 * `CHAMBER_INVENTORY_DEFINITION`, or the CLI's `inventory load FILE`. It is
 * below gRPC's default 4 MiB message limit, so a definition at the limit fits
 * in one `LoadDefinition` request. (Templates and generators keep even the
 * 100,000-blade sample to 30 lines.)
 */
export const definitionLimitBytes = 4_000_000;

/** `bytes` for people: `4 MB (4,000,000 bytes)`, `812.5 KB (812,500 bytes)`. */
function sizeInWords(bytes: number): string {
  const exact = `${bytes.toLocaleString('en')} bytes`;
  if (bytes < 1000) return exact;
  const [value, unit] = bytes < 1_000_000 ? [bytes / 1000, 'KB'] : [bytes / 1_000_000, 'MB'];
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${unit} (${exact})`;
}

/** The limit in words: `a definition may be at most 4 MB (4,000,000 bytes)`. */
export function definitionLimitInWords(): string {
  return `a definition may be at most ${sizeInWords(definitionLimitBytes)}`;
}

/**
 * Refuses a definition of `bytes` bytes when it is over
 * {@link definitionLimitBytes}: call it with a file's size before reading
 * the file, with a source's length before parsing it. Fails with
 * `InvalidArgument` (field `source`) naming both sizes, e.g.
 * `big.yaml is 52.4 MB (52,428,800 bytes); a definition may be at most 4 MB
 * (4,000,000 bytes): nothing was loaded`.
 */
export function checkDefinitionSize(bytes: number, fileName: string): void {
  if (bytes <= definitionLimitBytes) return;
  throw new ChamberError(
    Code.InvalidArgument,
    `${fileName} is ${sizeInWords(bytes)}; ${definitionLimitInWords()}: nothing was loaded`,
    { details: { field: 'source', bytes, limitBytes: definitionLimitBytes } },
  );
}

/**
 * Refuses `source` when it is over {@link definitionLimitBytes} (see
 * {@link checkDefinitionSize}); its length is checked before its bytes are
 * counted, so a huge one is refused at once.
 */
export function checkDefinitionSource(source: string, fileName: string): void {
  // A UTF-16 unit is at least one byte in UTF-8: longer than the limit in units is over it.
  checkDefinitionSize(
    source.length > definitionLimitBytes ? source.length : Buffer.byteLength(source, 'utf8'),
    fileName,
  );
}
