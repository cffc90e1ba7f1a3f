import { createRequire } from 'node:module';
import path from 'node:path';
import { ChamberError, Code, errorMessageLimitBytes } from '@chamber/errors';
import { ClockClient, ClockService, ClockStatus, protoFiles, protoRoot } from '@chamber/protos';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  callLogInterceptor,
  callUnary,
  createGrpcServer,
  fromGrpcError,
  serverStream,
  unary,
  unaryCaller,
  type GrpcServer,
} from '../src/index.js';

// A real server on a free port with the Clock service definition as a fixture
// (stub handlers, no stepper), reached over the wire by real grpc-js clients.

const clockName = 'chamber.clock.v1.Clock';
const secret = 'connect ECONNREFUSED 10.0.0.3:2379 as user root';

interface Fixture {
  readonly server: GrpcServer;
  readonly address: string;
  readonly logger: { error: ReturnType<typeof vi.fn> };
  /** What the call-log interceptor logged. */
  readonly calls: Array<{ method: string; code: number }>;
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function startFixture(): Promise<Fixture> {
  const logger = { error: vi.fn() };
  const calls: Array<{ method: string; code: number }> = [];
  const callLog = { debug: (o: object) => calls.push(o as { method: string; code: number }) };
  const server = createGrpcServer({
    host: '127.0.0.1',
    port: 0,
    services: [
      {
        name: clockName,
        definition: ClockService,
        implementation: {
          getStatus: unary(
            () => Promise.resolve({ status: ClockStatus.fromPartial({ tick: 7 }) }),
            logger,
          ),
          stepClock: unary(
            () =>
              Promise.reject(
                new ChamberError(Code.NotFound, 'x not found', { details: { x: 'x1' } }),
              ),
            logger,
          ),
          resetClock: unary(() => Promise.reject(new Error(secret)), logger),
          // Never answers: the caller's deadline ends the call.
          waitForTick: unary(() => new Promise<never>(() => undefined), logger),
          runUntil: unary(
            () =>
              Promise.reject(
                new ChamberError(Code.InvalidArgument, `bad: ${'x'.repeat(100_000)}`, {
                  details: { field: 'tick', value: 'y'.repeat(100_000) },
                }),
              ),
            logger,
          ),
          watchClock: serverStream(async (_req, call) => {
            call.write({ status: ClockStatus.fromPartial({ tick: 1 }) });
            await Promise.resolve();
            throw new ChamberError(Code.Aborted, 'epoch is 4, not 3');
          }, logger),
        },
      },
    ],
    protoRoot,
    protoFiles: [protoFiles.clock],
    interceptors: [callLogInterceptor(callLog)],
  });
  const { port } = await server.start();
  cleanup.push(() => server.stop(0));
  return { server, address: `127.0.0.1:${port}`, logger, calls };
}

function clockClient(address: string): ClockClient {
  const client = new ClockClient(address, grpc.credentials.createInsecure());
  cleanup.push(() => client.close());
  return client;
}

/** A plain client for services the test knows only from a `.proto` file. */
function plainClient(address: string): grpc.Client {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  cleanup.push(() => client.close());
  return client;
}

/** Method `service/name` of a `.proto` file, loaded as the other side would. */
function method<Req, Res>(
  file: string,
  service: string,
  name: string,
): protoLoader.MethodDefinition<Req, Res> {
  const definition = protoLoader.loadSync(file, { keepCase: true, enums: String, longs: Number });
  const m = (definition[service] as protoLoader.ServiceDefinition | undefined)?.[name];
  if (m === undefined) throw new Error(`${file} has no method ${service}/${name}`);
  return m as unknown as protoLoader.MethodDefinition<Req, Res>;
}

/** The error of a unary call that must fail. */
function failure(
  call: (callback: (error: grpc.ServiceError | null) => void) => unknown,
): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => {
    call((error) => {
      if (error === null) reject(new Error('the call succeeded'));
      else resolve(error);
    });
  });
}

