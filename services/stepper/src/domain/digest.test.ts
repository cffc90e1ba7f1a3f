import { describe, expect, it } from 'vitest';
import { viewKey } from '@chamber/world';
import { foldDigest } from './digest.js';

const zero = '0'.repeat(64);

describe('foldDigest', () => {
  it('leaves the digest unchanged for a tick without changes', () => {
    expect(foldDigest(zero, 5, new Map())).toBe(zero);
  });

  it('does not depend on the order in which changes were recorded', () => {
    const a = new Map<string, string | null>([
      [viewKey('actual', 'b1'), '{"s":1}'],
      [viewKey('actual', 'b2'), null],
    ]);
    const b = new Map<string, string | null>([
      [viewKey('actual', 'b2'), null],
      [viewKey('actual', 'b1'), '{"s":1}'],
    ]);
    expect(foldDigest(zero, 3, a)).toBe(foldDigest(zero, 3, b));
  });

  it('changes with the tick, a value, a deletion and the previous digest', () => {
    const changes = new Map<string, string | null>([['k', 'v']]);
    const d = foldDigest(zero, 1, changes);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(foldDigest(zero, 2, changes)).not.toBe(d);
    expect(foldDigest(zero, 1, new Map([['k', 'w']]))).not.toBe(d);
    expect(foldDigest(zero, 1, new Map([['k', null]]))).not.toBe(d);
    expect(foldDigest(d, 1, changes)).not.toBe(d);
    // Length prefixes keep key/value boundaries unambiguous.
    expect(foldDigest(zero, 1, new Map([['ab', 'c']]))).not.toBe(
      foldDigest(zero, 1, new Map([['a', 'bc']])),
    );
  });
});
