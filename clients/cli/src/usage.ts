import { ChamberError, Code, isChamberError } from '@chamber/errors';

/**
 * A usage error found by the CLI (a bad value, a rule between options): the
 * tool prints it with a usage hint and exits 2. A ChamberError
 * (`InvalidArgument`) marked in its details.
 */
export function usageError(message: string): ChamberError {
  return new ChamberError(Code.InvalidArgument, message, { details: { isUsage: true } });
}

/** Whether `error` came from {@link usageError}. */
export function isUsageError(error: unknown): error is ChamberError {
  return isChamberError(error) && error.details?.['isUsage'] === true;
}
