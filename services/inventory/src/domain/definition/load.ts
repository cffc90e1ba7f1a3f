import { ChamberError, Code } from '@chamber/errors';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDefinition, type ParseResult } from './parse.js';

/** Reads and parses a definition file; errors name it by its base name. */
export async function loadDefinitionFile(file: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const isMissing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ChamberError(
      isMissing ? Code.NotFound : Code.InvalidArgument,
      isMissing ? `definition file ${file} does not exist` : `cannot read definition file ${file}`,
      { cause },
    );
  }
  return parseDefinition(text, path.basename(file));
}
