import { ClockClient } from '@chamber/clock-client';
import { startEtcd } from '@chamber/etcd-process';
import { budgets, freePortRun } from '@chamber/testing';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repo } from '../system/processes.js';
import type { BenchRow } from './rows.js';
import { fmt, table } from './stats.js';

/** The launcher's layouts (`CHAMBER_LOCAL_LAYOUT`). */
type Layout = 'processes' | 'single';

/** The launcher's gRPC ports: one port offset moves them all (50051 to 50058). */
const grpcPorts = 8;

/**
 * What a service process imports, cheapest first: each is measured in a Node
 * process that imports only it (a bare one is the first row).
 */
const imports = [
  '@grpc/grpc-js',
  '@opentelemetry/sdk-trace-base',
  '@chamber/telemetry',
  '@chamber/grpc',
  '@chamber/protos',
  '@chamber/trace-client',
  'etcd3',
  '@chamber/store',
  '@chamber/host',
];

/** The issue's goal for the whole system's RSS after start (`standard`). */
const goalMiB = 600;
/** Ticks stepped after start before measuring, and between the samples. */
const ticksPerSample = 5;
/** Samples of the whole tree's memory, a few ticks apart; each process's median is reported. */
const samples = 3;

/** One process's memory, from /proc. */
interface ProcessMemory {
  readonly pid: number;
  readonly what: string;
  readonly rssMiB: number;
  /** Its proportional share of pages it shares with others (`Pss`). */
  readonly pssMiB: number;
  /**
   * Its anonymous memory (`Anonymous`): the V8 heap, malloc, thread stacks;
   * the rest of its RSS is file pages (Node's own code), shared by every
   * Node process.
   */
  readonly anonMiB: number;
}

/**
 * Whole-system memory of `npm start` (the launcher's own `main.js`, the
 * `standard` definition), in each layout: the launcher is started on free
 * ports with a private etcd, waited on until every service is ready, the
 * clock stepped a few ticks, and the RSS of every process in its tree
 * (launcher, services, etcd) summed. The baseline, in the same run: as many
 * bare Node processes as the tree holds, plus a fresh etcd.
 */
export async function benchMemory(): Promise<readonly BenchRow[]> {
  printImportCosts();
  const rows: BenchRow[] = [];
  // `CHAMBER_BENCH_MEMORY_LAYOUT=processes` measures one layout only.
  const asked = process.env['CHAMBER_BENCH_MEMORY_LAYOUT'];
  const layouts: readonly Layout[] =
    asked === 'processes' || asked === 'single' ? [asked] : ['processes', 'single'];
  for (const layout of layouts) {
    const tree = await measureLaunch(layout);
    const nodes = tree.filter((p) => p.what !== 'etcd').length;
    const base = await measureBaseline(nodes);
    console.log(
      `layout ${layout}: the launcher's tree after start + ${samples * ticksPerSample} ticks`,
    );
    console.log(
      table([
        ['process', 'pid', 'RSS MiB', 'PSS MiB', 'anonymous MiB'],
        ...tree.map((p) => [
          p.what,
          String(p.pid),
          fmt(p.rssMiB, 1),
          fmt(p.pssMiB, 1),
          fmt(p.anonMiB, 1),
        ]),
        [
          'total',
          '',
          fmt(sum(tree, 'rssMiB'), 1),
          fmt(sum(tree, 'pssMiB'), 1),
          fmt(sum(tree, 'anonMiB'), 1),
        ],
      ]),
    );
    console.log(
      `baseline: ${nodes} bare Node process(es) ${base
        .filter((p) => p.what !== 'etcd')
        .map((p) => fmt(p.rssMiB, 1))
        .join(
          ', ',
        )} MiB + a fresh etcd ${fmt(base.find((p) => p.what === 'etcd')?.rssMiB ?? 0, 1)} MiB\n`,
    );
    const total = sum(tree, 'rssMiB');
    const floor = sum(base, 'rssMiB');
    rows.push({
      figure: `whole-system RSS, standard, after start (layout ${layout})`,
      value: `${fmt(total, 0)} MiB (PSS ${fmt(sum(tree, 'pssMiB'), 0)})`,
      baseline: `${nodes} bare Node + etcd ${fmt(floor, 0)} MiB, ${fmt(total / floor, 2)}x`,
      goal: `<= ${goalMiB} MiB`,
      isMet: total <= goalMiB,
    });
  }
  return rows;
}

