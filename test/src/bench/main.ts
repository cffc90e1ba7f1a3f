import { startEtcd } from '@chamber/etcd-process';
import { benchClock } from './clock.js';
import { benchFrontend } from './frontend.js';
import { benchLoad } from './load.js';
import { benchRepair } from './repair.js';
import { benchWeb } from './web.js';

// `npm run bench -- <name>`: each benchmark prints its figures and ratios
// against a baseline measured in the same run, on a private etcd.
const benchmarks: Record<string, (etcd: Awaited<ReturnType<typeof startEtcd>>) => Promise<void>> = {
  clock: benchClock,
  frontend: benchFrontend,
  load: benchLoad,
  repair: benchRepair,
  web: benchWeb,
};

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in benchmarks));
if (unknown.length > 0 || names.length === 0) {
  console.error(
    `usage: npm run bench -- <${Object.keys(benchmarks).join('|')}> ...${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`,
  );
  process.exit(2);
}
const etcd = await startEtcd();
try {
  for (const name of names) {
    console.log(`== bench ${name} (etcd ${etcd.endpoints[0]}, node ${process.version}) ==\n`);
    await benchmarks[name]!(etcd);
  }
} finally {
  await etcd.stop();
}
