import { ApiClient } from '@chamber/api';
import { ClockClient } from '@chamber/clock-client';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import { Policy, TickRecord } from '@chamber/protos';
import { op, Store } from '@chamber/store';
import { budgets, freePortRun } from '@chamber/testing';
import { keys } from '@chamber/world';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { repo, startHttpFloorProcess, type Child } from '../system/processes.js';
import type { BenchRow } from './rows.js';
import { fmt, quantile, table } from './stats.js';

// The whole simulator as `npm start` runs it (the launcher's own main.js,
// every service its own process, the `standard` sample), on the bench's etcd,
// measured with nothing happening: the settled idle tick, the CPU all its
// processes spend per idle tick, and sequential REST steps. Issue 16.

const rounds = 3;
/** Ticks per round of each idle figure, after `warmupTicks` not counted. */
const idleTicks = 200;
const warmupTicks = 20;
/** Sequential REST steps per round, after `warmupTicks`. */
const restSteps = 150;
/** Bare HTTP round trips per round. */
const floorRequests = 1_000;
/** Ticks run under no-wait per check while waiting for the world to come to rest. */
const restChunk = 50;
/** Chunks that may still change the world before the bench gives up waiting for rest. */
const maxRestChunks = 40;
const adminPassword = 'system bench horse battery';

const goals = { tickP50Ms: 5, tickToBare: 1.5, cpuMsPerTick: 5, restStepsPerSecond: 336 };

/** Figures of one round. */
interface Round {
  /** Step(1) over gRPC to its answer (ms), one per idle tick. */
  readonly tickMs: number[];
  /** Participants expected at each of those ticks (`clock/tick.expected`). */
  readonly expected: number[];
  /** The bare lockstep round of the same participant counts (ms). */
  readonly bareMs: number[];
  /** CPU (ms) of etcd and the bare round's clients per bare round. */
  readonly bareCpuMs: number;
  /** CPU (ms) per process over `idleTicks` idle ticks. */
  readonly cpuMs: Map<string, number>;
  /** `POST /clock/step {"count":1}` to its answer (ms). */
  readonly restMs: number[];
  /** A POST to a bare Node HTTP server to its answer (ms). */
  readonly floorMs: number[];
}

/**
 * `npm run bench -- system`: starts the launcher (deploy/local) as `npm start`
 * does, with the `standard` definition, under a simulation of its own on
 * `etcd`, waits until the world is at rest, then measures in each of three
 * rounds: idle ticks stepped one by one over gRPC, against a bare lockstep
 * round of the participants those ticks expected; the CPU of every process
 * (etcd, the launcher, each service) across idle ticks; and sequential REST
 * steps, against a bare Node HTTP round trip. With
 * `CHAMBER_BENCH_SYSTEM_PROFILE=<dir>` the services named in
 * `CHAMBER_BENCH_SYSTEM_PROFILE_SERVICES` (default `stepper,inventory`) are
 * profiled (cpu-profile.ts) and write their profiles there; only idle ticks are
 * run, nothing is judged, and `window.json` there says when they ran (see
 * profile-top.ts).
 */
