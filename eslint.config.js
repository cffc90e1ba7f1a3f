// @ts-check
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import eslint from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;
const workspaces = /** @type {{ workspaces: string[] }} */ (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
).workspaces.flatMap((w) =>
  w.endsWith('/*')
    ? readdirSync(path.join(root, w.slice(0, -2)), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => path.join(w.slice(0, -2), d.name))
    : [w],
);

/** No deep imports into another package's files (STYLE "Workspaces and builds"). */
const deepImports = {
  group: [
    '@chamber/*/*',
    '**/libs/*/src/**',
    '**/clients/*/src/**',
    '**/services/*/src/**',
    '**/protos/gen/**',
  ],
  message: 'Import another package through its exports, never its files.',
};

// Layering by folder, as vscode's layering rules do it: a service's
// `src/domain/` holds its pure decisions (STYLE "A service folder"), given
// the snapshot and returning writes and decisions, so it may not reach the
// store, gRPC, the clock protocol, telemetry, another service's client, the
// file system, processes or the network. The host does the I/O.
const domainMessage =
  'domain/ is pure (no store, gRPC, protocol, tracer, service client, file system, process or network): take data, return decisions; app.ts does the I/O.';
const domainForbiddenModules = [
  '@chamber/store',
  '@chamber/host',
  '@chamber/participant',
  '@chamber/timestamp',
  '@chamber/grpc',
  '@chamber/telemetry',
  'etcd3',
  'fs',
  'fs/promises',
  'node:fs',
  'node:fs/promises',
  'child_process',
  'node:child_process',
  'net',
  'node:net',
  'http',
  'node:http',
  'https',
  'node:https',
];
// The environment is configuration: read in config.ts files only (STYLE
// "A service folder"), so every setting has a schema, a default and a doc.
const envMessage = 'Read the environment in config.ts only (a convict schema names every key).';
const envImports = ['process', 'node:process'].map((name) => ({
  name,
  importNames: ['env'],
  message: envMessage,
}));
const domainImports = {
  paths: [
    ...domainForbiddenModules.map((name) => ({ name, message: domainMessage })),
    ...envImports,
  ],
  patterns: [
    deepImports,
    // Every service's client, the clock's (`@chamber/clock-client`) too.
    { group: ['@chamber/*-client', '@grpc/*', 'etcd3/*'], message: domainMessage },
  ],
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/', '**/dist/', 'protos/gen/', '.chamber/', 'test-artifacts/'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        projectService: {
          allowDefaultProject: ['vitest.config.ts'],
          defaultProject: 'tsconfig.node.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // Sources import each other as `./x.js`: resolve that to `x.ts`, and parse it as TypeScript.
      'import-x/resolver-next': [
        importX.createNodeResolver({ extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } }),
      ],
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Within a package: across packages, tsc -b refuses circular project references.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-extraneous-dependencies': 'error',
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // Tests may also use the root's dev tools (vitest); everything else must
  // be declared by the package itself.
  ...workspaces.map((dir) => ({
    files: [`${dir}/**/*.test.ts`, `${dir}/test/**/*.ts`],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: true, packageDir: [path.join(root, dir), root] },
      ],
    },
  })),
  {
    files: ['*.config.ts', '*.config.js', 'scripts/**'],
    rules: { 'import-x/no-extraneous-dependencies': ['error', { devDependencies: true }] },
  },
  {
    files: ['services/*/src/**/*.ts', 'clients/*/src/**/*.ts', 'libs/*/src/**/*.ts'],
    ignores: ['**/config.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: envMessage },
      ],
      'no-restricted-imports': ['error', { paths: envImports, patterns: [deepImports] }],
    },
  },
  // After the rule above: a later config's options replace an earlier one's.
  {
    files: ['services/*/src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', domainImports] },
  },
  // The dashboard runs in the browser; its build config uses its dev tools.
  {
    files: ['web/src/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['web/vite.config.js'],
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: true, packageDir: [path.join(root, 'web'), root] },
      ],
    },
  },
);
