// Every enum a user can meet, as the protos generate it, has a word in the
// one mapping the CLI and the dashboard share (@chamber/world): derived from
// the value's name, so a value or an enum added to a proto later is covered
// here without a table to edit.
import * as protos from '@chamber/protos';
import { isWireName, wordOf } from '@chamber/world';
import { describe, expect, it } from 'vitest';

/** Every generated enum: its name and its value names (ts-proto's `UNRECOGNIZED` aside). */
const enums = Object.entries(protos)
  .filter(([, value]) => typeof value === 'object' && value !== null)
  .map(([name, value]) => ({
    name,
    values: Object.keys(value as object).filter(
      (k) => Number.isNaN(Number(k)) && k !== 'UNRECOGNIZED',
    ),
  }))
  .filter((e) => e.values.some((v) => v.endsWith('_UNSPECIFIED')));

describe('the words of every enum value', () => {
  it('finds the generated enums', () => {
    expect(enums.map((e) => e.name)).toEqual(
      expect.arrayContaining(['BladeState', 'DeviceKind', 'TargetState', 'FaultKind']),
    );
  });

  it.each(enums.map((e) => [e.name, e.values] as const))(
    '%s: every value has a word of its own, none a wire name',
    (_, values) => {
      const words = values.map((v) => {
        expect(isWireName(v), v).toBe(true);
        const word = wordOf(v);
        expect(word, v).not.toBe('');
        expect(word, v).not.toContain('_');
        expect(isWireName(word), v).toBe(false);
        expect(word, v).toMatch(/^[a-zA-Z0-9 ]+$/);
        return word;
      });
      expect(new Set(words).size).toBe(words.length);
    },
  );
});
