import { bodySchema, componentSchemas, type JsonSchema, type Operation } from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** The checked input of one request. */
export interface ValidInput {
  readonly params: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: Readonly<Record<string, unknown>>;
}

interface Validators {
  readonly params: ValidateFunction;
  readonly query: ValidateFunction;
  readonly body: ValidateFunction | undefined;
}

function objectOf(
  fields: Readonly<Record<string, JsonSchema>> | undefined,
  required: boolean,
): JsonSchema {
  const properties = fields ?? {};
  return {
    type: 'object',
    properties,
    required: required ? Object.keys(properties) : [],
    additionalProperties: false,
  };
}

/**
 * Checks requests against the route table's schemas, the same ones the
 * OpenAPI document publishes. Path and query values arrive as text and are
 * converted to the schema's type (`?at=5` is the integer 5); bodies are
 * JSON and must have the right types as they are.
 */
export class RequestValidator {
  private readonly byOperation = new Map<string, Validators>();

  constructor(operations: readonly Operation[]) {
    const text = addFormats(new Ajv2020({ allErrors: false, coerceTypes: true, strict: true }));
    const json = addFormats(new Ajv2020({ allErrors: false, strict: true }));
    for (const ajv of [text, json]) {
      for (const [name, schema] of Object.entries(componentSchemas)) {
        ajv.addSchema(schema, `#/components/schemas/${name}`);
      }
    }
    for (const op of operations) {
      const body = bodySchema(op);
      this.byOperation.set(op.id, {
        params: text.compile(objectOf(op.params, true)),
        query: text.compile(objectOf(op.query, false)),
        body: body === undefined ? undefined : json.compile(body),
      });
    }
  }

  /**
   * The request's parameters, query and body, converted and checked; throws
   * `InvalidArgument` naming the first bad field by its name in the API
   * (`details.field`: `rate`, `at`, `targets[0]`), changing nothing.
   */
  check(
    op: Operation,
    raw: { params: Record<string, string>; query: Record<string, unknown>; body: unknown },
  ): ValidInput {
    const v = this.byOperation.get(op.id);
    if (v === undefined) throw new ChamberError(Code.Internal, `no validator for ${op.id}`);
    const params = { ...raw.params };
    if (!v.params(params)) throw invalid('url', v.params.errors);
    const query: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.query)) {
      if (Array.isArray(value)) {
        throw new ChamberError(Code.InvalidArgument, `${key}: give it once`, {
          details: { field: key },
        });
      }
      query[key] = value;
    }
    if (!v.query(query)) throw invalid('url', v.query.errors);
    let body: Record<string, unknown> = {};
    if (v.body !== undefined) {
      const given = raw.body ?? {};
      if (!v.body(given)) throw invalid('body', v.body.errors, op.body?.forms);
      body = given as Record<string, unknown>;
    }
    return { params, query, body };
  }
}

function invalid(
  where: string,
  errors: ErrorObject[] | null | undefined,
  forms?: readonly (readonly string[])[],
): ChamberError {
  const error = errors?.[0];
  if (forms !== undefined && error?.keyword === 'oneOf' && error.instancePath === '') {
    // Several forms at once (with none, ajv names a missing field of the first form).
    const field = forms[1]?.[0] ?? where;
    return new ChamberError(
      Code.InvalidArgument,
      `${field}: give ${forms.map((f) => f.join(' and ')).join(', or ')}; not more than one of these`,
      { details: { field } },
    );
  }
  if (error === undefined) {
    return new ChamberError(Code.InvalidArgument, `${where}: invalid`, {
      details: { field: where },
    });
  }
  // A JSON path in the API's words: `targets[0]`, `rights[2]`.
  // The instance path is a JSON pointer (`/targets/0`), no element path.
  let field = (error.instancePath.match(/[^/]+/g) ?? [])
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    field = field === '' ? extra : `${field}.${extra}`;
    message = 'is not a known field';
  } else if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: unknown }).missingProperty);
    field = field === '' ? missing : `${field}.${missing}`;
    message = 'is required';
  } else if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    message = `must be one of ${allowed.map(String).join(', ')}`;
  }
  // The body as a whole (not an object) is `body`; a path or query parameter is its name.
  const name = field === '' ? where : field;
  return new ChamberError(Code.InvalidArgument, `${name}: ${message}`, {
    details: { field: name },
  });
}
