import { ChamberError, Code } from '@chamber/errors';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** What `chamber login` stores: where the frontend is, the bearer token, and whose it is. */
export interface Credentials {
  readonly url: string;
  readonly token: string;
  readonly user: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Where the credentials live: `$XDG_CONFIG_HOME/chamber/credentials.json`,
 * else `~/.config/chamber/credentials.json` (`HOME` from `env`); `undefined`
 * when `env` names neither (nothing is stored then).
 */
export function credentialsPath(env: Env): string | undefined {
  const config = nonEmpty(env['XDG_CONFIG_HOME']);
  if (config !== undefined) return path.join(config, 'chamber', 'credentials.json');
  const home = nonEmpty(env['HOME']);
  return home === undefined ? undefined : path.join(home, '.config', 'chamber', 'credentials.json');
}

/**
 * The stored credentials, or `undefined` when none are stored. Fails with
 * `FailedPrecondition` when the file exists but is not what `login` writes.
 */
export async function readCredentials(env: Env): Promise<Credentials | undefined> {
  const file = credentialsPath(env);
  if (file === undefined) return undefined;
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ChamberError(Code.FailedPrecondition, `cannot read ${file}`, { cause: error });
  });
  if (text === undefined) return undefined;
  let parsed: Partial<Record<keyof Credentials, unknown>> = {};
  try {
    parsed = (JSON.parse(text) ?? {}) as typeof parsed;
  } catch {
    // Not JSON: reported below with the file's name.
  }
  const { url, token, user } = parsed;
  if (typeof url === 'string' && typeof token === 'string' && typeof user === 'string') {
    return { url, token, user };
  }
  throw new ChamberError(
    Code.FailedPrecondition,
    `${file} is not a chamber credentials file; run chamber login again`,
  );
}

/** Stores `credentials` (file mode 0600, folder 0700); fails when `env` names no home. */
export async function writeCredentials(env: Env, credentials: Credentials): Promise<string> {
  const file = credentialsPath(env);
  if (file === undefined) {
    throw new ChamberError(
      Code.FailedPrecondition,
      'cannot store the token: neither XDG_CONFIG_HOME nor HOME is set',
    );
  }
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written fresh with 0600 so the token is never readable by others, even briefly.
  await rm(file, { force: true });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return file;
}

/** Deletes the stored credentials; nothing stored is not an error. */
export async function deleteCredentials(env: Env): Promise<void> {
  const file = credentialsPath(env);
  if (file !== undefined) await rm(file, { force: true });
}

/** `text`, with the empty string (an env var set to nothing) as absent. */
export function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