describe('health checking', () => {
  interface HealthCheckRequest {
    service: string;
  }
  interface HealthCheckResponse {
    status: string;
  }
  const check = method<HealthCheckRequest, HealthCheckResponse>(
    healthProtoPath,
    'grpc.health.v1.Health',
    'Check',
  );
  const watch = method<HealthCheckRequest, HealthCheckResponse>(
    healthProtoPath,
    'grpc.health.v1.Health',
    'Watch',
  );

  function status(client: grpc.Client, service: string): Promise<string> {
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        check.path,
        check.requestSerialize,
        check.responseDeserialize,
        { service },
        (error, response) => {
          if (error !== null || response === undefined) reject(error ?? new Error('no response'));
          else resolve(response.status);
        },
      );
    });
  }

  it('reports SERVING for the server and each service once started', async () => {
    const { address } = await startFixture();
    const client = plainClient(address);
    expect(await status(client, '')).toBe('SERVING');
    expect(await status(client, clockName)).toBe('SERVING');
    await expect(status(client, 'chamber.nope.v1.Nope')).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });

  it('reports NOT_SERVING when told to', async () => {
    const { server, address } = await startFixture();
    const client = plainClient(address);
    server.setServing(false);
    expect(await status(client, '')).toBe('NOT_SERVING');
    expect(await status(client, clockName)).toBe('NOT_SERVING');
    server.setServing(true);
    expect(await status(client, clockName)).toBe('SERVING');
  });

  it('tells a watching client NOT_SERVING as soon as stop begins', async () => {
    const { server, address } = await startFixture();
    const call = plainClient(address).makeServerStreamRequest(
      watch.path,
      watch.requestSerialize,
      watch.responseDeserialize,
      { service: clockName },
    );
    // Cancelling below ends the stream with CANCELLED; that is expected.
    call.on('error', () => undefined);
    const updates = call[Symbol.asyncIterator]() as AsyncIterator<HealthCheckResponse>;
    expect((await updates.next()).value).toEqual({ status: 'SERVING' });
    const stopping = server.stop();
    expect((await updates.next()).value).toEqual({ status: 'NOT_SERVING' });
    // The open watch is the last call the graceful shutdown waits for.
    call.cancel();
    await stopping;
  });
});

describe('server reflection', () => {
  interface ReflectionResponse {
    list_services_response?: { service: Array<{ name: string }> };
    file_descriptor_response?: { file_descriptor_proto: Buffer[] };
    error_response?: { error_code: number; error_message: string };
  }
  const reflectionProtos = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
    'build/proto',
  );

  /** Sends one reflection request and returns the one answer. */
  function ask(
    client: grpc.Client,
    version: string,
    request: Record<string, string>,
  ): Promise<ReflectionResponse> {
    const info = method<Record<string, string>, ReflectionResponse>(
      path.join(reflectionProtos, `grpc/reflection/${version}/reflection.proto`),
      `grpc.reflection.${version}.ServerReflection`,
      'ServerReflectionInfo',
    );
    return new Promise((resolve, reject) => {
      const call = client.makeBidiStreamRequest(
        info.path,
        info.requestSerialize,
        info.responseDeserialize,
      );
      call.once('data', (response: ReflectionResponse) => {
        resolve(response);
        call.end();
      });
      call.on('error', reject);
      call.write(request);
    });
  }

  for (const version of ['v1', 'v1alpha']) {
    it(`lists and describes the services (grpc.reflection.${version})`, async () => {
      const { address } = await startFixture();
      const client = plainClient(address);
      const listed = await ask(client, version, { list_services: '' });
      expect(listed.list_services_response?.service.map((s) => s.name)).toEqual(
        expect.arrayContaining([clockName, 'grpc.health.v1.Health']),
      );
      const described = await ask(client, version, { file_containing_symbol: clockName });
      // The descriptors name the package, its service and methods (the file
      // names are made up by @grpc/reflection, so they are not asserted).
      const files = (described.file_descriptor_response?.file_descriptor_proto ?? []).map((f) =>
        Buffer.from(f),
      );
      expect(files.some((f) => f.includes('chamber.clock.v1') && f.includes('GetStatus'))).toBe(
        true,
      );
    });
  }
});

