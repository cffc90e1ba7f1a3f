import { ApiClient } from '@chamber/api';
import { loadConfig, type DeepPartial } from '@chamber/config';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import {
  createFrontendService,
  frontendSchema,
  type FrontendConfig,
  type FrontendService,
} from '../src/index.js';

/** The admin password the test frontends are configured with. */
export const adminPassword = 'correct horse battery staple';

/** A frontend of its own simulation on a free port. */
export interface TestFrontend {
  readonly url: string;
  readonly simulation: string;
  readonly store: Store;
  readonly service: FrontendService;
  readonly loginUrl: string | undefined;
  /** A client with no credentials. */
  anonymous(): ApiClient;
  /** Logs `user` in; resolves with a client carrying its session cookie. */
  login(user: string, password: string): Promise<ApiClient>;
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
      frontend: { adminPassword, webRoot: '/nonexistent', ...overrides.frontend },
    },
  });
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  const service = createFrontendService(config, {
    store,
    logger: createLogger({ service: 'frontend', level: 'silent' }),
  });
  const { port, loginUrl } = await service.start();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    simulation,
    store,
    service,
    loginUrl,
    anonymous: () => new ApiClient({ baseUrl: url }),
    async login(user, password) {
      const res = await new ApiClient({ baseUrl: url }).call('logIn', { body: { user, password } });
      const cookie = res.headers.get('set-cookie')?.split(';')[0];
      if (cookie === undefined) throw new Error('no session cookie');
      return new ApiClient({ baseUrl: url, cookie });
    },
    replica: () => startFrontend(overrides, simulation),
    async stop() {
      await service.stop();
      store.close();
    },
  };
}
