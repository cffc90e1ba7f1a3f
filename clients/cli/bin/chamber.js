#!/usr/bin/env node
// The `chamber` command. A committed, executable shim, so `npm install` can
// link it before the TypeScript is built; the build puts the code in dist/.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('chamber: not built yet; run `npm run build` in the repository first');
  process.exit(1);
}
await import(main.href);
