/**
 * A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), as plain data.
 * The route table, the request validator and the OpenAPI document all read
 * the same objects.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** Builders for the schemas the route table uses. */
export const s = {
  string(description: string, extra: JsonSchema = {}): JsonSchema {
    return { type: 'string', description, ...extra };
  },
  /** A short identifier or name: 1–64 characters of letters, digits, `.`, `_`, `-`. */
  name(description: string): JsonSchema {
    return { type: 'string', description, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' };
  },
  integer(description: string, minimum = 0, maximum?: number): JsonSchema {
    return {
      type: 'integer',
      description,
      minimum,
      ...(maximum === undefined ? { maximum: Number.MAX_SAFE_INTEGER } : { maximum }),
    };
  },
  number(description: string, extra: JsonSchema = {}): JsonSchema {
    return { type: 'number', description, ...extra };
  },
  boolean(description: string): JsonSchema {
    return { type: 'boolean', description };
  },
  oneOf(values: readonly string[], description: string): JsonSchema {
    return { type: 'string', enum: [...values], description };
  },
  array(items: JsonSchema, description: string, extra: JsonSchema = {}): JsonSchema {
    return { type: 'array', items, description, ...extra };
  },
  /** A reference to a schema under `components.schemas` of the OpenAPI document. */
  ref(name: string): JsonSchema {
    return { $ref: `#/components/schemas/${name}` };
  },
  /** A `uint64` of a record: ticks and revisions, numbers far below 2^53. */
  uint64(description: string): JsonSchema {
    return { type: 'integer', minimum: 0, description };
  },
  object(
    properties: Readonly<Record<string, JsonSchema>>,
    required: readonly string[],
    description: string,
    extra: JsonSchema = {},
  ): JsonSchema {
    return { type: 'object', description, properties, required: [...required], ...extra };
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
