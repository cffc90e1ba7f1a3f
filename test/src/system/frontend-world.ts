import {
  ApiClient,
  componentSchemas,
  errorStatuses,
  operation,
  type ApiResponse,
  type CallInput,
  type Right,
} from '@chamber/api';
import { loadConfig } from '@chamber/config';
import { httpStatusOf, isChamberError, type ChamberError } from '@chamber/errors';
import { createFrontendService, frontendSchema } from '@chamber/frontend';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints } from '@chamber/testing';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { startInventoryWorld, type InventoryWorld } from './inventory-world.js';

/** The HTTP status of a failed call: its code's, by the one table (412 for a refused If-Match). */
function statusOf(error: ChamberError): number {
  return httpStatusOf(error.code, error.details?.['field'] === 'if-match');
}

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false }));
for (const [name, schema] of Object.entries(componentSchemas)) {
  ajv.addSchema(schema, `#/components/schemas/${name}`);
}
const answerValidators = new Map<string, ValidateFunction>();

/**
 * An API client that checks every successful answer against the schema the
 * OpenAPI document publishes for it, and every error status against the
 * ones it lists: what clients generated from the document rely on.
 */
export class CheckedClient extends ApiClient {
  override async call<T = unknown>(id: string, input: CallInput = {}): Promise<ApiResponse<T>> {
    let res: ApiResponse<T>;
    try {
      res = await super.call<T>(id, input);
    } catch (error) {
      // An error with a cause is the client's own (the frontend could not be
      // reached, the call was cancelled): nothing answered, no status to check.
      const isAnswer = isChamberError(error) && error.cause === undefined;
      const status = isAnswer ? statusOf(error) : undefined;
      if (typeof status === 'number' && !errorStatuses(operation(id)).includes(status)) {
        throw new Error(`${id}: answered ${status}, which its OpenAPI entry does not list`, {
          cause: error,
        });
      }
      throw error;
    }
    const schema = operation(id).response.schema;
    if (schema !== undefined) {
      let validate = answerValidators.get(id);
      if (validate === undefined) {
        validate = ajv.compile(schema);
        answerValidators.set(id, validate);
      }
      if (!validate(res.body)) {
        throw new Error(
          `${id}: the answer does not match its documented schema: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body).slice(0, 400)}`,
        );
      }
    }
    return res;
  }
}

/** The built-in admin's password in these tests. */
export const adminPassword = 'correct horse battery staple';

/** A user's password in these tests. */
export const userPassword = 'a user password';

/**
 * The inventory world (stepper, inventory, faults; monitor and repair when
 * asked) with a frontend in front of it, and the admin logged in; or, for
 * a first run, the admin's one-time login URL (`loginUrl`) instead.
 */
export async function startFrontendWorld(
  label: string,
  options: Parameters<typeof startInventoryWorld>[1] = {},
  frontendOptions: {
    /** The dashboard to serve at `/` (none by default). */
    webRoot?: string;
    /** The tracesink the frontend reads the log from (none by default). */
    tracesink?: string;
    /** No admin password is configured: the frontend issues a one-time login URL, and `admin` is not logged in. */
    isFirstRun?: boolean;
  } = {},
) {
  const { webRoot = '/nonexistent', tracesink = '', isFirstRun = false } = frontendOptions;
  const world = await startInventoryWorld(label, options);
  const config = loadConfig(frontendSchema(), {
    env: {},
    overrides: {
      listen: { host: '127.0.0.1', port: 0 },
      etcd: { endpoints: etcdEndpoints() },
      simulation: world.simulation,
      // Port 1: nothing listens there.
      services: {
        repair: '127.0.0.1:1',
        scheduler: '127.0.0.1:1',
        workloads: '127.0.0.1:1',
        ...world.addresses,
      },
      frontend: { ...(isFirstRun ? {} : { adminPassword }), webRoot },
      telemetry: { tracesink },
    },
  });
  const newFrontend = (port: number) =>
    createFrontendService(
      { ...config, listen: { ...config.listen, port } },
      { store: world.store, logger: createLogger({ service: 'frontend', level: 'silent' }) },
    );
  let frontend = newFrontend(0);
  let started: Awaited<ReturnType<typeof frontend.start>>;
  try {
    started = await frontend.start();
  } catch (error) {
    await world.close();
    throw error;
  }
  const url = `http://127.0.0.1:${started.port}`;
  const cookieOf = async (user: string, password: string): Promise<string> => {
    const res = await new ApiClient({ baseUrl: url }).call('logIn', { body: { user, password } });
    return res.headers.get('set-cookie')?.split(';')[0] ?? '';
  };
  const admin = isFirstRun
    ? new CheckedClient({ baseUrl: url })
    : new CheckedClient({ baseUrl: url, cookie: await cookieOf('admin', adminPassword) });
  return {
    world,
    url,
    loginUrl: started.loginUrl,
    admin,
    anonymous: new CheckedClient({ baseUrl: url }),
    /** The `Cookie` header of a new session of `user`. */
    cookieOf,
    /** Creates a user holding `rights` and resolves with a client logged in as it. */
    async userWith(name: string, rights: readonly Right[]): Promise<ApiClient> {
      await admin.call('createUser', { body: { name, password: userPassword, rights } });
      return new CheckedClient({ baseUrl: url, cookie: await cookieOf(name, userPassword) });
    },
    /**
     * Stops the frontend, runs `whileDown`, and starts a new one on the same
     * port (its users and sessions are in the store, so they carry on).
     */
    async restartFrontend(whileDown: () => Promise<void>) {
      await frontend.stop();
      await whileDown();
      frontend = newFrontend(started.port);
      await frontend.start();
    },
    async close() {
      await frontend.stop();
      await world.close();
    },
  };
}

export type FrontendWorld = Awaited<ReturnType<typeof startFrontendWorld>>;
export type { InventoryWorld };
