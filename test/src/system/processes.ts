import { freePort } from '@chamber/etcd-process';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { shardEnv, envPrefix } from '@chamber/config';
import { shardParticipant, shardsOf } from '@chamber/world';
import type { ScenarioReport } from '@chamber/scenario';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

// The repository root: the nearest folder up with the workspaces' package.json
// (this file runs from test/src under vitest and from test/dist/src in benchmarks).
export const repo = (() => {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'tsconfig.base.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error('cannot find the repository root');
  }
})();

/**
 * The environment that preloads test/dist/src/fixtures/process-probe.js into
 * a process: it prints its longest event-loop stall and peak RSS every second.
 */
export const probeEnv = {
  NODE_OPTIONS: `--import=${path.join(repo, 'test/dist/src/fixtures/process-probe.js')}`,
};

/**
 * What the probe ({@link probeEnv}) printed in `child`'s output: the longest
 * event-loop stall in the seconds reported from `from` (epoch ms) on, and the
 * peak RSS (bytes).
 */
export function probed(child: Child, from: number): { stallMs: number; peakRss: number } {
  let stallMs = 0;
  let peakRss = 0;
  for (const line of child.output().split('\n')) {
    if (!line.startsWith('{"probe"')) continue;
    const p = JSON.parse(line) as { at: number; loopDelayMaxMs: number; maxRssBytes: number };
    if (p.at >= from) stallMs = Math.max(stallMs, p.loopDelayMaxMs);
    peakRss = Math.max(peakRss, p.maxRssBytes);
  }
  return { stallMs, peakRss };
}

/** Resolves once the probe ({@link probeEnv}) in `child` has reported a second ending after `from`. */
export async function probeAfter(child: Child, from: number): Promise<void> {
  const isReported = (): boolean =>
    child
      .output()
      .split('\n')
      .some((l) => l.startsWith('{"probe"') && (JSON.parse(l) as { at: number }).at >= from);
  while (!isReported()) {
    await new Promise((resolve) => child.process.stdout!.once('data', resolve));
  }
}

/** A child process started the way the launcher starts services. */
export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the first stdout/stderr line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Every stdout/stderr line so far (all of them once {@link kill} has resolved). */
  output(): string;
  /** Signals the process; resolves once it has exited and its output is read. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function start(entry: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [path.join(repo, entry), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const w of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    });
  }
  // 'close': exited, and stdout and stderr read to their end.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    process: child,
    waitForLine(pattern, timeoutMs = budgets.startMs) {
      const found = lines.find((l) => pattern.test(l));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({ pattern, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      });
    },
    output: () => lines.join('\n'),
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * A test stepper's patience: it waits at tick 0 for every expected
 * participant, and drops none that a loaded machine keeps from its lease
 * (`budgets.participantGraceSeconds`), so the run stays deterministic.
 */
export const patientStepperEnv = {
  CHAMBER_STEPPER_DROP_GRACE_SECONDS: String(budgets.participantGraceSeconds),
  CHAMBER_STEPPER_START_WAIT_SECONDS: String(budgets.participantGraceSeconds),
};

/** Starts a stepper process (services/stepper/dist/src/main.js) on `port`. */
export function startStepperProcess(options: {
  endpoints: string[];
  simulation: string;
  port: number;
  instance: string;
  extraEnv?: Record<string, string>;
}): Child {
  return start('services/stepper/dist/src/main.js', [], {
    CHAMBER_ETCD_ENDPOINTS: options.endpoints.join(','),
    CHAMBER_SIMULATION: options.simulation,
    CHAMBER_STEPPER_PORT: String(options.port),
    CHAMBER_STEPPER_INSTANCE: options.instance,
    CHAMBER_STEPPER_LEADER_TTL_SECONDS: '2',
    CHAMBER_STEPPER_DROP_GRACE_SECONDS: '0',
    CHAMBER_LOG_LEVEL: 'info',
    // Its spans go nowhere: 127.0.0.1:50058 may be a running Chamber's tracesink.
    CHAMBER_STEPPER_TRACESINK: '',
    ...options.extraEnv,
  });
}

/** The participant services a deployment runs, as the launcher names them. */
export const participantServices = [
  'inventory',
  'faults',
  'monitor',
  'inventory-repair',
  'scheduler',
  'workload-repair',
];

