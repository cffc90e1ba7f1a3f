import { ChamberError, Code, codeFromName } from '@chamber/errors';
import { queryString } from './elements.js';
import { fillPath, type Operation } from './operation.js';
import {
  operation,
  type AnswerOf,
  type BodyOf,
  type OperationId,
  type ParamsOf,
  type QueryOf,
} from './routes.js';

/** The prefix of every route. */
export const apiPrefix = '/api/v1';

/** Where the frontend listens unless told otherwise. */
export const defaultApiUrl = 'http://127.0.0.1:8080';

/** How an {@link ApiClient} reaches the frontend and who it is. */
export interface ApiClientOptions {
  /** `http://host:port` of the frontend. */
  readonly baseUrl: string;
  /** A bearer token (`Authorization: Bearer …`). */
  readonly token?: string;
  /** A `Cookie` header to send (a browser-like session, in tests). */
  readonly cookie?: string;
  /** Abort a call after this long (ms); none by default. */
  readonly timeoutMs?: number;
}

/** The parts of one call. */
export interface CallInput {
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  readonly ifMatch?: string;
  readonly signal?: AbortSignal;
}

/** The parts of a call to `Id`, typed by its route. */
export interface TypedCallInput<Id extends OperationId> {
  readonly params?: ParamsOf<Id>;
  readonly query?: QueryOf<Id>;
  readonly body?: BodyOf<Id>;
  readonly ifMatch?: string;
  readonly signal?: AbortSignal;
}

/** A successful answer. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  /** The parsed JSON body; `undefined` for 204. */
  readonly body: T;
  readonly etag: string | undefined;
  readonly headers: Headers;
}

/**
 * A typed client of the REST API, by operation id (see `operations`). Every
 * failure rejects with a ChamberError: the answer's code and message for an
 * error answer (the field in `details.field`; the HTTP status is the code's,
 * by the one table of `@chamber/errors`), `Unavailable` with fetch's failure
 * as `cause` when nothing answers at the address.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = options;
  }

  /** The URL of `operationId` with `input`'s parameters and query. */
  url(operationId: string, input: CallInput = {}): string {
    return this.urlOf(operation(operationId), input);
  }

  /** Calls `operationId`; resolves with the answer, rejects with a ChamberError. */
  async call<T = unknown>(operationId: string, input: CallInput = {}): Promise<ApiResponse<T>> {
    const op = operation(operationId);
    const response = await this.send(op, input);
    const text = await response.text();
    if (!response.ok) throw errorFromAnswer(response.status, text);
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw new ChamberError(Code.Internal, `${op.id}: the answer is not JSON`, { cause });
      }
    }
    return {
      status: response.status,
      body: body as T,
      etag: response.headers.get('etag') ?? undefined,
      headers: response.headers,
    };
  }

  /**
   * Calls `operationId` with the input its route takes, resolving with the
   * answer its route documents (`AnswerOf`); rejects as {@link call}.
   */
  async request<Id extends OperationId>(
    operationId: Id,
    input: TypedCallInput<Id> = {},
  ): Promise<ApiResponse<AnswerOf<Id>>> {
    return this.call<AnswerOf<Id>>(operationId, input);
  }

  /**
   * Opens `operationId` as a raw `fetch` response (for streams such as the
   * event source). Rejects like {@link call} when the answer is an error.
   */
  async open(
    operationId: string,
    input: CallInput = {},
    headers: Readonly<Record<string, string>> = {},
  ): Promise<Response> {
    const response = await this.send(operation(operationId), input, headers);
    if (!response.ok) throw errorFromAnswer(response.status, await response.text());
    return response;
  }

  private urlOf(op: Operation, input: CallInput): string {
    const params = Object.fromEntries(
      Object.entries(input.params ?? {}).map(([k, v]) => [k, String(v)]),
    );
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.query ?? {})) {
      if (v !== undefined) query[k] = String(v);
    }
    return `${this.baseUrl}${apiPrefix}${fillPath(op.path, params)}${queryString(query)}`;
  }

  private async send(
    op: Operation,
    input: CallInput,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<Response> {
    const headers = new Headers(extra);
    headers.set('accept', op.response.contentType ?? 'application/json');
    if (this.options.token !== undefined)
      headers.set('authorization', `Bearer ${this.options.token}`);
    if (this.options.cookie !== undefined) headers.set('cookie', this.options.cookie);
    if (input.ifMatch !== undefined) headers.set('if-match', input.ifMatch);
    let body: string | undefined;
    if (input.body !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(input.body);
    }
    const signals = [
      input.signal,
      this.options.timeoutMs === undefined
        ? undefined
        : AbortSignal.timeout(this.options.timeoutMs),
    ].filter((x): x is AbortSignal => x !== undefined);
    try {
      return await fetch(this.urlOf(op, input), {
        method: op.method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (cause) {
      if (input.signal?.aborted === true) {
        throw new ChamberError(Code.Cancelled, `${op.id}: cancelled`, { cause });
      }
      throw new ChamberError(Code.Unavailable, `cannot reach the frontend at ${this.baseUrl}`, {
        cause,
      });
    }
  }
}

/** The ChamberError an error answer carries. */
export function errorFromAnswer(status: number, text: string): ChamberError {
  let code: Code | undefined;
  let message = `HTTP ${status}`;
  let field: unknown;
  try {
    const parsed = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; field?: unknown };
    };
    const error = parsed.error;
    if (typeof error?.code === 'string') code = codeFromName(error.code);
    if (typeof error?.message === 'string') message = error.message;
    field = error?.field;
  } catch {
    // Not our error body (a proxy's page, say): keep the status.
  }
  return new ChamberError(
    code ?? Code.Unknown,
    message,
    typeof field === 'string' ? { details: { field } } : {},
  );
}
