import type { TSchema } from 'typebox';
import type { Right } from './rights.js';
import type { JsonSchema } from './schema.js';

/** The HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route: anyone (`public`), any logged-in user (`user`), or a
 * user holding the named right.
 */
export type Access = 'public' | 'user' | Right;

/** The error statuses a route documents besides the ones its access and input imply. */
export type ErrorStatus = 400 | 404 | 409 | 412 | 429 | 503 | 504;

/** A request body: a JSON object with these fields. */
export interface BodySpec {
  readonly properties: Readonly<Record<string, JsonSchema>>;
  readonly required: readonly string[];
  /**
   * The body's forms, when it has several (a route's one-at-a-time form and
   * its bulk form): groups of fields, of which a body gives exactly one
   * group, whole. The CLI takes the first form.
   */
  readonly forms?: readonly (readonly string[])[];
}

/** A successful answer. */
export interface ResponseSpec {
  readonly status: 200 | 201 | 202 | 204;
  readonly description: string;
  /** The JSON body's schema; absent for 204 and for non-JSON answers. */
  readonly schema?: JsonSchema;
  /** For answers that are not JSON (`text/event-stream`). */
  readonly contentType?: string;
}

/**
 * How a route appears on the command line: `chamber <area> <command> [args]`.
 * Path parameters, query fields and body fields named in `args` are
 * positional, in that order; every other one is an option
 * (`--name`, camelCase written kebab-case), unless `names` renames it.
 */
export interface CliSpec {
  readonly area: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Option names that differ from the field's (`duration` → `for`). */
  readonly names?: Readonly<Record<string, string>>;
  /** Fields the CLI asks for without echo (passwords) instead of taking them on the command line. */
  readonly secrets?: readonly string[];
  /** Fields fixed by this command (`clock watch` is `events` with `kinds=clock`). */
  readonly preset?: Readonly<Record<string, string>>;
  /**
   * Set on a command that destroys or clears more than the one thing it
   * names: what it would do, in words that follow "would" (`clear every
   * fault not cleared yet`). The CLI then requires `--yes`, and without it
   * says this and how to confirm, doing nothing. The one rule for such
   * commands; no command words its own.
   */
  readonly destroys?: string;
}

/** One route of the REST API, under `/api/v1`. */
export interface Operation {
  /** The OpenAPI operationId, and the name of its handler in the frontend. */
  readonly id: string;
  readonly method: HttpMethod;
  /** OpenAPI-style path under `/api/v1` (`/users/{name}`). */
  readonly path: string;
  /** The group in the OpenAPI document (`clock`, `inventory`, …). */
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: Access;
  /** Path parameters (all required), in the order they appear in `path`. */
  readonly params?: Readonly<Record<string, JsonSchema>>;
  /** Query parameters (all optional). */
  readonly query?: Readonly<Record<string, JsonSchema>>;
  readonly body?: BodySpec;
  readonly response: ResponseSpec;
  readonly errors?: readonly ErrorStatus[];
  /** The answer carries an `ETag`. */
  readonly etag?: boolean;
  /** The route honours `If-Match` (a stale one answers 412 and changes nothing). */
  readonly ifMatch?: boolean;
  /** The commands that call this route. */
  readonly cli?: readonly CliSpec[];
  /**
   * The field a refusal is about when the service names none (see
   * `subjectOf`): by default the last path parameter, the `path` query
   * parameter, or the first required body field.
   */
  readonly subject?: string;
  /**
   * The service's (proto) names of this route's fields that the API names
   * otherwise (`schedule.duration` → `duration`), for error answers.
   */
  readonly serviceFields?: Readonly<Record<string, string>>;
}

/**
 * A route as the table declares it: its schemas are TypeBox schemas, so
 * {@link ParamsOf}-style types can read the request's and the answer's types
 * off it. The same object, seen as JSON Schema, is an {@link Operation}.
 */
export interface TypedOperation extends Omit<Operation, 'params' | 'query' | 'body' | 'response'> {
  readonly params?: Readonly<Record<string, TSchema>>;
  readonly query?: Readonly<Record<string, TSchema>>;
  readonly body?: Omit<BodySpec, 'properties'> & {
    readonly properties: Readonly<Record<string, TSchema>>;
  };
  readonly response: Omit<ResponseSpec, 'schema'> & { readonly schema?: TSchema };
}

/** The `{name}` parameters of an OpenAPI path, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] ?? '');
}

/** `path` with its parameters filled in (each URL-encoded). Throws on a missing one. */
export function fillPath(path: string, params: Readonly<Record<string, string>>): string {
  return path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter "${name}"`);
    return encodeURIComponent(value);
  });
}
