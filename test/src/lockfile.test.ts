// The committed package-lock.json is what `npm ci` installs on every machine
// (setup.mjs runs it), so it must be complete for every platform: `npm ci`
// refuses a lockfile that lacks a package's optional dependency, even one for
// another operating system, and `npm install` would add it and leave the
// checkout modified.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface LockEntry {
  readonly version?: string;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** Every optional dependency that `lock` names but does not lock, as `pkg -> dep`. */
function missingOptionals(lock: {
  readonly packages: Readonly<Record<string, LockEntry>>;
}): string[] {
  const missing: string[] = [];
  for (const [at, entry] of Object.entries(lock.packages)) {
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
      // npm resolves a dependency from the package's own node_modules up to the root's.
      const candidates: string[] = [];
      for (let dir = at; ;) {
        candidates.push(`${dir === '' ? '' : `${dir}/`}node_modules/${dep}`);
        if (dir === '') break;
        const parent = dir.lastIndexOf('/node_modules/');
        dir = parent < 0 ? '' : dir.slice(0, parent);
      }
      if (!candidates.some((c) => lock.packages[c] !== undefined)) missing.push(`${at} -> ${dep}`);
    }
  }
  return missing;
}

describe('package-lock.json', () => {
  it('locks every optional dependency of every platform, so `npm ci` accepts it', () => {
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      lockfileVersion: number;
      packages: Record<string, LockEntry>;
    };
    expect(lock.lockfileVersion).toBe(3);
    expect(missingOptionals(lock)).toEqual([]);
  });

  it('the check finds an optional dependency left out', () => {
    const lock = {
      packages: {
        '': {},
        'node_modules/@bufbuild/buf': {
          optionalDependencies: {
            '@bufbuild/buf-linux-x64': '1',
            '@bufbuild/buf-darwin-arm64': '1',
          },
        },
        'node_modules/@bufbuild/buf-linux-x64': { version: '1' },
      },
    };
    expect(missingOptionals(lock)).toEqual([
      'node_modules/@bufbuild/buf -> @bufbuild/buf-darwin-arm64',
    ]);
  });
});
