import { isChamberError } from '@chamber/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkTextSize, readYaml, sourceErrorsError, type Wording } from './index.js';

const schema = z.strictObject({ name: z.string(), count: z.int().min(1).optional() });
const wording: Wording = {
  describePath: (path) => ({ context: 'the file', field: path.join('.') }),
};
const read = (text: string) =>
  readYaml(text, 'f.yaml', schema, wording, { document: 'file', aliasedNodes: 10 });

describe('readYaml', () => {
  it('returns the value the schema parsed', () => {
    const { source, value } = read('name: a\ncount: 2\n');
    expect(value).toEqual({ name: 'a', count: 2 });
    expect(source.hasErrors).toBe(false);
  });

  it('places each schema problem at its node, and cross-field ones where asked', () => {
    const { source, value } = read('name: a\ncount: 0\ncolour: red\n');
    expect(value).toBeUndefined();
    expect(source.errors().map(String)).toEqual([
      'f.yaml:2:8: the file: "count" must be at least 1, got 0',
      'f.yaml:3:1: the file: unknown key "colour"',
    ]);
    source.reportAtKey([], 'name', 'mine', 'named here');
    expect(source.errors().map(String)[0]).toBe('f.yaml:1:1: named here');
  });

  it('refuses an alias inside the node it names', () => {
    const { source } = read('name: &n [*n]\n');
    expect(source.errors().map(String)).toEqual([
      'f.yaml:1:11: YAML: alias *n is inside the node it names (&n), so the file would never end',
    ]);
  });
});

describe('refusals', () => {
  it('lists 20 errors, then counts the rest', () => {
    const { source } = read(
      Array.from({ length: 25 }, (_, i) => `k${i}: 1`).join('\n') + '\nname: a\n',
    );
    const error = sourceErrorsError(source.errors());
    expect(isChamberError(error)).toBe(true);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('f.yaml:1:1: the file: unknown key "k0"');
    expect(lines[20]).toBe('and 5 more');
  });

  it('refuses a text over its size limit, naming both sizes', () => {
    expect(() =>
      checkTextSize('x'.repeat(1500), 'big.yaml', { what: 'file', bytes: 1000 }),
    ).toThrow(
      'big.yaml is 1.5 KB (1,500 bytes); a file may be at most 1 KB (1,000 bytes): nothing was loaded',
    );
  });
});
