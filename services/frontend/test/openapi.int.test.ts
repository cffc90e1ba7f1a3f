import {
  ApiClient,
  apiPrefix,
  bodySchema,
  componentSchemas,
  errorStatuses,
  fillPath,
  openApiDocument,
  operation,
  operations,
  type JsonSchema,
  type Operation,
} from '@chamber/api';
import { LoadProgress, LoadProgress_State, LogEntry, Severity, Summary } from '@chamber/protos';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type Router from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, type Handlers } from '../src/http/server.js';
import { adminPassword, raw, startFrontend, type TestFrontend } from './helpers.js';

let f: TestFrontend;
let cookie: string;
beforeAll(async () => {
  f = await startFrontend();
  cookie = await f.cookie('admin', adminPassword);
});
afterAll(async () => {
  await f.stop();
});

interface DocOperation {
  operationId: string;
  parameters: Array<{ name: string; in: string; required: boolean; schema: JsonSchema }>;
  requestBody?: { required: boolean; content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, unknown>;
  'x-chamber-access': string;
}
type Document = { paths: Record<string, Record<string, DocOperation>> };

/** A value `schema` accepts (enough of JSON Schema for the route table). */
function example(schema: JsonSchema): unknown {
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  switch (schema['type']) {
    case 'string': {
      const pattern = typeof schema['pattern'] === 'string' ? new RegExp(schema['pattern']) : /./;
      const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
      const candidates = ['abcdefgh1', 'r1', '0', '0'.repeat(32)];
      const found = candidates.find((c) => pattern.test(c) && c.length >= min);
      if (found === undefined) throw new Error(`no example for ${JSON.stringify(schema)}`);
      return found;
    }
    case 'integer':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
    case 'number':
      return typeof schema['maximum'] === 'number' ? schema['maximum'] : 1;
    case 'boolean':
      return true;
    case 'array':
      return [example(schema['items'] as JsonSchema)];
    case 'object':
      return Object.fromEntries(
        Object.entries((schema['properties'] ?? {}) as Record<string, JsonSchema>).map(([k, v]) => [
          k,
          example(v),
        ]),
      );
    default:
      throw new Error(`no example for ${JSON.stringify(schema)}`);
  }
}

/** A value of another JSON type than `schema` allows. */
function wrongType(schema: JsonSchema): unknown {
  return schema['type'] === 'string' || Array.isArray(schema['enum']) ? 12345 : 'not-that';
}

/**
 * A valid body of `op`: every field, of a body with several forms only those
 * of the form holding `field` (the first form by default).
 */
function validBody(op: Operation, field?: string): Record<string, unknown> {
  const forms = op.body?.forms ?? [];
  const form = forms.find((f) => field !== undefined && f.includes(field)) ?? forms[0] ?? [];
  return Object.fromEntries(
    Object.entries(op.body?.properties ?? {})
      .filter(([k]) => form.includes(k) || !forms.some((f) => f.includes(k)))
      .map(([k, v]) => [k, example(v)]),
  );
}

describe('the OpenAPI document', () => {
  it('is served at /api/v1/openapi.json without logging in, and a real parser finds it valid OpenAPI 3.1', async () => {
    const res = await f.anonymous().call<Document>('getOpenApi');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(openApiDocument({ version: '0.1.0' }));
    const result = await validate(structuredClone(res.body) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('describes every route the Koa router registers, with its method, parameters, body and error answers', async () => {
    const doc = (await f.anonymous().call<Document>('getOpenApi')).body;
    const app = createHttpApp({
      operations,
      handlers: Object.fromEntries(
        operations.map((o) => [o.id, () => ({})]),
      ) as unknown as Handlers,
      accounts: undefined as never, // never called: no request is served
      logger: undefined as never,
      bodyLimitKb: 1,
      webRoot: '/nonexistent',
    });
    const dispatch = app.middleware.find((m) => 'router' in m) as { router: Router } | undefined;
    const layers = dispatch?.router.stack ?? [];
    expect(layers.length).toBe(operations.length);
    const registered = layers.map((layer) => {
      const path = String(layer.path)
        .slice(apiPrefix.length)
        .replace(/:([A-Za-z]+)/g, '{$1}');
      const method = layer.methods.find((m) => m !== 'HEAD') ?? '';
      return { path, method };
    });
    for (const { path, method } of registered) {
      const documented = doc.paths[path]?.[method.toLowerCase()];
      expect(documented, `${method} ${path}`).toBeDefined();
      const op = operations.find((o) => o.id === documented?.operationId)!;
      expect({ path: op.path, method: op.method }).toEqual({ path, method });
      const byName = (where: string) =>
        Object.fromEntries(
          documented!.parameters
            .filter((p) => p.in === where)
            .map((p) => [p.name, { schema: p.schema, required: p.required }]),
        );
      expect(byName('path')).toEqual(
        Object.fromEntries(
          Object.entries(op.params ?? {}).map(([k, v]) => [k, { schema: v, required: true }]),
        ),
      );
      expect(byName('query')).toEqual(
        Object.fromEntries(
          Object.entries(op.query ?? {}).map(([k, v]) => [k, { schema: v, required: false }]),
        ),
      );
      expect(Object.keys(byName('header'))).toEqual(op.ifMatch === true ? ['If-Match'] : []);
      expect(documented!.requestBody?.content['application/json'].schema).toEqual(bodySchema(op));
      const statuses = Object.keys(documented!.responses).map(Number);
      expect(statuses).toEqual(
        [op.response.status, ...errorStatuses(op)].sort((a, b) => a - b).map(Number),
      );
      if (op.access !== 'public') expect(statuses).toContain(401);
      if (op.access !== 'public' && op.access !== 'user') expect(statuses).toContain(403);
      if (op.body !== undefined) expect(statuses).toEqual(expect.arrayContaining([400, 413]));
      expect(documented!['x-chamber-access']).toBe(op.access);
    }
    // Nothing documented that the router does not serve.
    const documentedCount = Object.values(doc.paths).reduce(
      (n, item) => n + Object.keys(item).length,
      0,
    );
    expect(documentedCount).toBe(registered.length);
  });
});

describe('request validation uses the published schemas', () => {
  const withBody = operations.filter((o) => o.body !== undefined);
  const fields = withBody.flatMap((op) =>
    Object.entries(op.body!.properties).map(([name, schema]) => ({ op, name, schema })),
  );

  it.each(fields.map((x) => [`${x.op.id} ${x.name}`, x] as const))(
    '%s of the wrong type is 400 naming the field',
    async (_, { op, name, schema }) => {
      const res = await raw(f.port, {
        method: op.method,
        path: `${apiPrefix}${fillPath(op.path, pathExample(op))}`,
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ ...validBody(op, name), [name]: wrongType(schema) }),
      });
      expect(res.status, res.body).toBe(400);
      const error = (JSON.parse(res.body) as { error: { code: string; field: string } }).error;
      expect(error).toMatchObject({ code: 'invalid_argument', field: name });
    },
  );

  it.each(withBody.map((op) => [op.id, op] as const))(
    '%s refuses a body that is not JSON with 415, as documented',
    async (_, op) => {
      const res = await raw(f.port, {
        method: op.method,
        path: `${apiPrefix}${fillPath(op.path, pathExample(op))}`,
        headers: { ...auth(), 'content-type': 'text/plain' },
        body: JSON.stringify(validBody(op)),
      });
      expect(res.status, res.body).toBe(415);
      expect(errorStatuses(op)).toContain(415);
      expect(JSON.parse(res.body)).toMatchObject({
        error: { code: 'unsupported_media_type', field: 'content-type' },
      });
      // Without a content type at all: the same.
      const bare = await raw(f.port, {
        method: op.method,
        path: `${apiPrefix}${fillPath(op.path, pathExample(op))}`,
        headers: auth(),
        body: JSON.stringify(validBody(op)),
      });
      expect(bare.status, bare.body).toBe(415);
      expect(JSON.parse(bare.body)).toMatchObject({
        error: { code: 'unsupported_media_type', field: 'content-type' },
      });
    },
  );

  it('answers a missing required field, an unknown field and a bad query type with 400 naming it', async () => {
    const createUser = operations.find((o) => o.id === 'createUser')!;
    const answers = await Promise.all([
      raw(f.port, post('/users', { name: 'someone' })),
      raw(f.port, post('/users', { ...validBody(createUser), colour: 'red' })),
      raw(f.port, { path: `${apiPrefix}/clock/wait?tick=soon`, headers: auth() }),
      raw(f.port, { path: `${apiPrefix}/inventory/elements?view=sideways`, headers: auth() }),
    ]);
    const fieldsNamed = answers.map((a) => {
      expect(a.status, a.body).toBe(400);
      return (JSON.parse(a.body) as { error: { field: string } }).error.field;
    });
    expect(fieldsNamed).toEqual(['password', 'colour', 'tick', 'view']);
  });
});

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

describe('answers match the component schemas the document publishes', () => {
  it('answers the session, user, token, service and about routes as documented', async () => {
    const doc = (
      await f
        .anonymous()
        .call<{ components: { schemas: Record<string, JsonSchema> } }>('getOpenApi')
    ).body;
    // Strict: a schema keyword Ajv does not know, or an answer field the schema leaves out, fails.
    const ajv = addFormats(new Ajv2020({ strict: true }));
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    }
    const client = new ApiClient({ baseUrl: f.url, cookie });
    const created = await client.call('createToken', { body: { name: 'schema check' } });
    const answers = {
      getCurrentSession: await client.call('getCurrentSession'),
      listSessions: await client.call('listSessions'),
      listUsers: await client.call('listUsers'),
      getUser: await client.call('getUser', { params: { name: 'admin' } }),
      createToken: created,
      listTokens: await client.call('listTokens'),
      getAbout: await client.call('getAbout'),
      listServices: await client.call('listServices'),
    };
    const mismatches = Object.entries(answers).flatMap(([id, answer]) => {
      const check = ajv.compile(operation(id).response.schema!);
      return check(answer.body) ? [] : [`${id}: ${ajv.errorsText(check.errors)}`];
    });
    expect(mismatches).toEqual([]);
    // A field the schema does not list is refused: the schemas are real, not free-form.
    const user = ajv.compile(doc.components.schemas['User']!);
    expect(user({ ...answers.getUser.body!, passwordHash: 'x' })).toBe(false);
  });
});

describe('the inventory and log records have real schemas', () => {
  it('accepts Summary, LoadProgress and LogEntry as stored, every field set, and refuses a field they do not list', () => {
    const ajv = addFormats(new Ajv2020({ strict: true }));
    for (const [name, schema] of Object.entries(componentSchemas)) {
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    }
    const records = {
      Summary: Summary.toJSON({
        tick: 7,
        regions: 1,
        zones: 1,
        racks: 2,
        pdus: 2,
        tors: 2,
        blades: 8,
        bladeStates: { BLADE_STATE_WORKING: 8 },
        pduStates: { PDU_STATE_ON: 2 },
        torStates: { TOR_STATE_ON: 2 },
        definition: 'small',
      }),
      LoadProgress: LoadProgress.toJSON({
        loadId: 'l1',
        state: LoadProgress_State.STATE_DONE,
        effectiveTick: 3,
        written: 10,
        total: 10,
        added: 8,
        updated: 1,
        removed: 1,
        unchanged: 0,
        blades: 8,
      }),
      LogEntry: LogEntry.toJSON({
        seq: 4,
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        parentSpanId: 'c'.repeat(16),
        links: [{ traceId: 'd'.repeat(32), spanId: 'e'.repeat(16) }],
        service: 'monitor',
        name: 'monitor.transition',
        startTime: new Date(0),
        durationMs: 1.5,
        tick: 9,
        target: 'small/z1/rack1/blade/0',
        reason: 'no heartbeat for 2 ticks',
        severity: Severity.SEVERITY_WARN,
        attributes: { 'chamber.tick': '9' },
        statusMessage: 'failed',
        run: 2,
      }),
    } as const;
    for (const [name, json] of Object.entries(records)) {
      const check = ajv.compile({ $ref: `#/components/schemas/${name}` });
      expect(check(json), `${name}: ${ajv.errorsText(check.errors)}`).toBe(true);
      expect(check({ ...(json as object), colour: 'red' }), name).toBe(false);
    }
  });
});

function auth(): Record<string, string> {
  return { cookie };
}

function post(path: string, body: unknown) {
  return {
    method: 'POST',
    path: `${apiPrefix}${path}`,
    headers: { ...auth(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function pathExample(op: Operation): Record<string, string> {
  return Object.fromEntries(
    Object.entries(op.params ?? {}).map(([k, v]) => [k, String(example(v))]),
  );
}
