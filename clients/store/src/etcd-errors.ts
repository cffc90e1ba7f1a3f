import { ChamberError, Code, isChamberError } from '@chamber/errors';
import * as etcd from 'etcd3';

// The one place where etcd3's error classes become Chamber codes. Matched by
// class, never by message text.
const byClass: ReadonlyArray<readonly [new (...args: never[]) => Error, Code]> = [
  [etcd.GRPCUnavailableError, Code.Unavailable],
  [etcd.GRPCDeadlineExceededError, Code.DeadlineExceeded],
  [etcd.GRPCCancelledError, Code.Cancelled],
  [etcd.GRPCOutOfRangeError, Code.OutOfRange],
  [etcd.GRPCFailedPreconditionError, Code.FailedPrecondition],
  [etcd.GRPCInvalidArgumentError, Code.InvalidArgument],
  [etcd.GRPCNotFoundError, Code.NotFound],
  [etcd.GRPCAlreadyExistsError, Code.AlreadyExists],
  [etcd.GRPCResourceExhastedError, Code.ResourceExhausted],
  [etcd.GRPCAbortedError, Code.Aborted],
  [etcd.GRPCUnauthenticatedError, Code.Unauthenticated],
  [etcd.EtcdPermissionDeniedError, Code.PermissionDenied],
  [etcd.EtcdLeaseInvalidError, Code.FailedPrecondition],
  [etcd.ClientClosedError, Code.Cancelled],
];

/**
 * `error` (thrown by etcd3) as a ChamberError with the matching code and a
 * message saying what was being done (`what`) and against which endpoints.
 */
export function fromEtcdError(
  error: unknown,
  what: string,
  endpoints: readonly string[],
): ChamberError {
  if (isChamberError(error)) return error;
  const code = byClass.find(([cls]) => error instanceof cls)?.[1] ?? Code.Internal;
  const reason = error instanceof Error ? error.message : String(error);
  const message =
    code === Code.Unavailable
      ? `cannot reach etcd at ${endpoints.join(',')} (${what}): ${reason}`
      : code === Code.OutOfRange
        ? `${what}: that revision has been compacted away (${reason})`
        : `${what}: ${reason}`;
  return new ChamberError(code, message, { cause: error });
}
