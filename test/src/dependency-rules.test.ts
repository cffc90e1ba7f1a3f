// The rules of STYLE.md ("Workspaces and builds", "Dependency direction") as
// code: one loader reads every workspace's package.json, tsconfig.json and
// sources into plain data, and each rule is a pure function from that data to
// a list of violations. The self-tests at the end feed the rules a made-up
// repository that breaks each of them, so a rule that can no longer fail fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// ---------------------------------------------------------------------------
// The model

/** A package's layer, derived from its folder. */
type Layer = 'protos' | 'libs' | 'clients' | 'services' | 'web' | 'test' | 'launcher';

interface Manifest {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly exports?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  /** Chamber's own marks: `{"browser": true}` declares the package browser-safe. */
  readonly chamber?: { readonly browser?: unknown };
}

interface SourceFile {
  /** Repository-relative, with `/`. */
  readonly file: string;
  /** A `*.test.ts` file or one under the package's `test/` folder. */
  readonly isTest: boolean;
  /** Under a `gen/` folder: written by a generator, not by hand. */
  readonly isGenerated: boolean;
  /** Module specifiers of its imports, `export … from`s and `import()`s. */
  readonly imports: readonly string[];
  readonly hasExportStar: boolean;
}

interface Workspace {
  /** Repository-relative folder, e.g. `libs/sim`. */
  readonly dir: string;
  readonly manifest: Manifest;
  /** Folders its tsconfig.json references; `undefined` without a tsconfig.json. */
  readonly references: readonly string[] | undefined;
  /** Whether its tsconfig.json compiles with Node's types (no tsconfig: assume so). */
  readonly hasNodeTypes: boolean;
  readonly sources: readonly SourceFile[];
}

interface Repo {
  readonly workspaces: readonly Workspace[];
  /** Names in the root package.json devDependencies (shared test tools). */
  readonly rootDevDependencies: readonly string[];
  /** Folders the root tsconfig.json references. */
  readonly rootReferences: readonly string[];
}

/** One rule: every way `repo` breaks it, as messages naming package and rule. */
type Rule = (repo: Repo) => string[];

// ---------------------------------------------------------------------------
// The rules' tables, from STYLE.md

const layerOfFolder: Readonly<Record<string, Layer>> = {
  protos: 'protos',
  libs: 'libs',
  clients: 'clients',
  services: 'services',
  web: 'web',
  test: 'test',
  deploy: 'launcher',
};

/** Row may import column. `web` is further limited to browser-safe packages. */
const mayImport: Readonly<Record<Layer, readonly Layer[]>> = {
  protos: [],
  libs: ['libs'],
  clients: ['protos', 'libs', 'clients'],
  services: ['protos', 'libs', 'clients'],
  web: ['libs', 'clients'],
  test: ['protos', 'libs', 'clients', 'services', 'web', 'test', 'launcher'],
  launcher: ['protos', 'libs', 'clients'],
};

const layerRule: Readonly<Record<Layer, string>> = {
  protos: 'protos may import no other package',
  libs: 'libs may import only libs',
  clients: 'clients may import only protos, libs and clients',
  services: 'services may import protos, libs and clients, never another service',
  web: 'web may import only browser-safe libs and clients (marked "chamber": {"browser": true} in package.json)',
  test: 'test may import anything',
  launcher:
    'deploy is a launcher: it may import protos, libs and clients, and runs services by path (their entries as processes, or their service modules loaded into one process), never as packages it depends on',
};

/** Third-party packages and the only workspaces that may use them. */
const thirdPartyHomes: Readonly<Record<string, readonly string[]>> = {
  etcd3: ['clients/store'],
  koa: ['services/frontend'],
  '@koa/router': ['services/frontend'],
  react: ['web'],
};

// ---------------------------------------------------------------------------
// Helpers

function layerOf(dir: string): Layer | undefined {
  return layerOfFolder[dir.split(path.posix.sep)[0]!];
}

function nameOf(ws: Workspace): string {
  return typeof ws.manifest.name === 'string' ? ws.manifest.name : ws.dir;
}

function dependencies(ws: Workspace): string[] {
  return Object.keys(ws.manifest.dependencies ?? {});
}

