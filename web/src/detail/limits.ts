import { operation, scheduleFields, type OperationId } from '@chamber/api';

// The forms check what they send against the API's own schema: the request
// body of the operation in the route table (the one the frontend's
// validator and its OpenAPI document are made from). So a limit lives in one
// place, and the form refuses what the API would, before sending.

/** The JSON Schema of one body field, as the route table gives it. */
export interface FieldSchema {
  readonly type?: string;
  /** What the field means, in the API's words. */
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
}

/** The body fields' schemas of operation `id` (`injectFault`). */
export function bodySchema(id: OperationId): Readonly<Record<string, FieldSchema>> {
  return operation(id).body?.properties ?? {};
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

/** The `min`/`max` attributes an input takes from `schema` (hints; the check is above). */
export function inputBounds(schema: FieldSchema | undefined): { min?: number; max?: number } {
  return {
    ...(schema?.minimum === undefined ? {} : { min: schema.minimum }),
    ...(schema?.maximum === undefined || schema.maximum > 1e12 ? {} : { max: schema.maximum }),
  };
}

/** The label and unit of each schedule field of a fault. */
const scheduleWords: Readonly<
  Record<(typeof scheduleFields)[number], { readonly label: string; readonly unit: string }>
> = {
  at: { label: 'At', unit: 'tick' },
  duration: { label: 'Duration', unit: 'ticks' },
  every: { label: 'Every', unit: 'ticks' },
  probability: { label: 'Probability', unit: 'per tick, 0–1' },
  mtbf: { label: 'MTBF', unit: 'ticks' },
  mttr: { label: 'MTTR', unit: 'ticks' },
};

/**
 * A fault's schedule fields (the body fields of `POST /faults`, in the
 * API's order) as the forms show them: name, label and unit. Every fault
 * form takes them from here.
 */
export const scheduleInputs = scheduleFields.map((name) => ({ name, ...scheduleWords[name] }));
