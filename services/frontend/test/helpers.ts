import { ApiClient } from '@chamber/api';
import { loadConfig, type DeepPartial } from '@chamber/config';
import { httpStatusOf, isChamberError, type ChamberError } from '@chamber/errors';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import http from 'node:http';
import { Writable } from 'node:stream';
import {
  createFrontendService,
  frontendSchema,
  type FrontendConfig,
  type FrontendService,
} from '../src/index.js';

/** The admin password the test frontends are configured with. */
export const adminPassword = 'correct horse battery staple';

/**
 * gRPC addresses where nothing listens (port 1 is reserved), so a frontend
 * without a simulation answers its routes 503 instead of reaching whatever
 * holds the default ports on a shared machine.
 */
export const nowhere = {
  stepper: '127.0.0.1:1',
  inventory: '127.0.0.1:1',
  faults: '127.0.0.1:1',
  repair: '127.0.0.1:1',
};

/** A frontend of its own simulation on a free port. */
export interface TestFrontend {
  readonly url: string;
  readonly port: number;
  readonly simulation: string;
  readonly store: Store;
  readonly service: FrontendService;
  readonly loginUrl: string | undefined;
  /** Everything the frontend logged so far (pino JSON lines). */
  logs(): string;
  /** A client with no credentials. */
  anonymous(): ApiClient;
  /** Logs `user` in; resolves with a client carrying its session cookie. */
  login(user: string, password: string): Promise<ApiClient>;
  /** Logs `user` in; resolves with the `Cookie` header value of its session. */
  cookie(user: string, password: string): Promise<string>;
  /** Starts another frontend (a replica, or a restart) on the same simulation. */
  replica(): Promise<TestFrontend>;
  stop(): Promise<void>;
}

export async function startFrontend(
  overrides: DeepPartial<FrontendConfig> = {},
  simulation = uniqueSimulation('frontend'),
): Promise<TestFrontend> {
  const config = loadConfig(frontendSchema(), {
    env: {},
    overrides: {
      ...overrides,
      listen: { host: '127.0.0.1', port: 0 },
      etcd: { endpoints: etcdEndpoints() },
      simulation,
      services: { ...nowhere, ...overrides.services },
      frontend: { adminPassword, webRoot: '/nonexistent', ...overrides.frontend },
      // Spans and logs go nowhere unless a test starts a tracesink of its own.
      telemetry: { exporter: 'none', tracesink: '', otlpEndpoint: '', ...overrides.telemetry },
    },
  });
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  let logged = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const service = createFrontendService(config, {
    store,
    logger: createLogger({ service: 'frontend', level: 'debug', destination }),
  });
  const { port, loginUrl } = await service.start();
  const url = `http://127.0.0.1:${port}`;
  const cookie = async (user: string, password: string): Promise<string> => {
    const res = await new ApiClient({ baseUrl: url }).call('logIn', { body: { user, password } });
    const value = res.headers.get('set-cookie')?.split(';')[0];
    if (value === undefined) throw new Error('no session cookie');
    return value;
  };
  return {
    url,
    port,
    simulation,
    store,
    service,
    loginUrl,
    logs: () => logged,
    anonymous: () => new ApiClient({ baseUrl: url }),
    cookie,
    async login(user, password) {
      return new ApiClient({ baseUrl: url, cookie: await cookie(user, password) });
    },
    replica: () => startFrontend(overrides, simulation),
    async stop() {
      await service.stop();
      store.close();
    },
  };
}

/** The HTTP status of a failed call: its code's, by the one table (412 for a refused If-Match). */
function statusOf(error: ChamberError): number {
  return httpStatusOf(error.code, error.details?.['field'] === 'if-match');
}

/** A failed call's HTTP status, error code name and message. */
export interface Failure {
  readonly status: unknown;
  readonly code: unknown;
  readonly field: unknown;
  readonly message: string;
}

/** Awaits `p` and resolves with how it failed; rejects when it succeeds. */
export async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (error) {
    if (isChamberError(error)) {
      return {
        status: statusOf(error),
        code: error.code,
        field: error.details?.['field'],
        message: error.message,
      };
    }
    throw error;
  }
  throw new Error('expected a failure');
}

/** A raw answer. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A raw request: the path is sent exactly as given (no URL normalisation). */
export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

/**
 * Sends `request` with node:http, so paths like `/../x` or `%00` reach the
 * server unchanged (fetch would normalise them). Resolves with status 0 when
 * the server closed the connection without an answer.
 */
export function raw(port: number, request: RawRequest, agent?: http.Agent): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method ?? 'GET',
        path: request.path,
        headers: request.headers,
        ...(agent === undefined ? {} : { agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        resolve({ status: 0, headers: {}, body: '' });
      } else reject(error);
    });
    if (request.body !== undefined) req.write(request.body);
    req.end();
  });
}
