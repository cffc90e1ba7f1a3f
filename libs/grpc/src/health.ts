import { ChamberError, Code } from '@chamber/errors';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = grpc.makeGenericClientConstructor(healthService, 'Health');

interface HealthResponse {
  readonly status: string | number;
}

/**
 * Resolves once the gRPC server at `address` reports `service` ('' for the
 * whole server) as SERVING, following the standard `grpc.health.v1.Health/
 * Watch` stream: it waits for the server to come up (the call waits for the
 * connection) and for its status to change, without polling. Rejects with
 * `DeadlineExceeded` after `timeoutMs`, or `Cancelled` when `signal` aborts.
 */
export function waitUntilServing(
  address: string,
  options: { service?: string; timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const client = new HealthClient(address, grpc.credentials.createInsecure());
  return new Promise<void>((resolve, reject) => {
    const call = client.makeServerStreamRequest(
      '/grpc.health.v1.Health/Watch',
      (request: { service: string }) => healthService.Watch!.requestSerialize(request),
      (bytes: Buffer) => healthService.Watch!.responseDeserialize(bytes) as HealthResponse,
      { service: options.service ?? '' },
      new grpc.Metadata({ waitForReady: true }),
      { deadline: Date.now() + options.timeoutMs },
    );
    const finish = (error?: ChamberError): void => {
      options.signal?.removeEventListener('abort', onAbort);
      call.removeAllListeners();
      call.on('error', () => undefined);
      call.cancel();
      client.close();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = (): void =>
      finish(new ChamberError(Code.Cancelled, `stopped waiting for ${address}`));
    options.signal?.addEventListener('abort', onAbort);
    call.on('data', (response: HealthResponse) => {
      if (response.status === 'SERVING' || response.status === 1) finish();
    });
    call.on('error', (error: grpc.ServiceError) =>
      finish(
        new ChamberError(
          error.code === grpc.status.DEADLINE_EXCEEDED ? Code.DeadlineExceeded : Code.Unavailable,
          `${address} did not report serving within ${options.timeoutMs} ms (${error.details})`,
          { cause: error },
        ),
      ),
    );
  });
}

/** What a one-shot health check found. */
export type Health = 'serving' | 'not_serving' | 'unreachable';

/**
 * Asks the gRPC server at `address` once (`grpc.health.v1.Health/Check`)
 * whether `service` ('' for the whole server) is serving; never rejects.
 */
export function checkHealth(
  address: string,
  options: { service?: string; timeoutMs: number },
): Promise<Health> {
  const client = new HealthClient(address, grpc.credentials.createInsecure());
  return new Promise<Health>((resolve) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (request: { service: string }) => healthService.Check!.requestSerialize(request),
      (bytes: Buffer) => healthService.Check!.responseDeserialize(bytes) as HealthResponse,
      { service: options.service ?? '' },
      { deadline: Date.now() + options.timeoutMs },
      (error: grpc.ServiceError | null, response?: HealthResponse) => {
        client.close();
        if (error !== null) resolve('unreachable');
        else
          resolve(
            response?.status === 'SERVING' || response?.status === 1 ? 'serving' : 'not_serving',
          );
      },
    );
  });
}