/** Starts the launcher in `layout`, steps the clock, and reads its tree's memory (medians of a few samples). */
async function measureLaunch(layout: Layout): Promise<ProcessMemory[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-bench-memory-'));
  const stepperPort = await freePortRun(grpcPorts, 61_000);
  const low = await freePortRun(3);
  const launcher = spawn(process.execPath, [path.join(repo, 'deploy/local/dist/src/main.js')], {
    env: {
      ...process.env,
      CHAMBER_LOCAL_DIR: dir,
      CHAMBER_LOCAL_LAYOUT: layout,
      CHAMBER_LOCAL_ETCD_PORT: String(low),
      CHAMBER_LOCAL_ETCD_PEER_PORT: String(low + 1),
      CHAMBER_LOCAL_HTTP_PORT: String(low + 2),
      CHAMBER_LOCAL_PORT_OFFSET: String(stepperPort - 50051),
      CHAMBER_SIMULATION: 'bench-memory',
      CHAMBER_INVENTORY_DEFINITION: 'standard',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await outputLine(launcher, /Chamber is running: .*, (\d+) of (\d+) service\(s\) ready/, (m) =>
      m[1] === m[2] ? undefined : `not every service is ready: ${m[0]}`,
    );
    const clock = ClockClient.connect(`127.0.0.1:${stepperPort}`);
    const taken: ProcessMemory[][] = [];
    try {
      for (let i = 0; i < samples; i++) {
        await clock.step(ticksPerSample);
        taken.push(treeOf(launcher.pid ?? -1).map(memoryOf));
      }
    } finally {
      clock.close();
    }
    return taken[0]!.map((p) => {
      const same = taken.map((t) => t.find((q) => q.pid === p.pid) ?? p);
      return {
        ...p,
        rssMiB: median(same.map((q) => q.rssMiB)),
        pssMiB: median(same.map((q) => q.pssMiB)),
        anonMiB: median(same.map((q) => q.anonMiB)),
      };
    });
  } finally {
    const exited = new Promise((resolve) => launcher.once('exit', resolve));
    launcher.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the RSS of a Node process importing only each of {@link imports} (median of three). */
function printImportCosts(): void {
  const rssOf = (module: string | undefined): number => {
    const code = `${module === undefined ? '' : `await import(${JSON.stringify(module)});`}
      process.stdout.write(String(process.memoryUsage().rss));`;
    const taken = Array.from({ length: samples }, () =>
      Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', code], {
          cwd: repo,
        }).toString(),
      ),
    );
    return median(taken) / 1024 / 1024;
  };
  const bare = rssOf(undefined);
  console.log('a Node process importing only …');
  console.log(
    table([
      ['import', 'RSS MiB', 'over bare'],
      ['(nothing)', fmt(bare, 1), ''],
      ...imports.map((module) => {
        const rss = rssOf(module);
        return [module, fmt(rss, 1), `+${fmt(rss - bare, 1)}`];
      }),
    ]),
  );
  console.log('');
}

/** `count` bare Node processes (a timer keeps each alive) and a fresh etcd, measured together. */
async function measureBaseline(count: number): Promise<ProcessMemory[]> {
  const etcd = await startEtcd();
  const bare = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30); process.send?.("up")'], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  try {
    await Promise.all(
      bare.map((child) => new Promise((resolve) => child.once('message', resolve))),
    );
    const etcdPid = etcdPidOf(etcd.endpoints[0] ?? '');
    return [
      ...bare.map((child) => memoryOf(child.pid ?? -1)),
      ...(etcdPid === undefined ? [] : [memoryOf(etcdPid)]),
    ];
  } finally {
    for (const child of bare) child.kill('SIGKILL');
    await etcd.stop();
  }
}

/** Resolves with the first output line matching `pattern` (failing if `check` says why not, or on exit). */
function outputLine(
  child: ChildProcess,
  pattern: RegExp,
  check: (match: RegExpMatchArray) => string | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`the launcher did not print ${pattern} in time:\n${out}`)),
      budgets.startMs,
    );
    const onExit = (): void => reject(new Error(`the launcher exited:\n${out}`));
    child.once('exit', onExit);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (d: Buffer) => {
        out += d.toString();
        const match = out.match(pattern);
        if (match === null) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        const why = check(match);
        if (why === undefined) resolve();
        else reject(new Error(`${why}\n${out}`));
      });
    }
  });
}

/** `pid` and all its descendants, by each process's parent in /proc. */
function treeOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command may hold spaces and parentheses: the fields follow its last `)`.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parentOf) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** A process's RSS and PSS (MiB) and what it is (`etcd`, the service its entry names, `launcher`). */
function memoryOf(pid: number): ProcessMemory {
  const kib = (file: string, field: string): number => {
    try {
      const match = fs.readFileSync(file, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
      return match === null ? 0 : Number(match[1]);
    } catch {
      return 0;
    }
  };
  let args: string[] = [];
  try {
    args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    // gone meanwhile
  }
  const program = path.basename(args[0] ?? '');
  // The script, after any Node flags (the launcher gives its services some).
  const entry = args.slice(1).find((a) => !a.startsWith('-')) ?? '';
  const what =
    program === 'etcd'
      ? 'etcd'
      : (/services\/([^/]+)\/dist/.exec(entry)?.[1] ??
        (entry.endsWith('single.js')
          ? 'services (one process)'
          : entry.includes('deploy/local')
            ? 'launcher'
            : `node ${entry}`));
  return {
    pid,
    what,
    rssMiB: kib(`/proc/${pid}/status`, 'VmRSS') / 1024,
    pssMiB: kib(`/proc/${pid}/smaps_rollup`, 'Pss') / 1024,
    anonMiB: kib(`/proc/${pid}/smaps_rollup`, 'Anonymous') / 1024,
  };
}

/** The pid of the etcd listening at `endpoint`: the etcd process whose command line names its port. */
function etcdPidOf(endpoint: string): number | undefined {
  const port = new URL(endpoint).port;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (path.basename(args[0] ?? '') === 'etcd' && args.some((a) => a.endsWith(`:${port}`)))
        return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

const sum = (ps: readonly ProcessMemory[], key: 'rssMiB' | 'pssMiB' | 'anonMiB'): number =>
  ps.reduce((total, p) => total + p[key], 0);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
