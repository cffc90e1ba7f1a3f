// The layering rules of eslint.config.js, held to what they promise: a
// service's `src/domain/` stays pure (no store, gRPC, protocol, tracer,
// service client, file system, process or network), and the environment is
// read in config.ts files only. Each planted violation must fail with the
// rule's message, and a clean file must pass, so a rule that can no longer
// fail (a glob that matches nothing, an option overridden by a later block)
// fails here. Files are linted from text at paths that need not exist; the
// type-checked rules are switched off, since these rules need no types.
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({
  cwd: root,
  overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config,
});

const layeringRules = ['no-restricted-imports', 'no-restricted-properties'];

/** The messages of the layering rules for `code` at `file` (relative to the repository). */
async function layering(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(root, file) });
  const messages = result?.messages ?? [];
  expect(messages.filter((m) => m.fatal === true)).toEqual([]);
  return messages.filter((m) => layeringRules.includes(m.ruleId ?? ''));
}

/** The rule of each message, or `wrong message` when it does not say `words`. */
const rulesSaying = (messages: Linter.LintMessage[], words: string): string[] =>
  messages.map((m) => (m.message.includes(words) ? (m.ruleId ?? '') : 'wrong message'));

const domainFile = 'services/monitor/src/domain/planted.ts';

describe('the domain purity rule', () => {
  const forbidden = [
    '@chamber/store',
    '@chamber/host',
    '@chamber/participant',
    '@chamber/timestamp',
    '@chamber/grpc',
    '@chamber/telemetry',
    '@chamber/clock-client',
    '@chamber/inventory-client',
    '@chamber/faults-client',
    '@grpc/grpc-js',
    'etcd3',
    'node:fs',
    'fs',
    'fs/promises',
    'node:fs/promises',
    'node:child_process',
    'node:net',
    'node:http',
  ];

  it.each(forbidden)('fails a domain file that imports %s', async (module) => {
    const messages = await layering(domainFile, `import * as m from '${module}';\nexport { m };`);
    expect(rulesSaying(messages, 'domain/ is pure')).toEqual(['no-restricted-imports']);
  });

  it('fails type-only imports and files deeper in domain/, in every service', async () => {
    expect(
      await layering(
        'services/inventory/src/domain/definition/load.ts',
        "import { readFile } from 'node:fs/promises';\nexport { readFile };",
      ),
    ).toHaveLength(1);
    expect(
      await layering(
        'services/faults/src/domain/planted.ts',
        "import type { Store } from '@chamber/store';\nexport type S = Store;",
      ),
    ).toHaveLength(1);
  });

  it('passes a pure domain file: the vocabulary, the reactor contract, the simulation helpers, the records', async () => {
    const code = [
      "import { ObservedState } from '@chamber/protos';",
      "import type { Reactor } from '@chamber/reactor';",
      "import { TimerWheel } from '@chamber/sim';",
      "import { keys } from '@chamber/world';",
      "import { observeBlade } from './observe.js';",
      'export const prefix = keys.actualPrefix;',
      'export const healthy = ObservedState.OBSERVED_STATE_HEALTHY;',
      'export type R = Reactor;',
      'export { observeBlade, TimerWheel };',
    ].join('\n');
    const [result] = await eslint.lintText(`${code}\n`, {
      filePath: path.join(root, domainFile),
    });
    expect(result?.messages).toEqual([]);
  });

  it('leaves the rest of a service alone: app.ts and the handlers do the I/O', async () => {
    const code = "import { Store } from '@chamber/store';\nexport { Store };";
    expect(await layering('services/monitor/src/app.ts', code)).toEqual([]);
    expect(await layering('services/monitor/src/grpc/planted.ts', code)).toEqual([]);
  });

  it('still forbids deep imports into another package in domain/', async () => {
    const messages = await layering(
      domainFile,
      "import { keys } from '@chamber/world/src/keys.js';\nexport { keys };",
    );
    expect(rulesSaying(messages, 'through its exports')).toEqual(['no-restricted-imports']);
  });
});

describe('the environment rule', () => {
  const reads = {
    member: "export const port = process.env['PORT'];",
    destructured: 'const { env } = process;\nexport const port = env.PORT;',
    imported: "import { env } from 'node:process';\nexport const port = env.PORT;",
  };

  it.each([
    'services/monitor/src/app.ts',
    'services/monitor/src/domain/planted.ts',
    'clients/repair/src/planted.ts',
    'libs/sim/src/planted.ts',
  ])('fails a file that is not config.ts reading process.env: %s', async (file) => {
    for (const code of Object.values(reads)) {
      const messages = await layering(file, code);
      expect(messages, code).toHaveLength(1);
      expect(messages[0]?.message).toContain('config.ts only');
    }
  });

  it.each([
    'services/monitor/src/config.ts',
    'clients/cli/src/config.ts',
    'libs/config/src/config.ts',
    'services/monitor/src/planted.test.ts',
    'services/monitor/test/planted.int.test.ts',
    'test/src/bench/planted.ts',
  ])('passes config.ts files, tests and scripts: %s', async (file) => {
    for (const code of Object.values(reads)) expect(await layering(file, code), code).toEqual([]);
  });
});

describe('the import cycle rule', () => {
  // The CLI's program imports its REST helpers (`./rest.js`), whose source is `rest.ts`.
  const file = 'clients/cli/src/rest.ts';
  const cycles = async (code: string) => {
    const [result] = await eslint.lintText(`${code}\n`, { filePath: path.join(root, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'import-x/no-cycle');
  };

  it("fails a module importing one that imports it back, through the sources' `.js` specifiers", async () => {
    const messages = await cycles(
      "import { parserOf } from './program.js';\nexport const p = parserOf;",
    );
    expect(messages.map((m) => m.message)).toEqual(['Dependency cycle detected']);
  });

  it('passes a type-only import back', async () => {
    expect(
      await cycles("import type { Context } from './program.js';\nexport type C = Context;"),
    ).toEqual([]);
  });
});
