import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { capDetails, ChamberError, Code, isGrpcCode, toChamberError } from '@chamber/errors';

const detailsKey = 'chamber-details-bin';

/** The shape of an error as grpc-js hands it to a client. */
export interface GrpcErrorLike {
  readonly code?: number;
  readonly details?: string;
  readonly metadata?: Metadata;
}

/**
 * `error` as a grpc-js service error, for a handler's callback or
 * `call.destroy`. The code crosses unchanged; details travel as JSON in binary
 * metadata. Internal errors keep their message out of the wire. The message
 * and the details are capped (`capMessage`, `capDetails`): a
 * status over HTTP/2's header limit would never arrive.
 */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  const e = toChamberError(error);
  const metadata = new Metadata();
  if (e.details !== undefined)
    metadata.set(detailsKey, Buffer.from(JSON.stringify(capDetails(e.details))));
  // A REST-only code (415, 405) has no gRPC status: it is invalid input there.
  const code = isGrpcCode(e.code) ? (e.code as number) : (Code.InvalidArgument as number);
  return { code, details: e.toBody().error.message, metadata };
}

/**
 * A grpc-js client error as a ChamberError with the same code, message and
 * details. Anything that is not a gRPC status error becomes `Unknown`.
 */
export function fromGrpcError(error: unknown): ChamberError {
  const e = error as GrpcErrorLike;
  if (typeof e?.code !== 'number' || !isGrpcCode(e.code)) {
    return new ChamberError(Code.Unknown, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
  let details: Record<string, unknown> | undefined;
  const raw = e.metadata?.get(detailsKey)[0];
  if (raw instanceof Buffer) {
    try {
      details = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      details = undefined;
    }
  }
  return new ChamberError(e.code, e.details ?? '', {
    cause: error,
    ...(details !== undefined ? { details } : {}),
  });
}
