import { ChamberError, Code } from '@chamber/errors';
import { checkDefinitionSize } from '@chamber/inventory-client';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDefinition, type ParseResult } from './domain/definition/parse.js';

/**
 * The text of the definition file `file`. Its size is checked before it is
 * read: one over the definition size limit (`definitionLimitBytes`) fails
 * with `InvalidArgument` naming both sizes; a missing file with `NotFound`,
 * an unreadable one with `InvalidArgument`. Errors name it by its base name
 * when it is refused for its size, by its path when it cannot be read.
 */
export async function readDefinitionFile(file: string): Promise<string> {
  const fail = (cause: unknown): never => {
    const isMissing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ChamberError(
      isMissing ? Code.NotFound : Code.InvalidArgument,
      isMissing ? `definition file ${file} does not exist` : `cannot read definition file ${file}`,
      { cause },
    );
  };
  const { size } = await stat(file).catch(fail);
  checkDefinitionSize(size, path.basename(file));
  return readFile(file, 'utf8').catch(fail);
}

/** Reads ({@link readDefinitionFile}) and parses a definition file; errors name it by its base name. */
export async function loadDefinitionFile(file: string): Promise<ParseResult> {
  return parseDefinition(await readDefinitionFile(file), path.basename(file));
}
