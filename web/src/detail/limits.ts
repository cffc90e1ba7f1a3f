import { useEffect, useState } from 'react';
import { api } from '../api.js';

// The forms check what they send against the API's own schema: the request
// body of the route in the OpenAPI document the frontend publishes (the one
// its validator uses), read once per page. So a limit lives in one place, the
// route table, and the form refuses what the API would, before sending.

/** The JSON Schema of one body field, as the OpenAPI document gives it. */
export interface FieldSchema {
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

interface OpenApi {
  readonly paths?: Readonly<
    Record<
      string,
      Readonly<
        Record<
          string,
          {
            requestBody?: {
              content?: {
                'application/json'?: { schema?: { properties?: Record<string, FieldSchema> } };
              };
            };
          }
        >
      >
    >
  >;
}

let openApi: Promise<OpenApi> | undefined;

/**
 * The body fields' schemas of `method path` (`POST`, `/faults`), from the
 * OpenAPI document; `{}` until it is read, or when it cannot be (the API
 * then still refuses, naming the field).
 */
export function useBodySchema(method: string, path: string): Readonly<Record<string, FieldSchema>> {
  const [fields, setFields] = useState<Readonly<Record<string, FieldSchema>>>({});
  useEffect(() => {
    let isCancelled = false;
    openApi ??= api<OpenApi>('GET', '/openapi.json').catch(() => {
      openApi = undefined;
      return {};
    });
    void openApi.then((doc) => {
      const body = doc.paths?.[path]?.[method.toLowerCase()]?.requestBody;
      const properties = body?.content?.['application/json']?.schema?.properties ?? {};
      if (!isCancelled) setFields(properties);
    });
    return () => {
      isCancelled = true;
    };
  }, [method, path]);
  return fields;
}

/**
 * Why `text`, typed into the number field `name`, breaks its schema
 * (`duration must be at least 1`), or undefined when it is fine or empty.
 */
export function numberProblem(
  name: string,
  schema: FieldSchema | undefined,
  text: string,
): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return `${name} must be a number`;
  if (schema === undefined) return undefined;
  if (schema.type === 'integer' && !Number.isInteger(value)) {
    return `${name} must be a whole number`;
  }
  if (schema.minimum !== undefined && value < schema.minimum) {
    return `${name} must be at least ${schema.minimum}`;
  }
  if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) {
    return `${name} must be above ${schema.exclusiveMinimum}`;
  }
  if (schema.maximum !== undefined && value > schema.maximum) {
    return `${name} must be at most ${schema.maximum}`;
  }
  if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) {
    return `${name} must be below ${schema.exclusiveMaximum}`;
  }
  return undefined;
}

/** The first problem of the number `fields` typed in `values`, as a sentence, or undefined. */
export function firstNumberProblem(
  fields: readonly string[],
  schemas: Readonly<Record<string, FieldSchema>>,
  values: Readonly<Record<string, string>>,
): string | undefined {
  for (const name of fields) {
    const problem = numberProblem(name, schemas[name], values[name] ?? '');
    if (problem !== undefined) return `Not accepted: ${problem}, as the API requires.`;
  }
  return undefined;
}

/** The `min`/`max` attributes an input takes from `schema` (hints; the check is above). */
export function inputBounds(schema: FieldSchema | undefined): { min?: number; max?: number } {
  return {
    ...(schema?.minimum === undefined ? {} : { min: schema.minimum }),
    ...(schema?.maximum === undefined || schema.maximum > 1e12 ? {} : { max: schema.maximum }),
  };
}
