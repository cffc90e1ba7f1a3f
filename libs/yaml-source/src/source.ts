import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';

/** The most characters a value is quoted with in an error; a longer one is cut (see {@link quote}). */
export const quotedLength = 60;

/** The most characters of one error's message; past them it is cut with `…`. */
export const errorLength = 400;

/**
 * `text` quoted for an error message: whole when it is short, otherwise its
 * first {@link quotedLength} characters and its length, `"xxxx…" (100,000
 * characters)`, so that an error about a huge value stays small.
 */
export function quote(text: string): string {
  if (text.length <= quotedLength) return `"${text}"`;
  return `"${text.slice(0, quotedLength)}…" (${text.length.toLocaleString('en')} characters)`;
}

/** A value as an error shows what it got: a quoted string, a number, `a list`, `a map`, `null`. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return 'a map';
}

/** One broken rule, at a place in a YAML file. */
export class SourceError {
  /** What is wrong, for people; at most {@link errorLength} characters. */
  readonly message: string;

  constructor(
    readonly file: string,
    readonly line: number,
    readonly col: number,
    /** A stable id of the rule (`duplicate-key`, `unknown-key`, …). */
    readonly rule: string,
    message: string,
  ) {
    this.message = message.length <= errorLength ? message : `${message.slice(0, errorLength)}…`;
  }

  /** `inventory.yaml:41:7: blade index 3 appears twice in rack "r1"`. */
  toString(): string {
    return `${this.file}:${this.line}:${this.col}: ${this.message}`;
  }
}

/** A place in the document: map keys and list indexes from its root. */
export type Path = ReadonlyArray<string | number>;

/** How a document's schema problems are said: the words around the generic messages. */
export interface Wording {
  /**
   * Where `path` points, for people: the `context` it names (`rack "r1"`,
   * `the definition`) and what is left of the path as a `field`
   * (`capacity.cores`, or `''`).
   */
  describePath(path: Path, raw: unknown): { context: string; field: string };
  /** The message for a value that fits no form of a union; `what` names it. */
  union?(what: string, value: unknown, path: Path): string;
  /** The message for a string that does not match its pattern. */
  format?(what: string, value: unknown, path: Path): string;
  /** The message for a record key that does not match its pattern. */
  key?(what: string, path: Path): string;
}

/** How a document is read. */
export interface ReadOptions {
  /** What the document is, in the alias errors: `definition`, `scenario`. */
  readonly document: string;
  /** Nodes that aliases may copy in all: reuse, not an "alias bomb". */
  readonly aliasedNodes: number;
  /** Advice after the alias-limit error (`repeat racks … instead`); none by default. */
  readonly aliasAdvice?: string;
}

/** What zod expected, in the words {@link show} uses for what it got. */
const expectedWords: Readonly<Record<string, string>> = {
  int: 'a whole number',
  object: 'a map',
  array: 'a list',
};

/**
 * A YAML document being checked: its positions and the errors found so far,
 * each at a `file:line:col`. Made by {@link readYaml}; cross-field checks
 * add theirs with {@link YamlSource.report} / {@link YamlSource.reportAt}.
 */
export class YamlSource {
  private readonly found: SourceError[] = [];

  /** @internal Use {@link readYaml}. */
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Records a broken rule at `offset` (a character offset in the text). */
  report(offset: number, rule: string, message: string): void {
    const { line, col } = this.lineCounter.linePos(offset);
    this.found.push(new SourceError(this.file, line, col, rule, message));
  }

  /** Records a broken rule at the node at `path` (or its nearest existing ancestor). */
  reportAt(path: Path, rule: string, message: string): void {
    this.report(this.of(path), rule, message);
  }

  /** Records a broken rule at the key `key` of the map at `path`. */
  reportAtKey(path: Path, key: string, rule: string, message: string): void {
    this.report(this.ofKey(path, key), rule, message);
  }