export async function benchSystem(etcd: EtcdProcess): Promise<BenchRow[]> {
  const profileDir = process.env['CHAMBER_BENCH_SYSTEM_PROFILE'];
  const system = await startSystem(etcd, profileDir);
  let floor: Child | undefined;
  try {
    const floorPort = await freePort();
    floor = startHttpFloorProcess(floorPort);
    await floor.waitForLine(/http floor serving/);
    const start = await comeToRest(system);
    console.log(
      `world at rest at tick ${start.tick} (digest unchanged over ${restChunk} ticks), ` +
        `${start.participants.length} participant(s): ${start.participants.join(', ')}`,
    );
    const processes = system.processes();
    console.log(
      `processes: ${processes.map((p) => `${p.name} (${p.pid})`).join(', ')}; CPU clock ${clockTicksPerSecond} Hz\n`,
    );
    if (profileDir !== undefined) {
      await profileIdle(system, processes, profileDir);
      return [];
    }
    const floorUrl = `http://127.0.0.1:${floorPort}/`;
    const done: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const idle = await idleTickRound(system);
      const bare = await bareLockstep(system.endpoints, etcd.pid, idle.expected);
      const cpuMs = await cpuRound(system, processes);
      const restMs = await sequentialPosts(system.stepUrl, system.token, restSteps);
      const floorMs = await sequentialPosts(floorUrl, undefined, floorRequests);
      done.push({
        ...idle,
        bareMs: bare.ms,
        bareCpuMs: bare.cpuMsPerRound,
        cpuMs,
        restMs,
        floorMs,
      });
      console.log(
        `round ${r + 1}: idle tick p50 ${fmt(quantile(idle.tickMs, 0.5))} ms, bare ${fmt(quantile(bare.ms, 0.5))} ms, ` +
          `CPU ${fmt(sum(cpuMs.values()) / idleTicks)} ms/tick, REST step p50 ${fmt(quantile(restMs, 0.5))} ms`,
      );
    }
    const end = await system.clock.getStatus();
    const isIdle = end.digest === start.digest;
    console.log(
      isIdle
        ? `\nthe world did not change over the measured ticks (${start.tick} to ${end.tick}: same digest)`
        : `\n! the world changed between tick ${start.tick} and ${end.tick}: these ticks were not all idle`,
    );
    return report(done, processes, isIdle);
  } finally {
    await floor?.kill('SIGTERM');
    await system.stop();
  }
}

/** The running simulator. */
interface System {
  readonly endpoints: string[];
  readonly simulation: string;
  readonly clock: ClockClient;
  /** The real route of `POST /clock/step`, on this frontend. */
  readonly stepUrl: string;
  /** A bearer token of the admin. */
  readonly token: string;
  /** Every process of the simulator, etcd first: what its CPU is summed over. */
  processes(): Array<{ name: string; pid: number }>;
  /** Stops the launcher (which stops its services) and kills whatever is left. */
  stop(): Promise<void>;
}

/**
 * Starts deploy/local's main.js, as `npm start` does, on `etcd` (an external
 * etcd to the launcher), on free ports, and logs in to its frontend.
 */