function devDependencies(ws: Workspace): string[] {
  return Object.keys(ws.manifest.devDependencies ?? {});
}

/** The package a bare specifier names: `@grpc/grpc-js/build/x` → `@grpc/grpc-js`. */
function packageOf(specifier: string): string {
  return /^(@[^/]+\/)?[^/]*/.exec(specifier)![0];
}

/** A specifier that names a package: not a relative or absolute path, not `node:…`. */
function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:');
}

function byName(repo: Repo): Map<string, Workspace> {
  return new Map(repo.workspaces.map((ws) => [nameOf(ws), ws]));
}

function isChamber(name: string): boolean {
  return name.startsWith('@chamber/');
}

/** Whether the package.json declares the package browser-safe (`"chamber": {"browser": true}`). */
function isMarkedBrowserSafe(ws: Workspace): boolean {
  return ws.manifest.chamber?.browser === true;
}

/**
 * Whether a package is browser-safe: marked so, compiled without Node types,
 * and depending only on packages that are browser-safe too.
 */
function browserSafety(repo: Repo): (ws: Workspace) => boolean {
  const packages = byName(repo);
  const known = new Map<string, boolean>();
  const isSafe = (ws: Workspace, seen: Set<string>): boolean => {
    const name = nameOf(ws);
    const found = known.get(name);
    if (found !== undefined) return found;
    if (seen.has(name)) return true; // a cycle, reported by checkCycles
    seen.add(name);
    const safe =
      isMarkedBrowserSafe(ws) &&
      !ws.hasNodeTypes &&
      dependencies(ws)
        .filter(isChamber)
        .every((d) => {
          const dep = packages.get(d);
          return dep !== undefined && isSafe(dep, seen);
        });
    known.set(name, safe);
    return safe;
  };
  return (ws) => isSafe(ws, new Set());
}

// ---------------------------------------------------------------------------
// The rules

/** The dependency table: what each layer may depend on and import. */
const checkLayers: Rule = (repo) => {
  const packages = byName(repo);
  const isBrowserSafe = browserSafety(repo);

  const violations: string[] = [];
  for (const ws of repo.workspaces) {
    const from = layerOf(ws.dir);
    if (from === undefined) {
      violations.push(
        `${ws.dir}: no layer for folder "${ws.dir.split(path.posix.sep)[0]}" (expected one of ${Object.keys(layerOfFolder).join(', ')})`,
      );
      continue;
    }
    // What ships: package.json dependencies and non-test sources. A package's
    // own tests (devDependencies) may reach further, e.g. a lib's tests use a
    // service definition from protos as a fixture.
    const edges = [
      ...dependencies(ws).map((name) => ({ where: ws.dir, name })),
      ...ws.sources
        .filter((s) => !s.isTest)
        .flatMap((s) =>
          s.imports.filter(isBare).map((i) => ({ where: s.file, name: packageOf(i) })),
        ),
    ];
    const reported = new Set<string>();
    for (const { where, name } of edges) {
      const target = packages.get(name);
      if (target === undefined || target === ws || reported.has(`${where} ${name}`)) continue;
      const to = layerOf(target.dir);
      if (to === undefined) continue; // reported for the target itself
      const allowed = mayImport[from].includes(to) && (from !== 'web' || isBrowserSafe(target));
      if (!allowed) {
        reported.add(`${where} ${name}`);
        violations.push(`${where} imports ${name} (${to}): ${layerRule[from]}`);
      }
    }
  }
  return violations;
};

/**
 * A package marked browser-safe is: it compiles without Node types (its
 * tsconfig does not extend tsconfig.node.json nor name them) and every
 * @chamber package it depends on is marked and browser-safe too.
 */
const checkBrowserSafe: Rule = (repo) => {
  const packages = byName(repo);
  const violations: string[] = [];
  for (const ws of repo.workspaces.filter(isMarkedBrowserSafe)) {
    if (ws.hasNodeTypes) {
      violations.push(
        `${ws.dir} is marked browser-safe but compiles with Node types: extend tsconfig.base.json, not tsconfig.node.json`,
      );
    }
    for (const name of dependencies(ws).filter(isChamber)) {
      const dep = packages.get(name);
      if (dep !== undefined && !isMarkedBrowserSafe(dep)) {
        violations.push(
          `${ws.dir} is marked browser-safe but depends on ${name}, which is not: a browser-safe package depends only on browser-safe ones`,
        );
      }
    }
  }
  return violations;
};

