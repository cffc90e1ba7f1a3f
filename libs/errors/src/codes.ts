/**
 * Error codes. The numbers are the gRPC status codes, so a code crosses the
 * gRPC wire unchanged and maps once to an HTTP status.
 */
export enum Code {
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
  /**
   * REST only: an HTTP method the route does not take (405). Numbered past
   * the gRPC codes; it crosses the gRPC wire as `InvalidArgument`.
   */
  MethodNotAllowed = 405,
  /** REST only: a body over the route's size limit (413); crosses the gRPC wire as `InvalidArgument`. */
  PayloadTooLarge = 413,
  /** REST only: a body that is not JSON (415); crosses the gRPC wire as `InvalidArgument`. */
  UnsupportedMediaType = 415,
}

/** The snake_case name of a code, as used in REST error bodies (`not_found`). */
export type CodeName =
  | 'cancelled'
  | 'unknown'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'
  | 'unauthenticated'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type';

interface CodeInfo {
  readonly name: CodeName;
  /** HTTP status for REST answers. */
  readonly http: number;
}

// The one table from code to name and HTTP status. Aborted is a conflict on a
// guarded update (stale ETag / epoch): 412 when the caller sent a precondition
// (If-Match), which the REST layer decides; 409 otherwise.
const table: Readonly<Record<Code, CodeInfo>> = {
  [Code.Cancelled]: { name: 'cancelled', http: 499 },
  [Code.Unknown]: { name: 'unknown', http: 500 },
  [Code.InvalidArgument]: { name: 'invalid_argument', http: 400 },
  [Code.DeadlineExceeded]: { name: 'deadline_exceeded', http: 504 },
  [Code.NotFound]: { name: 'not_found', http: 404 },
  [Code.AlreadyExists]: { name: 'already_exists', http: 409 },
  [Code.PermissionDenied]: { name: 'permission_denied', http: 403 },
  [Code.ResourceExhausted]: { name: 'resource_exhausted', http: 429 },
  [Code.FailedPrecondition]: { name: 'failed_precondition', http: 400 },
  [Code.Aborted]: { name: 'aborted', http: 409 },
  [Code.OutOfRange]: { name: 'out_of_range', http: 400 },
  [Code.Unimplemented]: { name: 'unimplemented', http: 501 },
  [Code.Internal]: { name: 'internal', http: 500 },
  [Code.Unavailable]: { name: 'unavailable', http: 503 },
  [Code.DataLoss]: { name: 'data_loss', http: 500 },
  [Code.Unauthenticated]: { name: 'unauthenticated', http: 401 },
  [Code.MethodNotAllowed]: { name: 'method_not_allowed', http: 405 },
  [Code.PayloadTooLarge]: { name: 'payload_too_large', http: 413 },
  [Code.UnsupportedMediaType]: { name: 'unsupported_media_type', http: 415 },
};

/** Whether `code` is one of gRPC's (1–16), which cross the gRPC wire as they are. */
export function isGrpcCode(code: number): boolean {
  return Number.isInteger(code) && code >= 1 && code <= 16;
}

const byName = new Map<string, Code>(
  Object.entries(table).map(([code, info]) => [info.name, Number(code) as Code]),
);

/** The snake_case name of `code`; `unknown` for a number that is not a code. */
export function codeName(code: Code): CodeName {
  return (table[code] ?? table[Code.Unknown]).name;
}

/** The code named `name` (as in a REST error body), or `undefined`. */
export function codeFromName(name: string): Code | undefined {
  return byName.get(name);
}

/**
 * The HTTP status for `code`. With `hasPrecondition` (the request carried
 * `If-Match`), a refused guarded write (`Aborted`, `FailedPrecondition`) is
 * 412 Precondition Failed instead of 409 or 400.
 */
export function httpStatusOf(code: Code, hasPrecondition = false): number {
  // A guarded write refused (stale epoch or revision) when the caller sent If-Match.
  if ((code === Code.Aborted || code === Code.FailedPrecondition) && hasPrecondition) return 412;
  return (table[code] ?? table[Code.Unknown]).http;
}
