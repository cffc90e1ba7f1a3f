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
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [importX.createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-extraneous-dependencies': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@chamber/*/*',
                '**/libs/*/src/**',
                '**/clients/*/src/**',
                '**/services/*/src/**',
                '**/protos/gen/**',
              ],
              message: 'Import another package through its exports, never its files.',
            },
          ],
        },
      ],
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