/** Third-party packages that belong to one workspace only. */
const checkThirdParty: Rule = (repo) => {
  const violations: string[] = [];
  for (const ws of repo.workspaces) {
    const uses = [
      ...dependencies(ws).map((name) => ({ where: `${ws.dir}/package.json dependencies`, name })),
      ...devDependencies(ws).map((name) => ({
        where: `${ws.dir}/package.json devDependencies`,
        name,
      })),
      ...ws.sources.flatMap((s) =>
        s.imports.filter(isBare).map((i) => ({ where: s.file, name: packageOf(i) })),
      ),
    ];
    const reported = new Set<string>();
    for (const { where, name } of uses) {
      const homes = thirdPartyHomes[name];
      if (homes === undefined || homes.includes(ws.dir) || reported.has(`${where} ${name}`))
        continue;
      reported.add(`${where} ${name}`);
      violations.push(`${where} uses ${name}: ${name} belongs only in ${homes.join(', ')}`);
    }
  }
  return violations;
};

/**
 * package.json @chamber dependencies (dev ones too: tsc -b builds the tests)
 * and tsconfig references agree; the root references all.
 */
const checkReferences: Rule = (repo) => {
  const packages = byName(repo);
  const byDir = new Map(repo.workspaces.map((ws) => [ws.dir, ws]));
  const violations: string[] = [];
  for (const ws of repo.workspaces) {
    for (const name of [...dependencies(ws), ...devDependencies(ws)].filter(isChamber)) {
      if (!packages.has(name))
        violations.push(`${ws.dir} depends on ${name}, which is no workspace of this repository`);
    }
    if (ws.references === undefined) continue;
    for (const name of [...dependencies(ws), ...devDependencies(ws)].filter(isChamber)) {
      const dep = packages.get(name);
      if (dep !== undefined && !ws.references.includes(dep.dir)) {
        violations.push(
          `${ws.dir} depends on ${name} but its tsconfig.json does not reference ${dep.dir}: every @chamber dependency needs a tsconfig reference`,
        );
      }
    }
    const declared = [...dependencies(ws), ...devDependencies(ws)];
    for (const ref of ws.references) {
      const target = byDir.get(ref);
      if (target === undefined) {
        violations.push(`${ws.dir}/tsconfig.json references ${ref}, which is no workspace`);
      } else if (!declared.includes(nameOf(target))) {
        violations.push(
          `${ws.dir}/tsconfig.json references ${ref} but its package.json does not declare ${nameOf(target)}: every reference must be a declared dependency`,
        );
      }
    }
  }
  for (const ws of repo.workspaces) {
    if (ws.references !== undefined && !repo.rootReferences.includes(ws.dir))
      violations.push(`the root tsconfig.json does not reference ${ws.dir}`);
  }
  for (const ref of repo.rootReferences) {
    if (byDir.get(ref)?.references === undefined)
      violations.push(
        `the root tsconfig.json references ${ref}, which is no workspace with a tsconfig.json`,
      );
  }
  return violations;
};

/** Name, module type, exports into dist, no `export *`. */
const checkPackageShape: Rule = (repo) => {
  const violations: string[] = [];
  const seen = new Map<string, string>();
  for (const ws of repo.workspaces) {
    const { name, type, exports } = ws.manifest;
    if (typeof name !== 'string' || !/^@chamber\/[a-z0-9][a-z0-9-]*$/.test(name)) {
      violations.push(
        `${ws.dir} is named ${JSON.stringify(name)}: packages are named @chamber/<name>`,
      );
    } else if (seen.has(name)) {
      violations.push(`${ws.dir} is named ${name}, like ${seen.get(name)}: names must be unique`);
    } else seen.set(name, ws.dir);
    if (type !== 'module')
      violations.push(
        `${ws.dir} has "type": ${JSON.stringify(type)}: packages are ESM ("type": "module")`,
      );
    const targets = exportTargets(exports);
    if (targets.length === 0)
      violations.push(`${ws.dir} has no "exports": a package exports its dist through "exports"`);
    for (const t of targets.filter((t) => !t.startsWith('./dist/')))
      violations.push(`${ws.dir} exports "${t}": "exports" must point into ./dist/`);
    for (const s of ws.sources.filter((s) => s.hasExportStar && !s.isGenerated))
      violations.push(`${s.file} uses export *: a package exports only what it names`);
  }
  return violations;
};

