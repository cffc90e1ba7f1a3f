import { ChamberError, Code } from '@chamber/errors';

/**
 * How a record type is stored: as proto3 JSON. ts-proto's generated message
 * objects (`fromJSON`/`toJSON`) are codecs as they are.
 */
export interface Codec<T> {
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/** A key as read from the store, with its value still as JSON text. */
export interface RawEntry {
  /** The key relative to the simulation prefix, e.g. `clock/tick`. */
  readonly key: string;
  /** The stored JSON text. */
  readonly value: string;
  readonly modRevision: number;
  readonly createRevision: number;
  /** How many times the key was written since it was created (1 on create). */
  readonly version: number;
}

/** A typed record as read from the store. */
export interface Entry<T> extends Omit<RawEntry, 'value'> {
  readonly value: T;
}

/** The JSON text stored for `value`. */
export function encode<T>(codec: Codec<T>, value: T): string {
  return JSON.stringify(codec.toJSON(value));
}

/**
 * The record stored as `text` at `key`. A value that is not JSON fails with
 * `DataLoss`, naming the key: the store never holds such values unless
 * something outside Chamber wrote them.
 */
export function decode<T>(codec: Codec<T>, key: string, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ChamberError(Code.DataLoss, `the value at "${key}" is not JSON`, { cause });
  }
  return codec.fromJSON(json);
}

/** `raw` with its value decoded. */
export function decodeEntry<T>(codec: Codec<T>, raw: RawEntry): Entry<T> {
  return { ...raw, value: decode(codec, raw.key, raw.value) };
}
