import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder up holding `tsconfig.base.json`. */
export function repositoryRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tsconfig.base.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no repository root above ${from}`);
  }
}
