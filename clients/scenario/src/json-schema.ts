import { z } from 'zod';
import { scenarioSchema } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of a scenario file, from the zod schema
 * the parser checks first: what editors complete and validate with
 * (`# yaml-language-server: $schema=./scenario.schema.json`). It says the
 * file's shape; the rules across fields (a clear naming an earlier fault,
 * ticks within the run, states that fit an element) are the parser's alone.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-2020-12' });
}
