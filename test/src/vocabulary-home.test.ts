// The world's words have one home (@chamber/world): no source spells a store
// key prefix or takes an element path apart by hand. The matcher reads each
// tracked .ts/.tsx file's syntax tree, so comments (which may name a key to
// explain it) and text that only contains a prefix do not count; the unit
// cases at the end plant each violation, so a matcher that can no longer fail
// fails.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prefixOfKey } from '@chamber/world';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the words live, and code a generator wrote. */
const home: readonly string[] = ['libs/world', 'protos/gen'];

/**
 * Text that starts like a key but is none: a file or folder of the
 * repository (it names a package's `src/`, `dist/` or `test/` folder, ends in
 * a file extension, or is a workspace `services/<name>`, which has no
 * instance as a registration `services/<name>/<instance>` has), a rate
 * (`ticks/s`), or prose (keys hold no spaces).
 */
function isNoKey(text: string): boolean {
  return (
    /\/(src|dist|test)\/|\.(m?[jt]sx?|json|ya?ml|md|proto|html|css)$/.test(text) ||
    /^services\/[a-z-]+$/.test(text) ||
    /^[a-z-]+\/s$/.test(text) ||
    /\s/.test(text)
  );
}

interface Finding {
  readonly line: number;
  readonly message: string;
}

/** A literal's text; a template's holes read as `${}`. */
function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((s) => '${}' + s.literal.text).join('');
  }
  return undefined;
}

/**
 * The store prefix literals and hand path splits in one source file: a
 * string or template literal that starts with a prefix of the layout
 * (`keyPrefixes`, from `keys`) unless it is no key ({@link isNoKey}), and a
 * `.split('/')` call.
 */
function findViolations(fileName: string, text: string): Finding[] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const found: Finding[] = [];
  const report = (node: ts.Node, message: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ line: line + 1, message });
  };
  const visit = (node: ts.Node): void => {
    const literal = literalText(node);
    if (literal !== undefined) {
      const prefix = prefixOfKey(literal);
      if (prefix !== undefined && !isNoKey(literal)) {
        report(node, `store prefix literal "${prefix}": use keys.* or viewKey from @chamber/world`);
      }
      // A template's holes may hold more literals.
      if (!ts.isTemplateExpression(node)) return;
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'split' &&
      node.arguments.length >= 1 &&
      literalText(node.arguments[0]!) === '/'
    ) {
      report(node, `hand path split: use the path grammar of @chamber/world`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const isUnder = (file: string, folder: string): boolean => file.startsWith(`${folder}/`);

describe('the world has one home', () => {
  it('no tracked source outside @chamber/world spells a store prefix or splits a path', () => {
    const files = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((f) => f !== '')
      .filter((f) => !home.some((folder) => isUnder(f, folder)));
    expect(files.length).toBeGreaterThan(100);
    const violations = files.flatMap((file) =>
      findViolations(file, readFileSync(path.join(root, file), 'utf8')).map(
        (v) => `${file}:${v.line}: ${v.message}`,
      ),
    );
    expect(violations).toEqual([]);
  });
});

describe('the matcher', () => {
  const lines = (text: string, file = 'x.ts'): number[] =>
    findViolations(file, text).map((f) => f.line);

  it('flags a planted prefix literal in quotes, backticks and templates', () => {
    expect(lines("const a = 'actual/';")).toEqual([1]);
    expect(lines('const b = "faults/" + id;')).toEqual([1]);
    expect(lines('const c = `clock/tick`;')).toEqual([1]);
    expect(lines('\nconst d = `users/${name}`;')).toEqual([2]);
    expect(lines("const g = 'services/stepper/a1'; const h = 'ticks/000000000001';")).toEqual([
      1, 1,
    ]);
    expect(lines('const e = `x${`inputs/faults/${id}`}`;')).toEqual([1]);
    expect(lines('const f = <a href={`sessions/${id}`} />;', 'x.tsx')).toEqual([1]);
  });

  it('flags a hand path split', () => {
    expect(lines("const [region] = target.split('/');")).toEqual([1]);
    expect(lines('const kind = path.split(`/`)[3];')).toEqual([1]);
  });

  it('leaves alone what is no store key or no split', () => {
    expect(lines('// the `actual/` view, documented\n/** `faults/<id>` */ const k = 1;')).toEqual(
      [],
    );
    expect(lines("const entry = 'services/stepper/dist/src/main.js';")).toEqual([]);
    expect(lines("const allowed = { koa: ['services/frontend'] };")).toEqual([]);
    expect(lines("const header = ['p50 ms', 'ticks/s'];")).toEqual([]);
    expect(lines("const why = 'services/a imports @chamber/b';")).toEqual([]);
    expect(lines('const main = `services/${name}/dist/src/main.js`;')).toEqual([]);
    expect(lines("const url = '/api/v1/faults/' + id;")).toEqual([]);
    expect(lines("const word = 'faults';")).toEqual([]);
    expect(lines("const w = 'reactual/x'; const s = name.split('-');")).toEqual([]);
    expect(lines("const k = keys.fault(id); const p = rackOf('r/z1/rack1/blade/3');")).toEqual([]);
  });
});
