import { Type, type Static, type TSchema } from 'typebox';

/**
 * A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), as plain data.
 * The route table, the request validator and the OpenAPI document all read
 * the same objects. Every schema of the table is a TypeBox schema: plain
 * JSON Schema whose TypeScript type is also its static type ({@link Static}).
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Where the OpenAPI document keeps the answers' schemas. */
export const componentsPath = '#/components/schemas/';

/**
 * Builders for the schemas the route table uses: TypeBox schemas, so each
 * carries the TypeScript type of the values it accepts.
 */
export const s = {
  string(description: string, extra: JsonSchema = {}) {
    return Type.String({ description, ...extra });
  },
  /** A short identifier or name: 1–64 characters of letters, digits, `.`, `_`, `-`. */
  name(description: string) {
    return Type.String({ description, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
  },
  integer(description: string, minimum = 0, maximum?: number) {
    return Type.Integer({
      description,
      minimum,
      ...(maximum === undefined ? { maximum: Number.MAX_SAFE_INTEGER } : { maximum }),
    });
  },
  number(description: string, extra: JsonSchema = {}) {
    return Type.Number({ description, ...extra });
  },
  boolean(description: string) {
    return Type.Boolean({ description });
  },
  /** One of `values` (the API's words, `no_wait`), typed as their union. */
  oneOf<const V extends readonly string[]>(values: V, description: string) {
    return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], description });
  },
  array<T extends TSchema>(items: T, description: string, extra: JsonSchema = {}) {
    return Type.Array(items, { description, ...extra });
  },
  /**
   * A reference to `schema`, kept under `components.schemas` of the OpenAPI
   * document as `name`: the document says `$ref`, the type is `schema`'s.
   */
  ref<T extends TSchema>(name: string, schema: T) {
    void schema;
    return Type.Unsafe<Static<T>>({ $ref: `${componentsPath}${name}` });
  },
  /** A `uint64` of a record: ticks and revisions, numbers far below 2^53. */
  uint64(description: string) {
    return Type.Integer({ minimum: 0, description });
  },
};

/** An element path segment: a region, zone or rack name. */
export const segment = s.string('a region, zone or rack name', {
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
});

/** An element path (`r1/z1/rack1/blade/0`, `r1/z1/rack1/blade/0/power-cable`). */
export const elementPath = s.string(
  'an element path: region[/zone[/rack[/pdu|tor|blade/N[/power-cable|network-cable]]]]',
  { minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9_/-]*$' },
);
