import {
  apiPrefix,
  fillPath,
  operation,
  queryString,
  type AnswerOf,
  type BodyOf,
  type OperationId,
  type ParamsOf,
  type QueryOf,
} from '@chamber/api';

// The API's answers as the contract types them (the dashboard declares none of its own).
export type {
  Availability,
  BladeUse,
  ClockStatus,
  Command,
  Element,
  Fault,
  Instance,
  LogEntry,
  PlacementExplanation,
  Repair,
  Report,
  ReportSeries,
  ScenarioRun,
  Session,
  States,
  Summary,
  Workload,
} from '@chamber/api';

/**
 * An error answer of the REST API: its HTTP status, code, message and the
 * field it is about (every 4xx names one).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/**
 * Calls the REST API under /api/v1 with the session cookie; resolves with
 * the JSON answer (undefined for 204), rejects with an {@link ApiError}
 * (status 0 when the frontend cannot be reached).
 */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: string,
): Promise<T> {
  return (await apiWithEtag<T>(method, path, body, ifMatch)).body;
}

/** As {@link api}, and also answers the response's ETag (undefined when it has none). */
export async function apiWithEtag<T>(
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: string,
): Promise<{ body: T; etag: string | undefined }> {
  const { text, etag } = await request(method, path, 'application/json', body, ifMatch);
  return { body: (text === '' ? undefined : JSON.parse(text)) as T, etag };
}

/** One request under /api/v1: the answer's text and ETag, or an {@link ApiError}. */
async function request(
  method: string,
  path: string,
  accept: string,
  body?: unknown,
  ifMatch?: string,
): Promise<{ text: string; etag: string | undefined }> {
  let res: Response;
  try {
    res = await fetch(`${apiPrefix}${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        accept,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'unavailable', 'The Chamber frontend cannot be reached.');
  }
  const text = await res.text();
  if (!res.ok) {
    let code = 'unknown';
    let message = `HTTP ${res.status}`;
    let field: string | undefined;
    try {
      const error = (
        JSON.parse(text) as { error?: { code?: string; message?: string; field?: string } }
      ).error;
      code = error?.code ?? code;
      message = error?.message ?? message;
      field = error?.field;
      // Invalid input is about a field the user typed: say which, if the message does not.
      if (res.status === 400 && error?.field !== undefined && !message.includes(error.field)) {
        message = `${error.field}: ${message}`;
      }
    } catch {
      // Not our error body: keep the status.
    }
    throw new ApiError(res.status, code, message, field);
  }
  return { text, etag: res.headers.get('etag') ?? undefined };
}

/** The parts of a call to operation `Id`, typed by its route. */
export interface CallInput<Id extends OperationId> {
  readonly params?: ParamsOf<Id>;
  readonly query?: QueryOf<Id>;
  readonly body?: BodyOf<Id>;
  readonly ifMatch?: string;
}

/**
 * Calls operation `Id` of the contract (its method and path from the route
 * table) with the session cookie; resolves with its typed answer and ETag,
 * rejects as {@link api}.
 */
export async function call<Id extends OperationId>(
  id: Id,
  input: CallInput<Id> = {},
): Promise<{ body: AnswerOf<Id>; etag: string | undefined }> {
  const op = operation(id);
  const params = Object.fromEntries(
    Object.entries(input.params ?? {}).map(([k, v]) => [k, String(v)]),
  );
  const query: Record<string, string> = {};
  const fields: Readonly<Record<string, string | number | boolean | undefined>> = input.query ?? {};
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) query[k] = String(v);
  }
  const search = queryString(query);
  return apiWithEtag<AnswerOf<Id>>(
    op.method,
    `${fillPath(op.path, params)}${search}`,
    input.body,
    input.ifMatch,
  );
}

/**
 * Calls operation `Id`, a GET without parameters whose answer is a file
 * (`exportScenario`'s YAML), with the session cookie; resolves with its
 * text, rejects as {@link api}.
 */
export async function callText(id: OperationId): Promise<string> {
  const op = operation(id);
  return (await request(op.method, op.path, op.response.contentType ?? '*/*')).text;
}