  /** Where the node at `path` is, for reports: `scenario.yaml:12:5`. */
  positionOf(path: Path): string {
    const { line, col } = this.lineCounter.linePos(this.of(path));
    return `${this.file}:${line}:${col}`;
  }

  /** Whether any rule was broken. */
  get hasErrors(): boolean {
    return this.found.length > 0;
  }

  /** The errors found, in the order of the text. */
  errors(): SourceError[] {
    return [...this.found].sort((a, b) => a.line - b.line || a.col - b.col);
  }

  /** The start of the node at `path`, or of its nearest existing ancestor. */
  of(path: Path): number {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = (p.length === 0 ? this.doc.contents : this.doc.getIn(p, true)) as Node | null;
      if (node?.range) return node.range[0];
      if (p.length === 0) return 0;
    }
  }

  /** The start of the key `key` in the map at `path`. */
  ofKey(path: Path, key: string): number {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (isMap(map)) {
      for (const pair of map.items) {
        if (isScalar(pair.key) && pair.key.value === key && pair.key.range)
          return pair.key.range[0];
      }
    }
    return this.of([...path, key]);
  }
}

/** What {@link readYaml} found: the source with its errors, and the value when the schema took it. */
export interface ReadResult<T> {
  readonly source: YamlSource;
  /** The value as the schema parsed it; `undefined` when the text or the schema refused it. */
  readonly value: T | undefined;
}

/**
 * Reads `text` (the file `file`) as YAML and checks it against `schema`.
 * Syntax errors (the first; each duplicate key), aliases that would make the
 * document infinite or huge, and every schema problem are recorded on the
 * returned source, each at its position and said in `wording`'s words; the
 * value is returned only when there are none. Never throws.
 */