/** Every path string in an `exports` field, through conditions and subpaths. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** Sources import only what their package.json declares. */
const checkDeclaredImports: Rule = (repo) => {
  const violations: string[] = [];
  for (const ws of repo.workspaces) {
    const deps = dependencies(ws);
    const testDeps = [...deps, ...devDependencies(ws), ...repo.rootDevDependencies];
    for (const source of ws.sources) {
      const reported = new Set<string>();
      for (const specifier of source.imports.filter(isBare)) {
        const name = packageOf(specifier);
        if (name === nameOf(ws) || reported.has(name)) continue;
        if ((source.isTest ? testDeps : deps).includes(name)) continue;
        reported.add(name);
        if (isBuiltin(specifier)) {
          violations.push(
            `${source.file} imports ${specifier}: import Node builtins as node:${specifier}`,
          );
        } else if (source.isTest) {
          violations.push(
            `${source.file} imports ${name}, which neither ${ws.dir}/package.json nor the root devDependencies declare`,
          );
        } else {
          const onlyDev = devDependencies(ws).includes(name) ? ' (it is only a devDependency)' : '';
          violations.push(
            `${source.file} imports ${name}, which ${ws.dir}/package.json does not declare in dependencies${onlyDev}`,
          );
        }
      }
    }
  }
  return violations;
};

/** No cycle among workspaces through dependencies or devDependencies. */
const checkCycles: Rule = (repo) => {
  const packages = byName(repo);
  const edges = (name: string): string[] => {
    const ws = packages.get(name);
    if (ws === undefined) return [];
    return [...dependencies(ws), ...devDependencies(ws)].filter((d) => packages.has(d)).sort();
  };
  const violations: string[] = [];
  const reported = new Set<string>();
  const done = new Set<string>();
  const visit = (name: string, stack: string[]): void => {
    const at = stack.indexOf(name);
    if (at !== -1) {
      const cycle = stack.slice(at);
      // One report per cycle, however it was entered.
      const key = [...cycle].sort().join(' ');
      if (!reported.has(key)) {
        reported.add(key);
        violations.push(
          `cycle among packages: ${[...cycle, name].join(' -> ')}: dependencies must be acyclic`,
        );
      }
      return;
    }
    if (done.has(name)) return;
    for (const next of edges(name)) visit(next, [...stack, name]);
    done.add(name);
  };
  for (const name of [...packages.keys()].sort()) visit(name, []);
  return violations;
};

// ---------------------------------------------------------------------------
// The loader: the real repository as a Repo

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && 'workspaces' in readJson(manifest)) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json with workspaces above ${from}`);
  }
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Workspace folders from the root's `workspaces` patterns (`dir` or `dir/*`). */
function workspaceDirs(root: string, patterns: readonly string[]): string[] {
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*'))
      return existsSync(path.join(root, pattern, 'package.json')) ? [pattern] : [];
    const parent = pattern.slice(0, -2);
    if (!existsSync(path.join(root, parent))) return [];
    return readdirSync(path.join(root, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(path.join(root, parent, d.name, 'package.json')))
      .map((d) => `${parent}/${d.name}`);
  });
}

