import path from 'node:path';

/**
 * The folders of the `PATH` environment variable, in order, where an `etcd`
 * binary is looked for; none when it is unset. The one place this package
 * reads the environment.
 */
export function searchPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string[] {
  return (env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
}
