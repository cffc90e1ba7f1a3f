import { fromGrpcError, isChamberError, toGrpcError } from '@chamber/errors';
import type * as grpc from '@grpc/grpc-js';

/** Where handler adapters report unexpected (non-Chamber) errors. */
export interface HandlerLogger {
  error(obj: object, msg: string): void;
}

/**
 * A grpc-js unary handler from an async function. A thrown ChamberError
 * crosses the wire with its code, message and details; anything else becomes
 * INTERNAL with a generic message, and is logged.
 */
export function unary<Req, Res>(
  handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
  logger?: HandlerLogger,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (!isChamberError(error))
          logger?.error({ err: error, path: call.getPath() }, 'handler failed');
        callback(toGrpcError(error));
      },
    );
  };
}

/**
 * A grpc-js server-streaming handler from an async function that writes to
 * the call; the stream ends when the promise resolves and fails with the
 * converted error when it rejects.
 */
export function serverStream<Req, Res>(
  handler: (request: Req, call: grpc.ServerWritableStream<Req, Res>) => Promise<void>,
  logger?: HandlerLogger,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    handler(call.request, call).then(
      () => call.end(),
      (error: unknown) => {
        if (!isChamberError(error))
          logger?.error({ err: error, path: call.getPath() }, 'stream handler failed');
        // emit, not destroy: destroy() ends the stream without sending a status.
        call.emit('error', toGrpcError(error));
      },
    );
  };
}

/**
 * Calls a grpc-js unary client method as a promise, with a deadline of
 * `timeoutMs` when given. Rejects with a ChamberError carrying the server's
 * code (`Unavailable` when the server cannot be reached).
 */
export function callUnary<Req, Res>(
  method: (
    request: Req,
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (error: grpc.ServiceError | null, response: Res) => void,
  ) => grpc.ClientUnaryCall,
  request: Req,
  metadata: grpc.Metadata,
  timeoutMs?: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(
      request,
      metadata,
      timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs },
      (error, response) => {
        if (error !== null) reject(fromGrpcError(error));
        else resolve(response);
      },
    );
  });
}
