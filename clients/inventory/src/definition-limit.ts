import { checkSize, checkTextSize, limitInWords, type SizeLimit } from '@chamber/yaml-source';

/**
 * The largest inventory definition, in bytes of YAML (UTF-8), whichever way
 * it comes in: `POST /inventory/definitions`, `LoadDefinition` over gRPC,
 * `CHAMBER_INVENTORY_DEFINITION`, or the CLI's `inventory load FILE`. It is
 * below gRPC's default 4 MiB message limit, so a definition at the limit fits
 * in one `LoadDefinition` request. (Templates and generators keep even the
 * 100,000-blade sample to 30 lines.)
 */
export const definitionLimitBytes = 4_000_000;

const limit: SizeLimit = { what: 'definition', bytes: definitionLimitBytes };

/** The limit in words: `a definition may be at most 4 MB (4,000,000 bytes)`. */
export function definitionLimitInWords(): string {
  return limitInWords(limit);
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
  checkSize(bytes, fileName, limit);
}

/**
 * Refuses `source` when it is over {@link definitionLimitBytes} (see
 * {@link checkDefinitionSize}); its length is checked before its bytes are
 * counted, so a huge one is refused at once.
 */
export function checkDefinitionSource(source: string, fileName: string): void {
  checkTextSize(source, fileName, limit);
}
