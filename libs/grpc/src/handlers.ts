import { ChamberError, Code, isChamberError, toChamberError } from '@chamber/errors';
import * as grpc from '@grpc/grpc-js';
import { fromGrpcError, toGrpcError } from './grpc-wire.js';

const { Metadata } = grpc;

/** An error no rule of Chamber's expected: a bug or an outage, worth a log line. */
const isUnexpected = (error: unknown): boolean =>
  !isChamberError(error) && toChamberError(error).code === Code.Internal;

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
        if (isUnexpected(error))
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
        if (isUnexpected(error))
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

const addressPattern = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/**
 * Checks a service address is `host:port` (grpc-js would read anything else
 * as another kind of target); fails with `InvalidArgument` naming `service`.
 */
export function checkAddress(service: string, address: string, example: string): string {
  const port = addressPattern.exec(address)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
    throw new ChamberError(
      Code.InvalidArgument,
      `the ${service} address must be host:port (e.g. ${example}), got "${address}"`,
    );
  }
  return address;
}

/** A grpc-js client method bound to its request: `(metadata, options, callback)`. */
export type BoundCall<Res> = (
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => unknown;

/**
 * A promise-returning caller for a typed client: each call gets a deadline
 * of `timeoutMs`, and an unreachable server becomes `Unavailable` with
 * "cannot reach the <service> at <address>: is Chamber running (npm start)?".
 */
export function unaryCaller(
  service: string,
  address: string,
  timeoutMs: number,
): <Res>(call: BoundCall<Res>) => Promise<Res> {
  return async <Res>(call: BoundCall<Res>): Promise<Res> => {
    try {
      return await new Promise<Res>((resolve, reject) => {
        call(new Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => {
          if (error !== null) reject(fromGrpcError(error));
          else resolve(response);
        });
      });
    } catch (error) {
      throw reachable(service, address, error);
    }
  };
}

/**
 * `error` as a ChamberError, reworded when the server could not be reached
 * or did not answer before the deadline (grpc-js's own text names
 * connection internals: load-balancer timings, the remote address).
 */
export function reachable(service: string, address: string, error: unknown): ChamberError {
  const e = isChamberError(error) ? error : fromGrpcError(error);
  switch (e.code) {
    case Code.Unavailable:
      return new ChamberError(
        Code.Unavailable,
        `cannot reach the ${service} at ${address}: is Chamber running (npm start)?`,
        { cause: e },
      );
    case Code.DeadlineExceeded:
      return new ChamberError(Code.DeadlineExceeded, `the ${service} did not answer in time`, {
        cause: e,
      });
    default:
      return e;
  }
}

/** A server stream being followed by {@link followStream}. */
export interface StreamFollow {
  /** Stops following; `onEnd` is then called without an error. Idempotent. */
  cancel(): void;
}

/**
 * Follows a client's server stream: `onMessage` for each message until
 * `cancel()` or a failure. `onEnd` is called exactly once: without an error
 * after `cancel()` or when the server ends the stream, with `toError(e)`
 * when the stream fails. If `onMessage` throws, the stream is cancelled and
 * `onEnd` gets that error.
 */
export function followStream<Res>(
  stream: grpc.ClientReadableStream<Res>,
  onMessage: (message: Res) => void,
  onEnd: ((error?: ChamberError) => void) | undefined,
  toError: (error: grpc.ServiceError) => ChamberError,
): StreamFollow {
  let isEnded = false;
  let isCancelled = false;
  const end = (error?: ChamberError): void => {
    if (isEnded) return;
    isEnded = true;
    onEnd?.(error);
  };
  stream.on('data', (message: Res) => {
    if (isEnded) return;
    try {
      onMessage(message);
    } catch (error) {
      end(toChamberError(error));
      isCancelled = true;
      stream.cancel();
    }
  });
  // grpc-js reports our own cancel() as a CANCELLED error: that is a normal end.
  stream.on('error', (error: grpc.ServiceError) => end(isCancelled ? undefined : toError(error)));
  stream.on('end', () => end());
  return {
    cancel: () => {
      if (isEnded || isCancelled) return;
      isCancelled = true;
      stream.cancel();
    },
  };
}