async function startSystem(etcd: EtcdProcess, profileDir: string | undefined): Promise<System> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-bench-system-'));
  const endpoints = [...etcd.endpoints];
  const simulation = `bench-system-${randomBytes(3).toString('hex')}`;
  const httpPort = await freePortRun(1);
  const first = await freePortRun(8, 61_000);
  if (profileDir !== undefined) fs.mkdirSync(profileDir, { recursive: true });
  const launcher = spawn(process.execPath, [path.join(repo, 'deploy/local/dist/src/main.js')], {
    env: {
      ...process.env,
      CHAMBER_ETCD_ENDPOINTS: endpoints.join(','),
      CHAMBER_SIMULATION: simulation,
      CHAMBER_LOCAL_DIR: path.join(dir, 'local'),
      CHAMBER_LOCAL_PORT_OFFSET: String(first - 50_051),
      CHAMBER_LOCAL_HTTP_PORT: String(httpPort),
      CHAMBER_FRONTEND_ADMIN_PASSWORD: adminPassword,
      CHAMBER_INVENTORY_DEFINITION: 'standard',
      ...(profileDir === undefined
        ? {}
        : {
            // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preload profiles instead.
            NODE_OPTIONS: `--import=${pathToFileURL(path.join(repo, 'test/dist/src/bench/cpu-profile.js')).href}`,
            CHAMBER_BENCH_CPU_PROFILE_DIR: path.resolve(profileDir),
            CHAMBER_BENCH_CPU_PROFILE_SERVICES:
              process.env['CHAMBER_BENCH_SYSTEM_PROFILE_SERVICES'] ?? 'stepper,inventory',
          }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const lines = [launcher.stdout, launcher.stderr].map((s) =>
    readline.createInterface({ input: s }),
  );
  const exited = new Promise<void>((resolve) => launcher.once('close', () => resolve()));
  const pidFile = path.join(dir, 'local', 'launcher.json');
  const children = (): number[] => {
    try {
      return (JSON.parse(fs.readFileSync(pidFile, 'utf8')) as { children: number[] }).children;
    } catch {
      return [];
    }
  };
  let clock: ClockClient | undefined;
  let seen: number[] = [];
  const stop = async (): Promise<void> => {
    clock?.close();
    seen = [...new Set([...seen, ...children()])];
    if (launcher.exitCode === null && launcher.signalCode === null) {
      launcher.kill('SIGTERM');
      const timer = setTimeout(() => launcher.kill('SIGKILL'), budgets.waitMs);
      await exited;
      clearTimeout(timer);
    }
    // Each service runs in a process group of its own: kill any group left,
    // only while its leader is still one of ours (a pid may have been reused).
    for (const pid of seen) {
      try {
        const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        if (environ.includes(`CHAMBER_SIMULATION=${simulation}`)) process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const running = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`the launcher did not start within ${budgets.startMs} ms:\n${output}`)),
        budgets.startMs,
      );
      for (const l of lines) {
        l.on('line', (line) => {
          output += `${line}\n`;
          if (line.startsWith('Chamber is running')) {
            clearTimeout(timer);
            resolve(line);
          }
        });
      }
      launcher.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the launcher exited (${code}):\n${output}`));
      });
    });
    seen = children();
    const ready = /(\d+) of (\d+) service/.exec(running);
    if (ready === null || ready[1] !== ready[2]) {
      throw new Error(`not every service is ready:\n${output}`);
    }
    // A call that waits longer than a wait's budget means the system is stuck.
    clock = ClockClient.connect(`127.0.0.1:${first}`, { waitTimeoutMs: budgets.waitMs });
    const baseUrl = `http://127.0.0.1:${httpPort}`;
    const login = await new ApiClient({ baseUrl }).call('logIn', {
      body: { user: 'admin', password: adminPassword },
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (cookie === undefined) throw new Error('no session cookie from the log-in');
    const { body: created } = await new ApiClient({ baseUrl, cookie }).call<{ token: string }>(
      'createToken',
      { body: { name: 'bench-system' } },
    );
    const etcdPid = etcd.pid;
    return {
      endpoints,
      simulation,
      clock,
      stepUrl: new ApiClient({ baseUrl }).url('step'),
      token: created.token,
      processes: () => [
        { name: 'etcd', pid: etcdPid },
        { name: 'launcher', pid: launcher.pid! },
        ...children().map((pid) => ({ name: serviceName(pid), pid })),
      ],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `stepper` for a process running services/stepper/dist/src/main.js. */
function serviceName(pid: number): string {
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  return /services\/([^/]+)\/dist\//.exec(cmdline)?.[1] ?? `pid ${pid}`;
}

/**
 * Runs the clock under no-wait, `restChunk` ticks at a time, until a chunk
 * leaves the world digest unchanged (every blade booted, nothing due that
 * changes anything), then sets it manual.
 */
async function comeToRest(system: System) {
  const { clock } = system;
  let status = await clock.waitForTick(0);
  await clock.setPolicy(Policy.POLICY_NO_WAIT);
  for (let i = 0; ; i++) {
    const before = status.digest;
    status = await clock.runUntil(status.settledTick + restChunk);
    if (status.digest === before) break;
    if (i === maxRestChunks) {
      throw new Error(`the world still changes after ${maxRestChunks * restChunk} ticks`);
    }
  }
  await clock.setPolicy(Policy.POLICY_MANUAL);
  return clock.getStatus();
}

/** Steps `idleTicks` (after warm-up) one at a time over gRPC; reads who each tick expected. */
async function idleTickRound(system: System): Promise<{ tickMs: number[]; expected: number[] }> {
  const store = await Store.connect({ endpoints: system.endpoints, simulation: system.simulation });
  const expectedAt = new Map<number, number>();
  const watch = await store.watch(keys.clockTick, {}, (events) => {
    for (const e of events) {
      if (e.key !== keys.clockTick || e.value === undefined) continue;
      const record = TickRecord.fromJSON(JSON.parse(e.value));
      expectedAt.set(record.tick, record.expected.length);
    }
  });
  try {
    const tickMs: number[] = [];
    const ticks: number[] = [];
    for (let i = 0; i < warmupTicks + idleTicks; i++) {
      const start = performance.now();
      const status = await system.clock.step(1);
      if (i >= warmupTicks) {
        tickMs.push(performance.now() - start);
        ticks.push(status.settledTick);
      }
    }
    // The watch may trail the last answers by a moment: wait for it, not for time.
    const last = ticks[ticks.length - 1]!;
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (expectedAt.has(last)) resolve();
        else setImmediate(check);
      };
      check();
    });
    return { tickMs, expected: ticks.map((t) => expectedAt.get(t) ?? 0) };
  } finally {
    await watch.cancel();
    store.close();
  }
}

/**
 * The floor of a manual step with these participants: per round, one client
 * puts `tick`; `expected[i]` writers on another client, woken by one watch,
 * each put `ack/<j>`; once the first client has seen them all (with none:
 * its own `tick`) it puts `settled` and the round ends when it sees that.
 * The protocol's writes (publish, acks, settle) with none of its bookkeeping,
 * as the clock benchmark's bare round, plus the settle write a manual step
 * waits for. One duration (ms) per entry of `expected`.
 */
async function bareLockstep(
  endpoints: string[],
  etcdPid: number,
  expected: number[],
): Promise<{ ms: number[]; cpuMsPerRound: number }> {
  const simulation = `bench-system-bare-${randomBytes(3).toString('hex')}`;
  const clock = await Store.connect({ endpoints, simulation });
  const parts = await Store.connect({ endpoints, simulation });
  const ms: number[] = [];
  let round = 0;
  let start = 0;
  let acks = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const writers = (): number => expected[round % expected.length]!;
  let cpuStart = 0;
  let ownStart = process.cpuUsage();
  const publish = (): void => {
    if (round === warmupTicks) {
      cpuStart = cpuOf(etcdPid);
      ownStart = process.cpuUsage();
    }
    acks = 0;
    start = performance.now();
    void clock.txn([], [op.putRaw('tick', String(round))]);
  };
  const wake = await parts.watch('tick', {}, (events) => {
    const tick = events[events.length - 1]!.value!;
    for (let j = 0; j < writers(); j++) void parts.txn([], [op.putRaw(`ack/${j}`, tick)]);
  });
  const seen = await clock.watch('', {}, (events) => {
    for (const e of events) {
      if (e.key === 'settled') {
        ms.push(performance.now() - start);
        round++;
        if (round < warmupTicks + expected.length) publish();
        else done();
      } else if (e.key.startsWith('ack/')) {
        if (++acks === writers()) void clock.txn([], [op.putRaw('settled', String(round))]);
      } else if (e.key === 'tick' && writers() === 0) {
        void clock.txn([], [op.putRaw('settled', String(round))]);
      }
    }
  });
  publish();
  await finished;
  const cpuEnd = cpuOf(etcdPid);
  const ownEnd = process.cpuUsage(ownStart);
  await seen.cancel();
  await wake.cancel();
  clock.close();
  parts.close();
  const ownMs = (ownEnd.user + ownEnd.system) / 1000;
  return {
    ms: ms.slice(warmupTicks),
    cpuMsPerRound: (cpuEnd - cpuStart + ownMs) / expected.length,
  };
}

/**
 * The idle phase under the profiler: `rounds` times `idleTicks` idle ticks
 * stepped over gRPC, the CPU of each process over them printed, and their
 * window on the monotonic clock (the one V8 stamps profile samples with,
 * in µs) written to `<profileDir>/window.json` with each process's pid, so a
 * profile can be cut to the idle ticks.
 */
async function profileIdle(
  system: System,
  processes: Array<{ name: string; pid: number }>,
  profileDir: string,
): Promise<void> {
  for (let i = 0; i < warmupTicks; i++) await system.clock.step(1);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const ticks = rounds * idleTicks;
  const cpu = await cpuRound(system, processes, ticks);
  const endUs = Number(process.hrtime.bigint() / 1000n);
  fs.writeFileSync(
    path.join(profileDir, 'window.json'),
    JSON.stringify({ startUs, endUs, ticks, processes, cpuMs: Object.fromEntries(cpu) }),
  );
  console.log(
    `${ticks} idle ticks under the profiler in ${fmt((endUs - startUs) / 1000 / ticks)} ms each; CPU per tick:\n` +
      table([
        ['process', 'ms per tick'],
        ...[...cpu].map(([name, ms]) => [name, fmt(ms / ticks)]),
        ['all together', fmt(sum(cpu.values()) / ticks)],
      ]),
  );
}

/** CPU (ms) each process spends over `ticks` idle ticks stepped one at a time over gRPC. */
async function cpuRound(
  system: System,
  processes: Array<{ name: string; pid: number }>,
  ticks = idleTicks,
): Promise<Map<string, number>> {
  for (let i = 0; i < warmupTicks; i++) await system.clock.step(1);
  const before = processes.map((p) => cpuOf(p.pid));
  for (let i = 0; i < ticks; i++) await system.clock.step(1);
  const after = processes.map((p) => cpuOf(p.pid));
  const cpu = new Map<string, number>();
  processes.forEach((p, i) => cpu.set(p.name, (cpu.get(p.name) ?? 0) + after[i]! - before[i]!));
  return cpu;
}

const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** User + system CPU (ms) of `pid` so far, from /proc/<pid>/stat. */
function cpuOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name (in parentheses): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
}

/**
 * `count` POSTs of `{"count":1}` to `url` (after `warmupTicks`), one after
 * the other on a keep-alive connection; the time of each (ms).
 */
async function sequentialPosts(
  url: string,
  token: string | undefined,
  count: number,
): Promise<number[]> {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
  const ms: number[] = [];
  for (let i = 0; i < warmupTicks + count; i++) {
    const start = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body: '{"count":1}',
      signal: AbortSignal.timeout(budgets.waitMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text}`);
    if (i >= warmupTicks) ms.push(performance.now() - start);
  }
  return ms;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Prints the detail (medians of the rounds) and returns the three rows of issue 16. */
function report(
  done: Round[],
  processes: Array<{ name: string; pid: number }>,
  isIdle: boolean,
): BenchRow[] {
  const of = (f: (r: Round) => number): number => median(done.map(f));
  const tickP50 = of((r) => quantile(r.tickMs, 0.5));
  const tickP99 = of((r) => quantile(r.tickMs, 0.99));
  const bareP50 = of((r) => quantile(r.bareMs, 0.5));
  const bareP99 = of((r) => quantile(r.bareMs, 0.99));
  const expected = done.flatMap((r) => r.expected);
  const counts = new Map<number, number>();
  for (const n of expected) counts.set(n, (counts.get(n) ?? 0) + 1);
  const expectedWords = [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([n, c]) => `${n} participant(s) at ${c} tick(s)`)
    .join(', ');
  console.log(
    `\nidle tick, Step(1) over gRPC to its answer (median of ${rounds} rounds of ${idleTicks} ticks):\n` +
      table([
        ['', 'p50 ms', 'p99 ms', 'ticks/s'],
        [
          'settled idle tick',
          fmt(tickP50),
          fmt(tickP99),
          fmt(
            of((r) => (1000 * r.tickMs.length) / sum(r.tickMs)),
            0,
          ),
        ],
        [
          'bare lockstep round',
          fmt(bareP50),
          fmt(bareP99),
          fmt(
            of((r) => (1000 * r.bareMs.length) / sum(r.bareMs)),
            0,
          ),
        ],
      ]) +
      `\n(expected at those ticks: ${expectedWords}; ratio ${fmt(tickP50 / bareP50, 1)}x the bare round)`,
  );

  const names = [...new Set(processes.map((p) => p.name))];
  const perTick = (r: Round, name?: string): number =>
    (name === undefined ? sum(r.cpuMs.values()) : (r.cpuMs.get(name) ?? 0)) / idleTicks;
  const cpuTotal = of((r) => perTick(r));
  const bareCpu = of((r) => r.bareCpuMs);
  console.log(
    `\nCPU per idle tick, user + system from /proc/<pid>/stat (median of ${rounds} rounds of ${idleTicks} ticks):\n` +
      table([
        ['process', 'ms per tick'],
        ...names.map((n) => [n, fmt(of((r) => perTick(r, n)))]),
        ['all together', fmt(cpuTotal)],
        ['bare lockstep round (etcd and its clients)', fmt(bareCpu)],
      ]) +
      `\n(ratio ${fmt(cpuTotal / bareCpu, 1)}x the bare round's CPU)`,
  );

  const rows: BenchRow[] = [
    {
      figure: 'settled tick p50, full system, nothing happening',
      value: `${fmt(tickP50)} ms p50, ${fmt(tickP99)} ms p99`,
      baseline: `bare round ${fmt(bareP50)} ms, ${fmt(tickP50 / bareP50, 1)}x`,
      goal: `<= ${goals.tickP50Ms} ms and <= ${goals.tickToBare}x`,
      isMet: isIdle && tickP50 <= goals.tickP50Ms && tickP50 <= goals.tickToBare * bareP50,
    },
    {
      figure: 'CPU per idle tick, all processes together',
      value: `${fmt(cpuTotal)} ms`,
      baseline: `bare round ${fmt(bareCpu)} ms, ${fmt(cpuTotal / bareCpu, 1)}x`,
      goal: `<= ${goals.cpuMsPerTick} ms`,
      isMet: isIdle && cpuTotal <= goals.cpuMsPerTick,
    },
  ];
  const restRate = of((r) => (1000 * r.restMs.length) / sum(r.restMs));
  const restP50 = of((r) => quantile(r.restMs, 0.5));
  const grpcRate = of((r) => (1000 * r.tickMs.length) / sum(r.tickMs));
  const floorRate = of((r) => (1000 * r.floorMs.length) / sum(r.floorMs));
  const floorP50 = of((r) => quantile(r.floorMs, 0.5));
  console.log(
    `\nsequential steps from one client (median of ${rounds} rounds; REST ${restSteps} steps, bare HTTP ${floorRequests} POSTs):\n` +
      table([
        ['', 'steps/s', 'p50 ms', 'p99 ms'],
        [
          'REST POST /api/v1/clock/step {"count":1}',
          fmt(restRate, 0),
          fmt(restP50),
          fmt(of((r) => quantile(r.restMs, 0.99))),
        ],
        ['gRPC Step(1)', fmt(grpcRate, 0), fmt(tickP50), fmt(tickP99)],
        [
          'bare Node HTTP POST',
          fmt(floorRate, 0),
          fmt(floorP50),
          fmt(of((r) => quantile(r.floorMs, 0.99))),
        ],
      ]),
  );
  rows.push({
    figure: 'sequential REST POST /clock/step {"count":1}, standard',
    value: `${fmt(restRate, 0)} steps/s (p50 ${fmt(restP50)} ms)`,
    baseline: `gRPC ${fmt(grpcRate, 0)}/s (${fmt(restRate / grpcRate, 2)}x), bare HTTP ${fmt(floorRate, 0)}/s`,
    goal: `>= ${goals.restStepsPerSecond} steps/s`,
    isMet: restRate >= goals.restStepsPerSecond,
  });
  return rows;
}