/** A tsconfig.json as JSON (comments allowed, `extends` not followed). */
function readTsconfig(file: string): unknown {
  const result = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  if (result.error !== undefined)
    throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(result.error.messageText, '\n')}`);
  return result.config as unknown;
}

/** Repository-relative folders a tsconfig.json references, or `undefined` without one. */
function readReferences(root: string, dir: string): string[] | undefined {
  const file = path.join(root, dir, 'tsconfig.json');
  if (!existsSync(file)) return undefined;
  const { references = [] } = readTsconfig(file) as { references?: Array<{ path: string }> };
  return references.map((r) => {
    const target = path.resolve(root, dir, r.path);
    return toPosix(path.relative(root, target.endsWith('.json') ? path.dirname(target) : target));
  });
}

function hasNodeTypes(root: string, dir: string): boolean {
  const file = path.join(root, dir, 'tsconfig.json');
  if (!existsSync(file)) return true;
  const { options } = ts.parseJsonConfigFileContent(
    readTsconfig(file),
    ts.sys,
    path.dirname(file),
    {},
    file,
  );
  // Without `types`, TypeScript loads every @types package, Node's included.
  return options.types === undefined || options.types.includes('node');
}

/**
 * Every module a file names: imports (type-only too), `export … from`,
 * `import x = require()`, `import()` calls and types, and `declare module`
 * augmentations.
 */
function moduleSpecifiers(file: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Node | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node))
      specifier = node.moduleSpecifier;
    else if (ts.isExternalModuleReference(node)) specifier = node.expression;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      specifier = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      specifier = node.argument.literal;
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) specifier = node.name;
    if (specifier !== undefined && ts.isStringLiteral(specifier)) out.push(specifier.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** What the rules need of one source file at `rel` inside the workspace at `dir`. */
function parseSource(dir: string, rel: string, text: string): SourceFile {
  const parsed = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, false);
  return {
    file: `${dir}/${rel}`,
    isTest: /\.test\.[cm]?tsx?$/.test(rel) || rel.startsWith('test/'),
    isGenerated: rel.split(path.posix.sep).includes('gen'),
    imports: moduleSpecifiers(parsed),
    hasExportStar: parsed.statements.some(
      (s) =>
        ts.isExportDeclaration(s) &&
        (s.exportClause === undefined || ts.isNamespaceExport(s.exportClause)),
    ),
  };
}

function readSources(root: string, dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(root, dir, rel), { withFileTypes: true })) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        const nested = existsSync(path.join(root, dir, child, 'package.json'));
        if (entry.name !== 'node_modules' && entry.name !== 'dist' && !nested) walk(child);
      } else if (/\.[cm]?tsx?$/.test(entry.name)) {
        out.push(parseSource(dir, child, readFileSync(path.join(root, dir, child), 'utf8')));
      }
    }
  };
  walk('');
  return out;
}

function loadRepo(root: string): Repo {
  const manifest = readJson(path.join(root, 'package.json')) as {
    workspaces: string[];
    devDependencies?: Record<string, string>;
  };
  return {
    workspaces: workspaceDirs(root, manifest.workspaces).map((dir) => ({
      dir,
      manifest: readJson(path.join(root, dir, 'package.json')),
      references: readReferences(root, dir),
      hasNodeTypes: hasNodeTypes(root, dir),
      sources: readSources(root, dir),
    })),
    rootDevDependencies: Object.keys(manifest.devDependencies ?? {}),
    rootReferences: readReferences(root, '.') ?? [],
  };
}

// ---------------------------------------------------------------------------
// The rules on this repository

describe('dependency rules (STYLE.md)', () => {
  const repo = loadRepo(findRoot(import.meta.dirname));

  it('finds the workspaces and what their sources import', () => {
    // Guards the loader: with no workspaces or no imports every rule would pass.
    const dirs = repo.workspaces.map((ws) => ws.dir);
    expect(dirs).toEqual(
      expect.arrayContaining(['protos', 'libs/errors', 'clients/store', 'test']),
    );
    const store = repo.workspaces.find((ws) => ws.dir === 'clients/store');
    expect(store?.sources.some((s) => s.imports.includes('etcd3'))).toBe(true);
  });

  it('keeps the dependency direction of the layer table', () => {
    expect(checkLayers(repo)).toEqual([]);
  });

  it('keeps etcd3, koa and react in their one workspace', () => {
    expect(checkThirdParty(repo)).toEqual([]);
  });

  it('keeps the packages marked browser-safe free of Node', () => {
    const marked = repo.workspaces.filter(isMarkedBrowserSafe).map((ws) => ws.dir);
    // The contract and the vocabulary the dashboard imports.
    expect(marked).toEqual(expect.arrayContaining(['libs/errors', 'libs/world', 'clients/api']));
    expect(checkBrowserSafe(repo)).toEqual([]);
  });

  it('matches package.json @chamber dependencies with tsconfig references', () => {
    expect(checkReferences(repo)).toEqual([]);
  });

  it('names packages @chamber/<name>, ESM, exporting dist, without export *', () => {
    expect(checkPackageShape(repo)).toEqual([]);
  });

  it('declares every package a source imports', () => {
    expect(checkDeclaredImports(repo)).toEqual([]);
  });

  it('has no cycle among packages', () => {
    expect(checkCycles(repo)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// The rules can fail: a made-up repository that breaks each of them

function workspace(
  dir: string,
  manifest: Manifest,
  options: { references?: string[]; hasNodeTypes?: boolean; sources?: SourceFile[] } = {},
): Workspace {
  return {
    dir,
    manifest: {
      type: 'module',
      exports: { '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' } },
      ...manifest,
    },
    references: options.references ?? [],
    hasNodeTypes: options.hasNodeTypes ?? true,
    sources: options.sources ?? [],
  };
}

function source(file: string, imports: string[], more: Partial<SourceFile> = {}): SourceFile {
  return {
    file,
    isTest: false,
    isGenerated: false,
    imports,
    hasExportStar: false,
    ...more,
  };
}

function syntheticRepo(workspaces: Workspace[]): Repo {
  return {
    workspaces,
    rootDevDependencies: ['vitest'],
    rootReferences: workspaces.filter((w) => w.references !== undefined).map((w) => w.dir),
  };
}

describe('dependency rules on a made-up repository', () => {
  const errors = workspace(
    'libs/errors',
    { name: '@chamber/errors', chamber: { browser: true } },
    { hasNodeTypes: false },
  );
  const protos = workspace('protos', { name: '@chamber/protos' });
  const telemetry = workspace('libs/telemetry', { name: '@chamber/telemetry' });
  const store = workspace(
    'clients/store',
    { name: '@chamber/store', dependencies: { '@chamber/errors': '0.1.0', etcd3: '1' } },
    {
      references: ['libs/errors'],
      sources: [
        source('clients/store/src/store.ts', [
          'etcd3',
          '@chamber/errors',
          'node:path',
          './keys.js',
        ]),
      ],
    },
  );

  it('reads imports of every kind and export * from source text', () => {
    const text = [
      "import type { A } from 'etcd3';",
      "import { b } from './b.js';",
      "export { c } from '@chamber/errors';",
      "export * as d from './d.js';",
      '// import { e } from "in-a-comment";',
      "const f = await import('react');",
      "type G = import('@grpc/grpc-js').Metadata;",
      "import h = require('pino');",
      "declare module 'vitest' {}",
    ].join('\n');
    expect(parseSource('libs/x', 'src/index.ts', text)).toEqual({
      file: 'libs/x/src/index.ts',
      isTest: false,
      isGenerated: false,
      imports: [
        'etcd3',
        './b.js',
        '@chamber/errors',
        './d.js',
        'react',
        '@grpc/grpc-js',
        'pino',
        'vitest',
      ],
      hasExportStar: true,
    });
    expect(
      parseSource('libs/x', 'test/a.int.test.ts', "export { a } from './a.js';"),
    ).toMatchObject({
      isTest: true,
      hasExportStar: false,
    });
    expect(parseSource('protos', 'gen/a/v1/a.ts', '').isGenerated).toBe(true);
  });

  it('accepts a repository that keeps every rule', () => {
    const web = workspace(
      'web',
      { name: '@chamber/web', dependencies: { '@chamber/errors': '0.1.0', react: '19' } },
      {
        references: ['libs/errors'],
        hasNodeTypes: false,
        sources: [
          source('web/src/app.tsx', ['react', '@chamber/errors', './view.js']),
          source('web/src/app.test.tsx', ['vitest'], { isTest: true }),
        ],
      },
    );
    const repo = syntheticRepo([errors, protos, telemetry, store, web]);
    for (const rule of [
      checkLayers,
      checkBrowserSafe,
      checkThirdParty,
      checkReferences,
      checkPackageShape,
      checkDeclaredImports,
      checkCycles,
    ]) {
      expect(rule(repo), rule.name).toEqual([]);
    }
  });

  it('catches a layer importing what its row forbids', () => {
    const sim = workspace(
      'libs/sim',
      { name: '@chamber/sim', dependencies: { '@chamber/store': '0.1.0' } },
      {
        references: ['clients/store'],
        sources: [source('libs/sim/src/a.ts', ['@chamber/protos'])],
      },
    );
    const a = workspace('services/a', {
      name: '@chamber/a',
      dependencies: { '@chamber/b': '0.1.0' },
    });
    const b = workspace('services/b', { name: '@chamber/b' });
    const web = workspace('web', {
      name: '@chamber/web',
      dependencies: { '@chamber/telemetry': '0.1.0', '@chamber/errors': '0.1.0' },
    });
    const launcher = workspace('deploy/local', {
      name: '@chamber/deploy-local',
      dependencies: { '@chamber/a': '0.1.0' },
    });
    expect(
      checkLayers(syntheticRepo([errors, protos, telemetry, store, sim, a, b, web, launcher])),
    ).toEqual([
      'libs/sim imports @chamber/store (clients): libs may import only libs',
      'libs/sim/src/a.ts imports @chamber/protos (protos): libs may import only libs',
      'services/a imports @chamber/b (services): services may import protos, libs and clients, never another service',
      `web imports @chamber/telemetry (libs): ${layerRule.web}`,
      `deploy/local imports @chamber/a (services): ${layerRule.launcher}`,
    ]);
  });

  it('catches web importing a package not marked browser-safe, and a false mark', () => {
    const world = workspace(
      'libs/world',
      { name: '@chamber/world', dependencies: { '@chamber/errors': '0.1.0' } },
      { hasNodeTypes: false },
    );
    const api = workspace(
      'clients/api',
      {
        name: '@chamber/api',
        chamber: { browser: true },
        dependencies: { '@chamber/world': '0.1.0', '@chamber/telemetry': '0.1.0' },
      },
      { hasNodeTypes: true },
    );
    const okClient = workspace(
      'clients/ok',
      {
        name: '@chamber/ok',
        chamber: { browser: true },
        dependencies: { '@chamber/errors': '0.1.0' },
      },
      { hasNodeTypes: false },
    );
    const web = workspace(
      'web',
      {
        name: '@chamber/web',
        dependencies: {
          '@chamber/world': '0.1.0',
          '@chamber/api': '0.1.0',
          '@chamber/ok': '0.1.0',
          '@chamber/errors': '0.1.0',
        },
      },
      { hasNodeTypes: false },
    );
    const repo = syntheticRepo([errors, telemetry, world, api, okClient, web]);
    expect(checkLayers(repo)).toEqual([
      `web imports @chamber/world (libs): ${layerRule.web}`,
      `web imports @chamber/api (clients): ${layerRule.web}`,
    ]);
    expect(checkBrowserSafe(repo)).toEqual([
      'clients/api is marked browser-safe but compiles with Node types: extend tsconfig.base.json, not tsconfig.node.json',
      'clients/api is marked browser-safe but depends on @chamber/world, which is not: a browser-safe package depends only on browser-safe ones',
      'clients/api is marked browser-safe but depends on @chamber/telemetry, which is not: a browser-safe package depends only on browser-safe ones',
    ]);
  });

  it('catches etcd3, koa and react outside their workspace', () => {
    const testing = workspace(
      'libs/testing',
      { name: '@chamber/testing', devDependencies: { koa: '3' } },
      { sources: [source('libs/testing/src/x.ts', ['etcd3', 'react/jsx-runtime'])] },
    );
    expect(checkThirdParty(syntheticRepo([errors, store, testing]))).toEqual([
      'libs/testing/package.json devDependencies uses koa: koa belongs only in services/frontend',
      'libs/testing/src/x.ts uses etcd3: etcd3 belongs only in clients/store',
      'libs/testing/src/x.ts uses react: react belongs only in web',
    ]);
  });

  it('catches dependencies and tsconfig references that disagree', () => {
    const clock = workspace(
      'clients/clock',
      {
        name: '@chamber/clock-client',
        dependencies: { '@chamber/errors': '0.1.0', '@chamber/nope': '0.1.0' },
      },
      { references: ['protos', 'libs/gone'] },
    );
    const repo = {
      ...syntheticRepo([errors, protos, clock]),
      rootReferences: ['libs/errors', 'protos', 'x'],
    };
    expect(checkReferences(repo)).toEqual([
      'clients/clock depends on @chamber/nope, which is no workspace of this repository',
      'clients/clock depends on @chamber/errors but its tsconfig.json does not reference libs/errors: every @chamber dependency needs a tsconfig reference',
      'clients/clock/tsconfig.json references protos but its package.json does not declare @chamber/protos: every reference must be a declared dependency',
      'clients/clock/tsconfig.json references libs/gone, which is no workspace',
      'the root tsconfig.json does not reference clients/clock',
      'the root tsconfig.json references x, which is no workspace with a tsconfig.json',
    ]);
  });

  it('catches a wrong name, CommonJS, exports outside dist and export *', () => {
    const bad = workspace(
      'libs/bad',
      { name: 'bad', type: 'commonjs', exports: { '.': './src/index.ts' } },
      {
        sources: [
          source('libs/bad/src/index.ts', [], { hasExportStar: true }),
          source('libs/bad/gen/x.ts', [], { hasExportStar: true, isGenerated: true }),
        ],
      },
    );
    const twin = workspace('libs/twin', { name: '@chamber/errors' });
    const bare = workspace('libs/bare', { name: '@chamber/bare', exports: undefined });
    expect(checkPackageShape(syntheticRepo([errors, bad, twin, bare]))).toEqual([
      'libs/bad is named "bad": packages are named @chamber/<name>',
      'libs/bad has "type": "commonjs": packages are ESM ("type": "module")',
      'libs/bad exports "./src/index.ts": "exports" must point into ./dist/',
      'libs/bad/src/index.ts uses export *: a package exports only what it names',
      'libs/twin is named @chamber/errors, like libs/errors: names must be unique',
      'libs/bare has no "exports": a package exports its dist through "exports"',
    ]);
  });

  it('catches imports the package.json does not declare', () => {
    const config = workspace(
      'libs/config',
      {
        name: '@chamber/config',
        dependencies: { '@chamber/errors': '0.1.0' },
        devDependencies: { '@chamber/testing': '0.1.0' },
      },
      {
        references: ['libs/errors'],
        sources: [
          source('libs/config/src/config.ts', [
            '@chamber/errors',
            'convict',
            '@chamber/testing',
            'fs',
            '@chamber/config',
            'node:fs',
          ]),
          source('libs/config/src/config.test.ts', ['vitest', '@chamber/testing', 'zod'], {
            isTest: true,
          }),
        ],
      },
    );
    expect(checkDeclaredImports(syntheticRepo([errors, config]))).toEqual([
      'libs/config/src/config.ts imports convict, which libs/config/package.json does not declare in dependencies',
      'libs/config/src/config.ts imports @chamber/testing, which libs/config/package.json does not declare in dependencies (it is only a devDependency)',
      'libs/config/src/config.ts imports fs: import Node builtins as node:fs',
      'libs/config/src/config.test.ts imports zod, which neither libs/config/package.json nor the root devDependencies declare',
    ]);
  });

  it('catches a cycle among packages, once', () => {
    const a = workspace('libs/a', { name: '@chamber/a', dependencies: { '@chamber/b': '0.1.0' } });
    const b = workspace('libs/b', {
      name: '@chamber/b',
      devDependencies: { '@chamber/c': '0.1.0' },
    });
    const c = workspace('libs/c', { name: '@chamber/c', dependencies: { '@chamber/a': '0.1.0' } });
    expect(checkCycles(syntheticRepo([c, b, a, errors]))).toEqual([
      'cycle among packages: @chamber/a -> @chamber/b -> @chamber/c -> @chamber/a: dependencies must be acyclic',
    ]);
  });
});