/**
 * Starts a simulation of its own the way `npm start` does on an empty
 * store, the stepper first (the worst case for it): a stepper told the
 * participants it runs, then every participant service, seeded with
 * `seed`, the inventory on the `standard` sample. Nothing is dropped and
 * nothing given up at start: on a loaded machine a participant may be slow
 * to start or to answer a tick; it is waited for. Each process's kill goes
 * on `cleanup`. Resolves once they all serve, with the stepper's port, each
 * participant's gRPC address, and `restart(name)`, which SIGKILLs that
 * participant and starts it again (on its port), resolving once it serves.
 */
export async function startSimulationProcesses(options: {
  label: string;
  seed: number;
  cleanup: Array<() => Promise<void> | void>;
  /** More environment for a service, by its name (e.g. the scheduler's strategy). */
  env?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * How many shards the inventory and the monitor run as (1 by default),
   * each its own process and participant (`inventory.0`, …), as the
   * launcher starts them; `address` gives the first shard's.
   */
  shards?: number;
  /** The etcd (every member of a cluster) it runs on; the test run's etcd when absent. */
  endpoints?: readonly string[];
}): Promise<{
  stepperPort: number;
  address: (name: string) => string;
  restart: (name: string) => Promise<void>;
  /** Its simulation and etcd, for a service started beside it. */
  simulation: string;
  endpoints: string[];
}> {
  const simulation = uniqueSimulation(options.label);
  const endpoints = options.endpoints === undefined ? etcdEndpoints() : [...options.endpoints];
  const env = { CHAMBER_SEED: String(options.seed) };
  const count = options.shards ?? 1;
  // Each process: its service, and its shard when the service is sharded.
  const processes = participantServices.flatMap((name) =>
    shardsOf(name, count).map((shard) => ({ name, shard })),
  );
  const stepperPort = await freePort();
  const stepper = startStepperProcess({
    endpoints,
    simulation,
    port: stepperPort,
    instance: options.label,
    extraEnv: {
      ...env,
      CHAMBER_STEPPER_PARTICIPANTS: processes
        .map(({ name, shard }) => shardParticipant(name, shard))
        .join(','),
      ...patientStepperEnv,
    },
  });
  options.cleanup.push(() => stepper.kill('SIGKILL'));
  await stepper.waitForLine(/stepper serving/);
  const start = ({ name, shard }: (typeof processes)[number], port = '0') => {
    const prefix = envPrefix(name);
    return startServiceProcess({
      name,
      servingAs: shardParticipant(name, shard),
      endpoints,
      simulation,
      env: {
        ...env,
        [`${prefix}_PORT`]: port,
        ...shardEnv(name, shard),
        // The default, spelled out: the world these runs replay.
        ...(name === 'inventory' ? { CHAMBER_INVENTORY_DEFINITION: 'standard' } : {}),
        ...options.env?.[name],
      },
    });
  };
  const children = await Promise.all(processes.map((p) => start(p)));
  options.cleanup.push(async () => {
    await Promise.all(children.map(({ child }) => child.kill('SIGKILL')));
  });
  const indexOf = (name: string): number => processes.findIndex((p) => p.name === name);
  const address = (name: string): string => children[indexOf(name)]!.address;
  return {
    stepperPort,
    address,
    simulation,
    endpoints,
    async restart(name) {
      const i = indexOf(name);
      await children[i]!.child.kill('SIGKILL');
      children[i] = await start(processes[i]!, address(name).split(':').pop());
    },
  };
}

/** A simulation {@link startSimulationProcesses} started. */
export type SimulationProcesses = Awaited<ReturnType<typeof startSimulationProcesses>>;

/**
 * Starts the scenarios service beside `sim` as the launcher does (on
 * `port`, any free one by default), a client of its stepper and
 * participants; `env` is set on top. Resolves once it serves.
 */
