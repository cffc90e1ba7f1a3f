import { ApiClient, defaultApiUrl, type ApiResponse, type CallInput } from '@chamber/api';
import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { nonEmpty, readCredentials, type Credentials } from './credentials.js';
import type { Context } from './program.js';
import { usageError } from './usage.js';

/**
 * A REST client for this command: the URL from `--api`, else the stored
 * login's, else the default; the token from `CHAMBER_TOKEN`, else the stored
 * login's when it was made for that URL (a token is never sent elsewhere).
 */
export async function restClient(ctx: Context): Promise<ApiClient> {
  const stored = await readCredentials(ctx.env);
  const url = apiUrl(ctx, stored);
  const token =
    nonEmpty(ctx.env['CHAMBER_TOKEN']) ??
    (stored !== undefined && trimUrl(stored.url) === url ? stored.token : undefined);
  return new ApiClient({ baseUrl: url, ...(token === undefined ? {} : { token }) });
}

/**
 * The frontend's URL for this command: `--api` (or `CHAMBER_API`), else the
 * stored login's, else the default, which it then names on stderr (one
 * line: the person gave no endpoint). A malformed URL is a usage error.
 */
export function apiUrl(ctx: Context, stored: Credentials | undefined): string {
  const given = (ctx.options['api'] as string | undefined) ?? nonEmpty(ctx.env['CHAMBER_API']);
  const url = trimUrl(given ?? stored?.url ?? defaultApiUrl);
  if (!/^https?:\/\/[^/]+$/.test(url)) {
    throw usageError(`--api must be http(s)://host[:port], got "${url}"`);
  }
  if (given === undefined && stored === undefined) {
    const why = nonEmpty(ctx.env['CHAMBER_TOKEN']) === undefined ? 'not logged in; ' : '';
    ctx.note(`${why}talking REST to the frontend at ${url}, the default (${apiElsewhere})`);
  }
  return url;
}

/** How to point the CLI at another frontend: for the end of a message. */
const apiElsewhere = '--api URL or CHAMBER_API points the CLI elsewhere';

/**
 * Calls `operationId`, with errors as people need them: 401 says how to log
 * in; other errors carry the server's message (a 403 names the missing right).
 */
export async function callRest(
  ctx: Context,
  client: ApiClient,
  operationId: string,
  input: CallInput,
): Promise<ApiResponse> {
  try {
    return await client.call(operationId, { ...input, signal: ctx.signal });
  } catch (error) {
    throw explain(error);
  }
}

/**
 * A REST call's error, with how to point the CLI at another frontend when
 * this one cannot be reached (`Unavailable` with no HTTP status); any other
 * error as it is.
 */
export function unreachable(error: unknown): unknown {
  if (!isChamberError(error) || error.code !== Code.Unavailable) return error;
  // An error the frontend answered has no cause; one raised for no answer wraps fetch's failure.
  if (error.cause === undefined) return error;
  return new ChamberError(Code.Unavailable, `${error.message} (${apiElsewhere})`, {
    cause: error,
  });
}

/** The error of a REST call as the CLI reports it (see {@link callRest}). */
export function explain(error: unknown): unknown {
  if (isChamberError(error) && error.code === Code.Unauthenticated) {
    return new ChamberError(
      Code.Unauthenticated,
      `not logged in: run chamber login (${error.message})`,
      { cause: error },
    );
  }
  return unreachable(error);
}

function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
