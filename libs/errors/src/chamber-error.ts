import { ElementPathError } from '@chamber/world';
import { capDetails, capMessage } from './cap.js';
import { Code, codeName, type CodeName } from './codes.js';

const brand = Symbol.for('chamber.error');

/** Options of a {@link ChamberError}. */
export interface ChamberErrorOptions {
  /** Machine-readable facts for callers (the field at fault, the current epoch, …). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The error that caused this one; logged, never sent to clients. */
  readonly cause?: unknown;
}

/** The JSON body of a REST error: `{"error":{"code":"not_found","message":"…","field":"…"}}`. */
export interface ErrorBody {
  readonly error: {
    readonly code: CodeName;
    readonly message: string;
    /** The field it is about, in the API's words (every 4xx answer names one). */
    readonly field?: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/**
 * The one builder of an error body, for every error that leaves a process:
 * its message and details capped ({@link capMessage}, {@link capDetails}).
 */
export function errorBody(
  code: Code,
  message: string,
  more: { readonly field?: string; readonly details?: Readonly<Record<string, unknown>> } = {},
): ErrorBody {
  return {
    error: {
      code: codeName(code),
      message: capMessage(message),
      ...(more.field === undefined ? {} : { field: more.field }),
      ...(more.details === undefined ? {} : { details: capDetails(more.details) }),
    },
  };
}

/**
 * The one error type of Chamber: a code (numbered as gRPC status codes), a
 * message for people that names the thing and the rule, optional details and a
 * cause. Recognise it with {@link isChamberError}, which works across package
 * copies and realms, not with `instanceof`.
 */
export class ChamberError extends Error {
  readonly code: Code;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly [brand] = true;

  constructor(code: Code, message: string, options: ChamberErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChamberError';
    this.code = code;
    this.details = options.details;
  }

  /** The code's snake_case name (`not_found`). */
  get codeName(): CodeName {
    return codeName(this.code);
  }

  /**
   * The REST body for this error, its message and details capped as
   * everything that leaves a process ({@link capMessage}, {@link capDetails}).
   * Internal errors (5xx) carry a generic message only: internals are
   * logged, never sent.
   */
  toBody(): ErrorBody {
    const internal =
      this.code === Code.Internal || this.code === Code.Unknown || this.code === Code.DataLoss;
    return errorBody(
      this.code,
      internal ? 'internal error' : this.message,
      this.details !== undefined && !internal ? { details: this.details } : {},
    );
  }
}

/** Whether `value` is a {@link ChamberError} (by brand, not `instanceof`). */
export function isChamberError(value: unknown): value is ChamberError {
  return (
    typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true
  );
}

/**
 * `value` as a ChamberError: itself when it is one, `InvalidArgument` for a
 * path the element-path grammar refused (its message says what a path looks
 * like), otherwise an `Internal` error whose cause is `value`.
 */
export function toChamberError(value: unknown): ChamberError {
  if (isChamberError(value)) return value;
  if (value instanceof ElementPathError) {
    return new ChamberError(Code.InvalidArgument, value.message, { cause: value });
  }
  const message = value instanceof Error ? value.message : String(value);
  return new ChamberError(Code.Internal, message, { cause: value });
}

/**
 * An error about entry `index` of the list `list` of a request that holds
 * many (a bulk call): `error` with its message prefixed by the entry
 * (`faults[3]: …`) and its field under it (`faults.3.targets[0]`; `faults.3`
 * when it names none), so the caller learns which entry was refused.
 */
export function entryError(list: string, index: number, error: unknown): ChamberError {
  const e = toChamberError(error);
  const field = e.details?.['field'];
  return new ChamberError(e.code, `${list}[${index}]: ${e.message}`, {
    details: {
      ...e.details,
      field:
        typeof field === 'string' && field !== ''
          ? `${list}.${index}.${field}`
          : `${list}.${index}`,
    },
    cause: e,
  });
}