export function startScenariosProcess(
  sim: SimulationProcesses,
  options: { port?: string; env?: Record<string, string> } = {},
): Promise<{ child: Child; address: string }> {
  return startServiceProcess({
    name: 'scenarios',
    endpoints: sim.endpoints,
    simulation: sim.simulation,
    env: {
      CHAMBER_SCENARIOS_PORT: options.port ?? '0',
      CHAMBER_SCENARIOS_STEPPER: `127.0.0.1:${sim.stepperPort}`,
      CHAMBER_SCENARIOS_INVENTORY: sim.address('inventory'),
      CHAMBER_SCENARIOS_FAULTS: sim.address('faults'),
      CHAMBER_SCENARIOS_REPAIR: sim.address('inventory-repair'),
      CHAMBER_SCENARIOS_WORKLOADS: sim.address('workload-repair'),
      CHAMBER_SCENARIOS_MONITOR: sim.address('monitor'),
      ...options.env,
    },
  });
}

/** The services of `sim` and the scenarios service at `scenarios`, as {@link startFrontendProcess} takes them. */
function frontendServicesOf(sim: SimulationProcesses, scenarios: string) {
  return {
    stepper: `127.0.0.1:${sim.stepperPort}`,
    inventory: sim.address('inventory'),
    faults: sim.address('faults'),
    repair: sim.address('inventory-repair'),
    workloads: sim.address('workload-repair'),
    scheduler: sim.address('scheduler'),
    scenarios,
    monitor: sim.address('monitor'),
  };
}

/**
 * Starts a frontend process in front of `sim` and its scenarios service at
 * `scenarios`, on a free port, its kill added to `cleanup`; resolves with
 * its URL once it serves.
 */
export async function serveFrontendFor(
  sim: SimulationProcesses,
  scenarios: string,
  options: {
    adminPassword: string;
    cleanup: Array<() => Promise<void> | void>;
    /** The dashboard to serve at `/` (none by default). */
    webRoot?: string;
  },
): Promise<string> {
  const port = await freePort();
  const frontend = startFrontendProcess({
    endpoints: sim.endpoints,
    simulation: sim.simulation,
    port,
    adminPassword: options.adminPassword,
    ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
    services: frontendServicesOf(sim, scenarios),
  });
  options.cleanup.push(() => frontend.kill('SIGKILL'));
  await frontend.waitForLine(/frontend serving/);
  return `http://127.0.0.1:${port}`;
}

/** What {@link spawnServiceProcess} and {@link startServiceProcess} start. */
interface ServiceProcessOptions {
  name: string;
  /** The name it serves as, in its `<name> serving` line (a shard's: `inventory.1`); `name` by default. */
  servingAs?: string;
  endpoints: string[];
  simulation: string;
  env?: Record<string, string>;
}

/**
 * Starts the service `name` (services/<name>/dist/src/main.js) as the
 * launcher does, on a free port, its spans sent nowhere; `env` is set on
 * top. Resolves with it and its gRPC address once it serves.
 */
export async function startServiceProcess(
  options: ServiceProcessOptions,
): Promise<{ child: Child; address: string }> {
  const child = spawnServiceProcess(options);
  const line = await child.waitForLine(
    new RegExp(`"${(options.servingAs ?? options.name).replaceAll('.', '\\.')} serving"`),
  );
  return { child, address: (JSON.parse(line) as { endpoint: string }).endpoint };
}

/** Starts the service `name` as {@link startServiceProcess} does, without waiting for it to serve. */
export function spawnServiceProcess(options: ServiceProcessOptions): Child {
  const prefix = envPrefix(options.name);
  return start(`services/${options.name}/dist/src/main.js`, [], {
    CHAMBER_ETCD_ENDPOINTS: options.endpoints.join(','),
    CHAMBER_SIMULATION: options.simulation,
    [`${prefix}_PORT`]: '0',
    // 127.0.0.1:50058 may be a running Chamber's tracesink.
    [`${prefix}_TRACESINK`]: '',
    CHAMBER_LOG_LEVEL: 'info',
    ...options.env,
  });
}

/**
 * Starts a tracesink process (services/tracesink/dist/src/main.js) on a free
 * port, registering under `simulation`; resolves with it and its address.
 */
