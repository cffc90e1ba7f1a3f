import { ApiClient, defaultApiUrl, type ApiResponse, type CallInput } from '@chamber/api';
import { ChamberError, Code, isChamberError } from '@chamber/errors';
import { nonEmpty, readCredentials, type Credentials } from './credentials.js';
import { oneOf } from './values.js';
import { usageError, type CommandContext, type OptionSpecs } from './routes.js';

/** How a command reaches the system: the frontend's REST API, or a service's gRPC port. */
export type Via = 'rest' | 'grpc';

/** The tool-wide options that choose and address the transport. */
export const transportOptions: OptionSpecs = {
  via: {
    type: 'string',
    valueName: 'rest|grpc',
    env: 'CHAMBER_VIA',
    parse: oneOf(['rest', 'grpc']),
    description:
      'the transport (default rest when logged in, or with CHAMBER_TOKEN or --api; else grpc where a command has it)',
  },
  api: {
    type: 'string',
    valueName: 'URL',
    env: 'CHAMBER_API',
    description: `the frontend's URL (default: the one logged in to, else ${defaultApiUrl})`,
  },
};

/**
 * The transport of this command: `--via` (or `CHAMBER_VIA`) when given;
 * otherwise REST when a login is stored or `CHAMBER_TOKEN` or `--api` is
 * given, else gRPC. A command without gRPC always goes over REST, and
 * `--via grpc` for it is a usage error.
 */
export async function viaOf(ctx: CommandContext, hasGrpc: boolean): Promise<Via> {
  const asked = ctx.input.string('via') as Via | undefined;
  if (!hasGrpc) {
    if (asked === 'grpc') throw usageError('this command works only over REST (--via rest)');
    return 'rest';
  }
  if (asked !== undefined) return asked;
  if (ctx.input.string('api') !== undefined || nonEmpty(ctx.env['CHAMBER_TOKEN'])) return 'rest';
  return (await readCredentials(ctx.env)) === undefined ? 'grpc' : 'rest';
}

/**
 * A REST client for this command: the URL from `--api`, else the stored
 * login's, else the default; the token from `CHAMBER_TOKEN`, else the stored
 * login's when it was made for that URL (a token is never sent elsewhere).
 */
export async function restClient(ctx: CommandContext): Promise<ApiClient> {
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
export function apiUrl(ctx: CommandContext, stored: Credentials | undefined): string {
  const url = trimUrl(ctx.input.string('api') ?? stored?.url ?? defaultApiUrl);
  if (!/^https?:\/\/[^/]+$/.test(url))
    throw usageError(`--api must be http(s)://host[:port], got "${url}"`);
  if (ctx.input.string('api') === undefined && stored === undefined) {
    const why = nonEmpty(ctx.env['CHAMBER_TOKEN']) === undefined ? 'not logged in; ' : '';
    ctx.note(`${why}talking REST to the frontend at ${url}, the default (${apiElsewhere})`);
  }
  return url;
}

/** How to point the CLI at another frontend: for the end of a message. */
const apiElsewhere = '--api URL or CHAMBER_API points the CLI elsewhere';

/**
 * Calls `operationId` over REST, with errors as people need them: 401 says
 * how to log in; other errors carry the server's message (a 403 names the
 * missing right).
 */
export async function callRest(
  ctx: CommandContext,
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
  if (error.details?.['status'] !== undefined) return error;
  return new ChamberError(Code.Unavailable, `${error.message} (${apiElsewhere})`, {
    cause: error,
  });
}

/** The error of a REST call as the CLI reports it (see {@link callRest}). */
export function explain(error: unknown): unknown {
  if (isChamberError(error) && error.details?.['status'] === 401) {
    return new ChamberError(
      Code.Unauthenticated,
      `not logged in: run chamber login (${error.message})`,
      {
        cause: error,
      },
    );
  }
  return unreachable(error);
}

function trimUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