export function readYaml<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  wording: Wording,
  options: ReadOptions,
): ReadResult<z.output<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const source = new YamlSource(file, doc, lineCounter);
  const refused = { source, value: undefined };

  // Syntax errors cascade: past the first one, the rest are mostly echoes.
  // Duplicate keys do not, so each is reported.
  let hasSyntaxError = false;
  for (const e of doc.errors) {
    const isDuplicate = e.code === 'DUPLICATE_KEY';
    if (!isDuplicate && hasSyntaxError) continue;
    hasSyntaxError ||= !isDuplicate;
    const message = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
    source.report(e.pos[0], isDuplicate ? 'duplicate-key' : 'yaml-syntax', `YAML: ${message}`);
  }
  if (source.hasErrors) return refused;

  if (!checkAliases(doc, source, options)) return refused;
  let raw: unknown;
  try {
    // Aliases are bounded by checkAliases, which says where; yaml's own
    // count would refuse a plain reuse past 100 aliases, without a place.
    raw = doc.toJS({ maxAliasCount: -1 });
  } catch (error) {
    source.report(
      0,
      'yaml-syntax',
      `YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
    return refused;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) describeIssue(issue, raw, source, wording);
    return refused;
  }
  return { source, value: parsed.data };
}

/**
 * Refuses aliases that would make the document infinite (an alias inside
 * the node it names) or huge (the aliases copy more than
 * `options.aliasedNodes` nodes in all: an "alias bomb", a few lines that
 * expand to billions of nodes), at the alias that does it. Counts each
 * node's size once, in document order, as yaml resolves aliases (to the
 * last node before them with that anchor). Returns false when it reported.
 */
function checkAliases(doc: Document, source: YamlSource, options: ReadOptions): boolean {
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  const anchors = new Map<string, unknown>();
  let copied = 0;
  let isRefused = false;
  const sizeOf = (node: unknown): number => {
    if (isRefused) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      // An alias without its anchor is a syntax error yaml reported.
      if (target === undefined) return 1;
      const at = node.range?.[0] ?? 0;
      if (open.has(target)) {
        isRefused = true;
        source.report(
          at,
          'recursive-alias',
          `YAML: alias *${node.source} is inside the node it names (&${node.source}), so the ${options.document} would never end`,
        );
        return 0;
      }
      const size = sizes.get(target) ?? 1;
      copied += size;
      if (copied > options.aliasedNodes) {
        isRefused = true;
        const advice = options.aliasAdvice === undefined ? '' : `; ${options.aliasAdvice}`;
        source.report(
          at,
          'alias-limit',
          `YAML: the aliases copy more than ${options.aliasedNodes.toLocaleString('en')} nodes in all, past it at alias *${node.source} (${size.toLocaleString('en')} nodes)${advice}`,
        );
      }
      return size;
    }
    if (isNode(node) && node.anchor !== undefined) anchors.set(node.anchor, node);
    open.add(node);
    let size = 1;
    if (isCollection(node)) for (const item of node.items) size += sizeOf(item);
    else if (isPair(node)) size = sizeOf(node.key) + sizeOf(node.value);
    open.delete(node);
    sizes.set(node, size);
    return size;
  };
  sizeOf(doc.contents);
  return !isRefused;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  raw: unknown,
  source: YamlSource,
  wording: Wording,
): void {
  const path = issue.path as Path;
  const { context, field } = wording.describePath(path, raw);
  let value: unknown = raw;
  for (const k of path) value = (value as Record<string | number, unknown> | undefined)?.[k];
  const offset = source.of(path);
  const what = field === '' ? context : `${context}: "${field}"`;
  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        source.reportAtKey(path, key, 'unknown-key', `${context}: unknown key ${quote(key)}`);
      }
      return;
    case 'invalid_type': {
      if (value === undefined) {
        const parent = path.slice(0, -1);
        const { context: where } = wording.describePath(parent, raw);
        source.reportAt(
          parent,
          'missing-key',
          `${where}: missing required key "${String(path.at(-1))}"`,
        );
        return;
      }
      const expected = expectedWords[issue.expected] ?? `a ${issue.expected}`;
      source.report(offset, 'wrong-type', `${what} must be ${expected}, got ${show(value)}`);
      return;
    }
    case 'too_small':
    case 'too_big': {
      const isMin = issue.code === 'too_small';
      const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const exclusive = 'inclusive' in issue && issue.inclusive === false;
      if (Array.isArray(value)) {
        source.report(
          offset,
          'out-of-range',
          isMin
            ? `${what} must list at least ${bound} item(s)`
            : `${what} must list at most ${bound} item(s)`,
        );
        return;
      }
      if (typeof value === 'string') {
        source.report(
          offset,
          'out-of-range',
          `${what} must be ${isMin ? 'at least' : 'at most'} ${bound} character(s) long, got ${show(value)}`,
        );
        return;
      }
      const rule =
        isMin && Number(bound) <= 1 ? 'not-positive' : isMin ? 'out-of-range' : 'absurd-value';
      const relation = isMin
        ? exclusive
          ? 'more than'
          : 'at least'
        : exclusive
          ? 'less than'
          : 'at most';
      source.report(offset, rule, `${what} must be ${relation} ${bound}, got ${show(value)}`);
      return;
    }
    case 'invalid_format':
      source.report(
        offset,
        'bad-name',
        wording.format?.(what, value, path) ??
          `${what} ${show(value)} does not match ${issue.format === 'regex' ? issue.pattern : issue.format}`,
      );
      return;
    case 'invalid_value':
      source.report(
        offset,
        'bad-value',
        `${what} must be ${issue.values.map((v) => show(v)).join(' or ')}, got ${show(value)}`,
      );
      return;
    case 'invalid_union':
      source.report(
        offset,
        'wrong-type',
        wording.union?.(what, value, path) ?? `${what}: ${issue.message}, got ${show(value)}`,
      );
      return;
    case 'invalid_key':
      source.report(offset, 'bad-name', wording.key?.(what, path) ?? `${what}: ${issue.message}`);
      return;
    default:
      source.report(offset, 'invalid', `${what}: ${issue.message}`);
  }
}