export async function startTraceSinkProcess(options: {
  endpoints: string[];
  simulation: string;
}): Promise<{ child: Child; address: string }> {
  const child = start('services/tracesink/dist/src/main.js', [], {
    CHAMBER_ETCD_ENDPOINTS: options.endpoints.join(','),
    CHAMBER_SIMULATION: options.simulation,
    CHAMBER_TRACESINK_PORT: '0',
    CHAMBER_LOG_LEVEL: 'info',
  });
  const line = await child.waitForLine(/tracesink serving/);
  return { child, address: (JSON.parse(line) as { endpoint: string }).endpoint };
}

/** Starts a toy participant process (test/dist/src/fixtures/toy-main.js). */
export function startToyProcess(options: {
  endpoints: string[];
  simulation: string;
  name: string;
  hangAt?: number;
}): Child {
  return start(
    'test/dist/src/fixtures/toy-main.js',
    [
      options.endpoints.join(','),
      options.simulation,
      options.name,
      ...(options.hangAt !== undefined ? [String(options.hangAt)] : []),
    ],
    {},
  );
}

/** Starts a frontend process (services/frontend/dist/src/main.js) in front of `services`. */
export function startFrontendProcess(options: {
  endpoints: string[];
  simulation: string;
  port: number;
  adminPassword: string;
  services: {
    stepper: string;
    inventory: string;
    faults: string;
    repair?: string;
    /** The workload repair manager. */
    workloads?: string;
    scheduler?: string;
    scenarios?: string;
    /** The monitor (its reports). */
    monitor?: string;
  };
  /** The tracesink it reads the log from (none by default). */
  tracesink?: string;
  /** The dashboard to serve at `/` (none by default). */
  webRoot?: string;
}): Child {
  return start('services/frontend/dist/src/main.js', [], {
    CHAMBER_ETCD_ENDPOINTS: options.endpoints.join(','),
    CHAMBER_SIMULATION: options.simulation,
    CHAMBER_FRONTEND_PORT: String(options.port),
    CHAMBER_FRONTEND_ADMIN_PASSWORD: options.adminPassword,
    CHAMBER_FRONTEND_WEB_ROOT: options.webRoot ?? '/nonexistent',
    CHAMBER_FRONTEND_STEPPER: options.services.stepper,
    CHAMBER_FRONTEND_INVENTORY: options.services.inventory,
    CHAMBER_FRONTEND_FAULTS: options.services.faults,
    ...(options.services.repair === undefined
      ? {}
      : { CHAMBER_FRONTEND_REPAIR: options.services.repair }),
    ...(options.services.workloads === undefined
      ? {}
      : { CHAMBER_FRONTEND_WORKLOADS: options.services.workloads }),
    ...(options.services.scheduler === undefined
      ? {}
      : { CHAMBER_FRONTEND_SCHEDULER: options.services.scheduler }),
    ...(options.services.scenarios === undefined
      ? {}
      : { CHAMBER_FRONTEND_SCENARIOS: options.services.scenarios }),
    ...(options.services.monitor === undefined
      ? {}
      : { CHAMBER_FRONTEND_MONITOR: options.services.monitor }),
    CHAMBER_FRONTEND_TRACESINK: options.tracesink ?? '',
    CHAMBER_LOG_LEVEL: 'info',
  });
}

/**
 * Starts the HTTP floor of the frontend benchmark (test/dist/src/bench/http-floor.js):
 * a bare Node server answering a constant JSON on `port`; given `sse`, also
 * a bare event stream of that simulation's `clock/` changes at `/events`.
 */
export function startHttpFloorProcess(
  port: number,
  sse?: { readonly endpoints: readonly string[]; readonly simulation: string },
): Child {
  const args = sse === undefined ? [] : [sse.endpoints.join(','), sse.simulation];
  return start('test/dist/src/bench/http-floor.js', [String(port), ...args], {});
}

/** What {@link runToEnd} resolves with. */
export interface Ended {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command args` to its end (at most `budgets.longTestMs`) and
 * resolves with its exit code (-1 when it was killed) and output; never rejects.
 */
export function runToEnd(command: string, args: readonly string[]): Promise<Ended> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: budgets.longTestMs }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The expectations of a scenario run that did not hold, one a line, for an assertion's message. */
export function failures(r: ScenarioReport): string {
  return r.expectations
    .filter((e) => !e.passed)
    .map((e) => `${e.where}: at tick ${e.tick} expected ${e.expected}, saw ${e.observed}`)
    .join('\n');
}