describe('handler errors on the wire', () => {
  it('answers a call normally', async () => {
    const { address } = await startFixture();
    const client = clockClient(address);
    const response = await callUnary(client.getStatus.bind(client), {}, new grpc.Metadata(), 5_000);
    expect(response.status?.tick).toBe(7);
  });

  it('sends a thrown ChamberError with its code, message and details', async () => {
    const { address, logger } = await startFixture();
    const client = clockClient(address);
    const error = await failure((cb) => client.stepClock({ ticks: 1 }, cb));
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(error.details).toBe('x not found');
    const back = fromGrpcError(error);
    expect(back.code).toBe(Code.NotFound);
    expect(back.message).toBe('x not found');
    expect(back.details).toEqual({ x: 'x1' });
    // An expected failure is the caller's business, not a server fault.
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('sends a huge error cut to the limit, and the calls beside it on that connection answer', async () => {
    const { address } = await startFixture();
    const client = clockClient(address);
    // Uncut, a 100 KB status never arrives (it is over HTTP/2's header limit):
    // the call, and every call on its connection meanwhile, waits out its deadline.
    const huge = failure((cb) => client.runUntil({ tick: 1 }, cb));
    const beside = callUnary(client.getStatus.bind(client), {}, new grpc.Metadata());
    const error = await huge;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(Buffer.byteLength(error.details)).toBeLessThanOrEqual(errorMessageLimitBytes);
    expect(error.details).toMatch(/^bad: xxxx.*… \(cut: the message is 100,005 bytes\)$/);
    expect(fromGrpcError(error).details).toEqual({ field: 'tick', truncated: ['value'] });
    expect((await beside).status?.tick).toBe(7);
  });

  it("says a server did not answer in time in the caller's words, not grpc-js's", async () => {
    const { address } = await startFixture();
    const client = clockClient(address);
    const call = unaryCaller('stepper', address, 100);
    const error = await call<unknown>((metadata, options, callback) =>
      client.waitForTick({ tick: 1 }, metadata, options, callback),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: Code.DeadlineExceeded,
      message: 'the stepper did not answer in time',
    });
  });

  it('rejects callUnary with the ChamberError the handler threw', async () => {
    const { address } = await startFixture();
    const client = clockClient(address);
    await expect(
      callUnary(client.stepClock.bind(client), { ticks: 1 }, new grpc.Metadata()),
    ).rejects.toMatchObject({ code: Code.NotFound, message: 'x not found' });
  });

  it('sends an unexpected exception as INTERNAL without its text, and logs it', async () => {
    const { address, logger } = await startFixture();
    const client = clockClient(address);
    const error = await failure((cb) => client.resetClock({}, cb));
    expect(error.code).toBe(grpc.status.INTERNAL);
    expect(error.details).toBe('internal error');
    expect(error.message).not.toContain('ECONNREFUSED');
    expect(error.message).not.toContain('root');
    expect(error.metadata.get('chamber-details-bin')).toEqual([]);
    expect(fromGrpcError(error).code).toBe(Code.Internal);
    // The internals go to the log instead.
    expect(logger.error).toHaveBeenCalledTimes(1);
    const [logged, message] = logger.error.mock.calls[0] as [{ err: Error }, string];
    expect(logged.err.message).toBe(secret);
    expect(message).toBe('handler failed');
  });

  it('ends a server stream with the ChamberError thrown after some messages', async () => {
    const { address } = await startFixture();
    const call = clockClient(address).watchClock({});
    const received: number[] = [];
    call.on('data', (m: { status?: ClockStatus }) => received.push(m.status?.tick ?? -1));
    const error = await new Promise<grpc.ServiceError>((resolve, reject) => {
      call.on('error', resolve);
      call.on('end', () => reject(new Error('the stream ended without an error')));
      // A stream whose status never comes hangs its client; fail fast instead.
      const timer = setTimeout(() => reject(new Error('no status within 5 s')), 5_000);
      call.on('close', () => clearTimeout(timer));
      cleanup.push(() => clearTimeout(timer));
    });
    expect(received).toEqual([1]);
    expect(error.code).toBe(grpc.status.ABORTED);
    expect(fromGrpcError(error).message).toBe('epoch is 4, not 3');
  });
});

describe('interceptors', () => {
  it("runs the given interceptors on every call, with the call's status", async () => {
    const f = await startFixture();
    const client = new ClockClient(f.address, grpc.credentials.createInsecure());
    cleanup.push(() => client.close());
    await callUnary(client.getStatus.bind(client), {}, new grpc.Metadata(), 5_000);
    expect(f.calls).toContainEqual(
      expect.objectContaining({ method: '/chamber.clock.v1.Clock/GetStatus', code: 0 }),
    );
  });
});
