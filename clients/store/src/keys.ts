import { ChamberError, Code } from '@chamber/errors';

/** Every Chamber key lives under this root. */
export const rootPrefix = '/chamber/v1/';

const namePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Throws `InvalidArgument` unless `name` is a valid simulation name
 * (lower-case letters, digits and dashes, 1–63 characters).
 */
export function validateSimulationName(name: string): void {
  if (!namePattern.test(name)) {
    throw new ChamberError(
      Code.InvalidArgument,
      `simulation name "${name}" must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit`,
    );
  }
}

/** The key prefix of simulation `name`: `/chamber/v1/<name>/`. */
export function simulationPrefix(name: string): string {
  validateSimulationName(name);
  return `${rootPrefix}${name}/`;
}

/**
 * The simulation an absolute key belongs to (`/chamber/v1/s1/clock/tick` →
 * `s1`), or `undefined` when `key` lies outside {@link rootPrefix}.
 */
export function simulationOfKey(key: string): string | undefined {
  if (!key.startsWith(rootPrefix)) return undefined;
  const end = key.indexOf('/', rootPrefix.length);
  return key.slice(rootPrefix.length, end < 0 ? undefined : end);
}

/** The first key after every key that starts with `prefix` (etcd range end). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
