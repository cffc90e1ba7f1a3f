import { componentSchemas } from './components.js';
import type { Operation } from './operation.js';
import { rightDescriptions } from './rights.js';
import { operations } from './routes.js';
import { componentsPath, s, type JsonSchema } from './schema.js';

const errorText: Readonly<Record<number, string>> = {
  400: 'invalid input; the message names the field',
  401: 'not logged in',
  403: 'the caller lacks the right this route needs',
  404: 'not found',
  409: 'conflict with the current state',
  412: 'If-Match is stale: nothing was changed',
  413: 'the body is too large',
  415: 'the body is not JSON (Content-Type: application/json): code unsupported_media_type, field content-type',
  429: 'too many attempts; retry after the Retry-After seconds',
  503: 'a service behind the API is unreachable',
  504: 'a service behind the API did not answer in time',
};

/** The error statuses `op` can answer. */
export function errorStatuses(op: Operation): number[] {
  const statuses = new Set<number>(op.errors ?? []);
  const hasInput =
    op.params !== undefined || op.query !== undefined || op.body !== undefined || op.ifMatch;
  if (hasInput === true) statuses.add(400);
  if (op.body !== undefined) {
    statuses.add(413);
    statuses.add(415);
  }
  if (op.access !== 'public') statuses.add(401);
  if (op.access !== 'public' && op.access !== 'user') statuses.add(403);
  if (['getUser', 'changePassword', 'revokeToken', 'listTokens'].includes(op.id)) {
    statuses.add(403); // someone else's (or everyone's), without manage_accounts
  }
  if (op.id === 'logIn') statuses.add(401);
  return [...statuses].sort((a, b) => a - b);
}

function parameters(op: Operation): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [name, schema] of Object.entries(op.params ?? {})) {
    list.push({ name, in: 'path', required: true, schema, description: schema['description'] });
  }
  for (const [name, schema] of Object.entries(op.query ?? {})) {
    list.push({ name, in: 'query', required: false, schema, description: schema['description'] });
  }
  if (op.ifMatch === true) {
    list.push({
      name: 'If-Match',
      in: 'header',
      required: false,
      schema: s.string('an ETag from a GET of the resource'),
      description: 'change only if the resource still has this ETag; else 412, changing nothing',
    });
  }
  return list;
}

/** The JSON Schema of `op`'s request body, or undefined when it takes none. */
export function bodySchema(op: Operation): JsonSchema | undefined {
  if (op.body === undefined) return undefined;
  return {
    type: 'object',
    properties: op.body.properties,
    required: [...op.body.required],
    ...(op.body.forms === undefined
      ? {}
      : {
          // Exactly one form (its fields are described under `properties`).
          oneOf: op.body.forms.map((form) => ({
            properties: Object.fromEntries(form.map((f) => [f, true])),
            required: [...form],
          })),
        }),
    additionalProperties: false,
  };
}

function responses(op: Operation): JsonSchema {
  const success: Record<string, unknown> = { description: op.response.description };
  if (op.response.schema !== undefined) {
    success['content'] = { 'application/json': { schema: op.response.schema } };
  } else if (op.response.contentType !== undefined) {
    success['content'] = { [op.response.contentType]: { schema: { type: 'string' } } };
  }
  if (op.etag === true) {
    success['headers'] = {
      ETag: { description: 'the version, for If-Match', schema: { type: 'string' } },
    };
  }
  const all: Record<string, unknown> = { [String(op.response.status)]: success };
  for (const status of errorStatuses(op)) {
    all[String(status)] = {
      description: errorText[status] ?? 'error',
      content: { 'application/json': { schema: { $ref: `${componentsPath}Error` } } },
    };
  }
  return all;
}

/**
 * The OpenAPI 3.1 document of the REST API, made from {@link operations}:
 * every route with its parameters, body, answers and errors, and the right
 * it needs (`x-chamber-access`).
 */
export function openApiDocument(options: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const item = (paths[op.path] ??= {});
    const body = bodySchema(op);
    const access =
      op.access === 'public'
        ? 'anyone'
        : op.access === 'user'
          ? 'any logged-in user'
          : `users with the right ${op.access} (${rightDescriptions[op.access]})`;
    item[op.method.toLowerCase()] = {
      operationId: op.id,
      tags: [op.tag],
      summary: op.summary,
      description: `${op.description === undefined ? '' : `${op.description}\n\n`}Who: ${access}.`,
      'x-chamber-access': op.access,
      ...(op.access === 'public' ? { security: [] } : {}),
      parameters: parameters(op),
      ...(body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: body } },
            },
          }),
      responses: responses(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Chamber',
      version: options.version,
      description:
        'The REST API of Chamber, a simulated cloud. Records are the JSON of the stored records (enums by full name, integers as numbers, fields at their zero value left out); request enums are the short lower-case names listed in each schema. Element paths have one grammar, region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]], given whole in `path` and `target` fields; the inventory reads address an element by the route of its level (regions/{region}/zones/{zone}/racks/{rack}/blades/{index}).',
    },
    servers: [{ url: '/api/v1' }],
    tags: [...new Set(operations.map((o) => o.tag))].map((name) => ({ name })),
    security: [{ session: [] }, { bearer: [] }],
    paths,
    components: {
      schemas: componentSchemas,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'chamber_session' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
  };
}
