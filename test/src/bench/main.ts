import { startEtcd } from '@chamber/etcd-process';
import { benchBurst } from './burst.js';
import { benchClock } from './clock.js';
import { benchFrontend } from './frontend.js';
import { benchHistory } from './history.js';
import { benchLarge } from './large.js';
import { benchLoad } from './load.js';
import { benchMemory } from './memory.js';
import { benchRepair } from './repair.js';
import { summaryTable, type Benchmark, type BenchRow } from './rows.js';
import { benchScale } from './scale.js';
import { benchSystem } from './system.js';
import { benchWeb } from './web.js';
import { benchWorkloads } from './workloads.js';

// `npm run bench -- [name ...]`: each benchmark prints its figures and ratios
// against a baseline measured in the same run, on a private etcd, and the
// rows it judges end in one summary table with PASS/FAIL. No name: all of them.
const benchmarks: Record<string, Benchmark<Awaited<ReturnType<typeof startEtcd>>>> = {
  burst: benchBurst,
  clock: benchClock,
  frontend: benchFrontend,
  history: benchHistory,
  large: benchLarge,
  load: benchLoad,
  memory: benchMemory,
  repair: benchRepair,
  scale: benchScale,
  system: benchSystem,
  web: benchWeb,
  workloads: benchWorkloads,
};

const asked = process.argv.slice(2);
const names = asked.length === 0 ? Object.keys(benchmarks) : asked;
const unknown = names.filter((n) => !(n in benchmarks));
if (unknown.length > 0) {
  console.error(
    `usage: npm run bench -- [${Object.keys(benchmarks).join('|')} ...] (none: all); unknown: ${unknown.join(', ')}`,
  );
  process.exit(2);
}
const rows: BenchRow[] = [];
const etcd = await startEtcd();
try {
  for (const name of names) {
    console.log(`== bench ${name} (etcd ${etcd.endpoints[0]}, node ${process.version}) ==\n`);
    rows.push(...((await benchmarks[name]!(etcd)) ?? []));
  }
} finally {
  await etcd.stop();
}
if (rows.length > 0) {
  console.log(`\n== summary ==\n\n${summaryTable(rows)}`);
  if (rows.some((r) => r.isMet === false)) process.exitCode = 1;
}
