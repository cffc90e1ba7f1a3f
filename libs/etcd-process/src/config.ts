import path from 'node:path';

/**
 * The folders of the `PATH` environment variable, in order, where an `etcd`
 * binary is looked for; none when it is unset. This file is the one place
 * this package reads the environment.
 */
export function searchPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  return (env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
}

/**
 * The vitest worker this process is (`VITEST_POOL_ID`, from 1), or 0 outside
 * a test run: each picks free ports in a slice of its own.
 */
export function testWorker(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const id = Number(env['VITEST_POOL_ID'] ?? 0);
  return Number.isInteger(id) && id > 0 ? id : 0;
}
