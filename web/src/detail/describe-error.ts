import { ApiError } from '../api.js';

/** A refusal, named plainly: `403 forbidden: …`, `400 (field body.rate): …`. */
export function describeError(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : String(e);
  const field = e.field === undefined ? '' : ` (field ${e.field})`;
  return e.status === 0 ? e.message : `Refused, ${e.status} ${e.code}${field}: ${e.message}`;
}
