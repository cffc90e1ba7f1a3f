// Wire names are proto enum value names: the enum's type in SCREAMING_SNAKE
// (`BLADE_STATE`, `REPAIR_OUTCOME`, `POLICY`), then the value (`WORKING`).
// People read the value alone, in lower case, with the abbreviations they
// know kept in capitals. The words are derived from the name, never looked up
// per value, so a value added to a proto has its word the moment it exists.

/** The nouns that end an enum type's name: `BLADE_STATE`, `FAULT_KIND`, `STEP_ACTION`. */
const typeNouns = [
  'STATE',
  'KIND',
  'STATUS',
  'ACTION',
  'OUTCOME',
  'SEVERITY',
  'HEALTH',
  'LEVEL',
  'RULE',
  'PHASE',
  'MODE',
];

/** Enum types whose name is a single word that ends in none of {@link typeNouns}. */
const singleWordTypes = ['POLICY', 'VIEW'];

/** Abbreviations people read in capitals. */
const abbreviations = new Set(['PDU', 'PDUS', 'TOR', 'TORS', 'MTBF', 'MTTR', 'OS', 'CPU', 'ID']);

// The shortest prefix that is a type: up to and including the first type noun
// (`TARGET_STATE_`), or a single-word type (`POLICY_`).
const typePrefix = new RegExp(
  `^(?:(?:[A-Z][A-Z0-9]*_)*?(?:${typeNouns.join('|')})_|(?:${singleWordTypes.join('|')})_)`,
);

const wireShape = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/**
 * Whether `text` is a wire name of an enum value (`BLADE_STATE_WORKING`,
 * `POLICY_NO_WAIT`): upper-case words joined by `_` that start with an enum
 * type. Sentences, paths and ids are not.
 */
export function isWireName(text: string): boolean {
  return wireShape.test(text) && typePrefix.test(text) && text.replace(typePrefix, '') !== '';
}

/**
 * The value of a wire name without its type, in words: `BLADE_STATE_WORKING`
 * → `working`, `TARGET_STATE_IN_SERVICE` → `in service`, `DEVICE_KIND_PDU` →
 * `PDU`, `REPAIR_OUTCOME_RECOVERED_ON_ITS_OWN` → `recovered on its own`; a
 * value `…_UNSPECIFIED` (the proto zero) → `not set`. Text that is not a wire
 * name (see {@link isWireName}) is returned as it is, and `undefined` or `''`
 * as `''`: it never throws.
 */
export function wordOf(wire: string | undefined): string {
  if (wire === undefined || wire === '') return '';
  if (!isWireName(wire)) return wire;
  const value = wire.replace(typePrefix, '');
  if (value === 'UNSPECIFIED') return 'not set';
  return value
    .split('_')
    .map((part) => (abbreviations.has(part) ? part : part.toLowerCase()))
    .join(' ');
}

/**
 * The wire name of the value people typed or read as `word` in the enum of
 * `type` (`TARGET_STATE`, `in service` → `TARGET_STATE_IN_SERVICE`); the
 * inverse of {@link wordOf} for a known type. Accepts `_` or `-` for spaces
 * and any case.
 */
export function wireNameOf(type: string, word: string): string {
  return `${type}_${word
    .trim()
    .replace(/[\s-]+/g, '_')
    .toUpperCase()}`;
}
