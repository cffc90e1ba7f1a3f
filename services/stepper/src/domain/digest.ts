import { createHash } from 'node:crypto';

/**
 * Folds one settled tick into the world digest:
 * `H(previous, tick, every changed key's final value, sorted by key)`.
 * A tick with no change leaves the digest as it was, so skipping an idle
 * tick and stepping through it give the same digest. `null` is a deletion.
 * Sorting by key and taking final values makes it independent of the order
 * in which participants' writes interleave and of a participant redoing a
 * tick.
 */
export function foldDigest(
  previous: string,
  tick: number,
  changes: ReadonlyMap<string, string | null>,
): string {
  if (changes.size === 0) return previous;
  const hash = createHash('sha256');
  hash.update(`chamber-digest-v1\n${previous}\n${tick}\n`);
  for (const key of [...changes.keys()].sort()) {
    const value = changes.get(key);
    // Length-prefixed fields: no key/value pair can be mistaken for another.
    hash.update(`${Buffer.byteLength(key)}:${key}`);
    hash.update(
      value === null || value === undefined ? 'D' : `P${Buffer.byteLength(value)}:${value}`,
    );
  }
  return hash.digest('hex');
}
