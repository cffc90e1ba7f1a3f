import { createHash } from 'node:crypto';
import { ChamberError, Code } from '@chamber/errors';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

/** A deterministic stream of random draws. */
export interface RandomStream {
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform whole number in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p` (0 to 1). */
  chance(p: number): boolean;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Exponentially distributed with the given mean (> 0): MTBF/MTTR draws. */
  exponential(mean: number): number;
  /** One of `items` (not empty), uniformly. */
  pick<T>(items: readonly T[]): T;
}

/**
 * The random stream for `(seed, entity, tick, purpose)`: the same four always
 * give the same sequence, whatever else was drawn before or elsewhere, so a
 * simulation's randomness never depends on call order, process layout or
 * wall time. xoroshiro128+ (pure-rand), seeded from a SHA-256 of the tuple.
 */
export function randomStream(
  seed: number,
  entity: string,
  tick: number,
  purpose: string,
): RandomStream {
  const digest = createHash('sha256')
    .update(JSON.stringify([seed, entity, tick, purpose]))
    .digest();
  const state: number[] = [
    digest.readInt32BE(0),
    digest.readInt32BE(4),
    digest.readInt32BE(8),
    digest.readInt32BE(12),
  ];
  // xoroshiro needs a non-zero state.
  if (!state.some((w) => w !== 0)) state[0] = 1;
  const rng = xoroshiro128plusFromState(state);
  const float = (): number => uniformFloat64(rng);
  return {
    float,
    int(min, max) {
      if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max) {
        throw new ChamberError(
          Code.InvalidArgument,
          `int(${min}, ${max}): bounds must be whole numbers with min <= max`,
        );
      }
      return uniformInt(rng, min, max);
    },
    chance(p) {
      if (!(p >= 0 && p <= 1))
        throw new ChamberError(Code.InvalidArgument, `chance(${p}): p must be between 0 and 1`);
      return float() < p;
    },
    uniform(min, max) {
      if (!(min <= max))
        throw new ChamberError(Code.InvalidArgument, `uniform(${min}, ${max}): min must be <= max`);
      return min + float() * (max - min);
    },
    exponential(mean) {
      if (!(mean > 0))
        throw new ChamberError(Code.InvalidArgument, `exponential(${mean}): mean must be above 0`);
      return -mean * Math.log(1 - float());
    },
    pick(items) {
      if (items.length === 0)
        throw new ChamberError(Code.InvalidArgument, 'pick(): no items to pick from');
      return items[uniformInt(rng, 0, items.length - 1)]!;
    },
  };
}
