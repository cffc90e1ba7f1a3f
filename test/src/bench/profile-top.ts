import fs from 'node:fs';
import path from 'node:path';
import { repo } from '../system/processes.js';
import { fmt, table } from './stats.js';

// `node test/dist/src/bench/profile-top.js <dir> [top]`: where the time of the
// idle ticks goes, per process, from the profiles a
// `CHAMBER_BENCH_SYSTEM_PROFILE=<dir> npm run bench -- system` run wrote
// there. Only the samples inside the idle phase (window.json) count: the
// top self-time functions, the busy time by package and by the nearest
// Chamber function on the stack (what in Chamber caused it), as shares of the
// samples that were not idle. V8 samples in wall time, so on a loaded machine
// a thread that waits for a core still counts as busy: the ms per tick given
// is each share of the process's CPU time per tick (user + system, /proc).

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

interface Window {
  readonly startUs: number;
  readonly endUs: number;
  readonly ticks: number;
  readonly processes: Array<{ name: string; pid: number }>;
  /** CPU (ms) of each process over the window, from /proc. */
  readonly cpuMs: Record<string, number>;
}

const dir = process.argv[2];
const top = Number(process.argv[3] ?? 10);
if (dir === undefined) {
  console.error('usage: node test/dist/src/bench/profile-top.js <profile dir> [top]');
  process.exit(2);
}
const window = JSON.parse(fs.readFileSync(path.join(dir, 'window.json'), 'utf8')) as Window;

/** `clients/store/dist/src/watch.js` or `@grpc/grpc-js/build/src/…` or `node:internal/…`. */
function shortUrl(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) return file.slice(modules + '/node_modules/'.length);
  return file.startsWith(repo) ? file.slice(repo.length + 1) : file;
}

/** Whether a frame is Chamber's own code (not a dependency's, Node's or V8's). */
function isChamber(url: string): boolean {
  const short = shortUrl(url);
  return (
    url !== '' &&
    !short.startsWith('node:') &&
    !short.startsWith('/') &&
    !url.includes('/node_modules/')
  );
}

/** The package a frame belongs to: an npm package, a Chamber folder, Node itself, or V8's own. */
function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const short = shortUrl(url);
  // node:internal/http2/core -> node:internal/http2 (gRPC's transport), node:events, …
  if (short.startsWith('node:')) return short.replace(/^(node:internal\/[^/]+)\/.*$/, '$1');
  if (url.includes('/node_modules/') && !/^@chamber\//.test(short)) {
    // The npm package: `@scope/name` or `name`.
    return /^(@[^/]+\/)?[^/]*/.exec(short)![0];
  }
  // A Chamber folder: `services/inventory/dist/…` -> `services/inventory`.
  return /^[^/]*(\/[^/]*)?/.exec(short)![0];
}

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  // CPU.<pid>.cpuprofile (cpu-profile.ts)
  const pid = Number(file.split('.')[1]);
  const name = window.processes.find((p) => p.pid === pid)?.name ?? `pid ${pid}`;
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  // Time by the nearest Chamber function on the stack: what in Chamber made it (the
  // gRPC, etcd3 and Node work it called included).
  const chamberUs = new Map<string, number>();
  const frameKey = (frame: ProfileNode['callFrame']): string =>
    `${frame.functionName || '(anonymous)'} ${frame.url === '' ? '' : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`}`;
  const selfUs = new Map<string, number>();
  const areaUs = new Map<string, number>();
  let busyUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    // A sample stands for the time until the next one.
    const span = profile.timeDeltas[i + 1] ?? 0;
    if (t < window.startUs || t > window.endUs) continue;
    const frame = nodes.get(profile.samples[i]!)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busyUs += span;
    const key = frameKey(frame);
    selfUs.set(key, (selfUs.get(key) ?? 0) + span);
    const area = areaOf(frame.url, frame.functionName);
    areaUs.set(area, (areaUs.get(area) ?? 0) + span);
    let id: number | undefined = profile.samples[i];
    while (id !== undefined && !isChamber(nodes.get(id)!.callFrame.url)) id = parents.get(id);
    const caller = id === undefined ? '(no Chamber frame)' : frameKey(nodes.get(id)!.callFrame);
    chamberUs.set(caller, (chamberUs.get(caller) ?? 0) + span);
  }
  if (busyUs === 0) continue;
  const share = (us: number): string => `${fmt((100 * us) / busyUs, 1)} %`;
  const cpuPerTick = (window.cpuMs[name] ?? Number.NaN) / window.ticks;
  const perTick = (us: number): string => fmt((us / busyUs) * cpuPerTick, 3);
  console.log(
    `\n== ${name} (pid ${pid}): ${fmt(cpuPerTick)} ms CPU per idle tick (${window.ticks} ticks), ` +
      `${fmt(busyUs / 1000 / window.ticks)} ms sampled busy ==`,
  );
  console.log(
    table([
      ['self time', 'share', '≈ ms CPU/tick'],
      ...[...selfUs]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, us]) => [key, share(us), perTick(us)]),
    ]),
  );
  console.log(
    table([
      ['by package', 'share', '≈ ms CPU/tick'],
      ...[...areaUs]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([key, us]) => [key, share(us), perTick(us)]),
    ]),
  );
  console.log(
    table([
      ['by nearest Chamber function', 'share', '≈ ms CPU/tick'],
      ...[...chamberUs]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, us]) => [key, share(us), perTick(us)]),
    ]),
  );
}
