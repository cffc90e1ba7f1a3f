import { ChamberError, Code } from '@chamber/errors';
import { envPrefix } from '@chamber/config';
import { etcdArgs, findEtcdBinary, memberName } from '@chamber/etcd-process';
import { waitUntilServing } from '@chamber/grpc';
import { shardParticipant } from '@chamber/world';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { LauncherConfig } from './config.js';
import { exportLines, hintOf, portOf as servicePort } from './hints.js';
import { withParentDeathSignal } from './parent-death.js';
import {
  replicaCount,
  replicaEnv,
  replicasOf,
  shardCount,
  shardsOf,
  type ReplicaProcess,
} from './replicas.js';
import { serviceMallocEnv, serviceNodeFlags } from './process-memory.js';
import { services, traceSinkSpec, type ServiceSpec } from './services.js';
import type { SinglePlan } from './single.js';
import { Supervisor, type SupervisorEvent } from './supervisor.js';

/** The `single` layout's process: its entry, and its name in status lines and its log's. */
const singleEntry = 'deploy/local/dist/src/single.js';
const singleName = 'services';

// Status lines line up under the longest service name (a shard's `.N` and a replica's `-rN` included).
const nameWidth = Math.max(4, ...services.map((s) => s.name.length + 5));

/** A running simulator. */
export interface Launched {
  /** The etcd endpoints the services use. */
  readonly endpoints: readonly string[];
  /** Stops the services, then the private etcd. */
  stop(): Promise<void>;
  /** Kills everything at once (a second Ctrl-C). */
  kill(): void;
}

/**
 * How long a service may take to report serving before it is counted as not
 * ready. Starting seven Node processes at once on a busy 2-core machine was
 * seen to take over 30 s; a service that exits is seen at once, not here.
 */
const defaultReadyTimeoutMs = 90_000;

export interface LaunchOptions {
  /** The repository root: service entries and the local dir are relative to it. */
  readonly root: string;
  /** Prints one line for people. */
  readonly print: (line: string) => void;
  /** How long a service may take to report serving (ms); `defaultReadyTimeoutMs` if unset. */
  readonly readyTimeoutMs?: number;
  /** The environment services inherit (their `CHAMBER_*` settings are set on top). */
  readonly env: NodeJS.ProcessEnv;
}

/** Where the launcher records its children, so a launcher killed hard is cleaned up next time. */
interface PidFile {
  readonly launcher: number;
  readonly children: number[];
}

/**
 * Starts the simulator: a private etcd (unless `etcd.endpoints` names one)
 * and every service of the table as its own supervised process. Checks
 * every port first, so nothing is half-started when one is taken.
 */
export async function launch(config: LauncherConfig, options: LaunchOptions): Promise<Launched> {
  const { print } = options;
  // Paths as people should read them: relative inside the repository.
  const show = (p: string): string => {
    const relative = path.relative(options.root, p);
    return relative.startsWith('..') ? p : relative;
  };
  const dir = path.resolve(options.root, config.local.dir);
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const pidFile = path.join(dir, 'launcher.json');
  reapPrevious(pidFile);

  const isPrivate = config.etcd.endpoints.length === 0;
  const host = config.local.host;
  const portOf = (spec: ServiceSpec): number => servicePort(config, spec);
  const addressOf = (name: string): string | undefined => {
    const spec = services.find((s) => s.name === name);
    return spec === undefined ? undefined : `${host}:${portOf(spec)}`;
  };
  const loginUrlFile = path.join(dir, 'login-url');
  fs.rmSync(loginUrlFile, { force: true });
  const noticeFile = (spec: ServiceSpec): string => path.join(dir, `${spec.name}.notices`);
  for (const spec of services) fs.rmSync(noticeFile(spec), { force: true });
  const replicas = replicaCount(config);
  const shards = shardCount(config);
  // Every process of every service: one each, the singleton roles `replicas` each.
  const processes: ReplicaProcess[] = services.flatMap((s) => replicasOf(config, s));
  const ports = processes.map((p) => ({ what: p.name, port: p.port }));
  const members = isPrivate ? etcdMembers(config) : [];
  ports.unshift(
    ...members.flatMap((m) => [
      { what: `etcd ${m.label}(CHAMBER_LOCAL_ETCD_PORT${m.offsetWords})`, port: m.clientPort },
      {
        what: `etcd ${m.label}peer (CHAMBER_LOCAL_ETCD_PEER_PORT${m.offsetWords})`,
        port: m.peerPort,
      },
    ]),
  );
  for (const { what, port } of ports) {
    const other = ports.find((p) => p.port === port && p.what !== what);
    if (other !== undefined)
      throw new ChamberError(
        Code.InvalidArgument,
        `port ${port} is set for both ${other.what} and ${what}: move one (CHAMBER_LOCAL_PORT_OFFSET, CHAMBER_LOCAL_HTTP_PORT, CHAMBER_LOCAL_ETCD_PORT, CHAMBER_LOCAL_ETCD_PEER_PORT)`,
      );
    if (!(await isPortFree(host, port))) {
      throw new ChamberError(
        Code.FailedPrecondition,
        `port ${port} for ${what} is in use on ${host}: stop what holds it (another Chamber?), ` +
          'or move ours with CHAMBER_LOCAL_PORT_OFFSET / CHAMBER_LOCAL_ETCD_PORT',
      );
    }
  }

  const etcds: Supervisor[] = [];
  const children: number[] = [];
  const record = (): void => {
    const pids: PidFile = { launcher: process.pid, children };
    fs.writeFileSync(pidFile, JSON.stringify(pids));
  };
  const readyTimeoutMs = options.readyTimeoutMs ?? defaultReadyTimeoutMs;
  let endpoints: readonly string[] = config.etcd.endpoints;
  if (isPrivate) {
    endpoints = members.map((m) => m.endpoint);
    const cluster =
      members.length > 1
        ? members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',')
        : undefined;
    const failures: string[] = [];
    for (const member of members) {
      const dataDir = path.join(dir, 'etcd', ...(member.name === undefined ? [] : [member.name]));
      fs.mkdirSync(dataDir, { recursive: true });
      const endpoint = member.endpoint;
      const logFile = path.join(logs, `${member.supervised}.log`);
      const plain = {
        command: findEtcdBinary(),
        args: etcdArgs({
          dataDir,
          clientPort: member.clientPort,
          peerPort: member.peerPort,
          ...(member.name === undefined || cluster === undefined
            ? {}
            : {
                name: member.name,
                initialCluster: cluster,
                // Read only when the data dirs are new: one cluster per data set.
                clusterToken: `chamber-${members.length}-${config.local.etcdPort}`,
              }),
        }),
      };
      // etcd is no Node process to watch a channel: the OS signals it instead.
      const bound = withParentDeathSignal(plain, options.env['PATH'] ?? '');
      if (bound === undefined && member.index === 0) {
        print(
          `! ${'etcd'.padEnd(nameWidth)} no setpriv on PATH: if this launcher is killed hard, etcd runs on until the next start`,
        );
      }
      // Supervised as the services are, on the same data dir and ports each
      // time; until it has served once, a failure stops the launch instead.
      let hasServed = false;
      const supervisor = new Supervisor({
        name: member.supervised,
        ...(bound ?? plain),
        env: options.env,
        logFile,
        // A readiness probe, as for the frontend: etcd answers 200 once it has a leader.
        ready: (signal) =>
          waitUntilHttpServing(`${endpoint}/health`, { timeoutMs: readyTimeoutMs, signal }),
        onEvent: (event) => {
          if (event.kind === 'started') {
            children.push(event.pid);
            record();
          }
          if (event.kind === 'ready') hasServed = true;
          if (!hasServed) {
            if (event.kind === 'exited') {
              failures.push(`${exitWords(event, member.supervised)} (see ${show(logFile)})`);
            }
            return;
          }
          const line = statusLine(
            member.supervised,
            endpoint,
            event,
            show(logFile),
            `data in ${show(dataDir)}`,
          );
          if (line !== undefined) print(line);
        },
      });
      etcds.push(supervisor);
    }
    // Together: a member of a cluster serves only once a quorum has met.
    const started = await Promise.allSettled(etcds.map((e) => e.start()));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(etcds.map((e) => e.stop()));
      fs.rmSync(pidFile, { force: true });
      const error: unknown = failed.reason;
      const why =
        failures[0] ??
        `${error instanceof Error ? error.message : String(error)} (see ${show(logs)}/etcd*.log)`;
      throw new ChamberError(Code.Unavailable, `etcd did not start: ${why}`, { cause: error });
    }
    if (members.length > 1) {
      print(
        `· ${'etcd'.padEnd(nameWidth)} a cluster of ${members.length} members on loopback (CHAMBER_LOCAL_ETCD_MEMBERS): every service is given all ${members.length} endpoints`,
      );
    }
  } else {
    print(
      `· ${'etcd'.padEnd(nameWidth)} ${config.etcd.endpoints.join(',')}   (external: CHAMBER_ETCD_ENDPOINTS)`,
    );
  }

  // What each service is told: its own CHAMBER_* settings, over what the launcher inherited.
  const ownEnvOf = (spec: ServiceSpec, replica?: ReplicaProcess): Record<string, string> => ({
    ...serviceEnv(spec, config, options.env, endpoints, replica?.port ?? portOf(spec)),
    ...(replica === undefined ? {} : replicaEnv(replica, replicas)),
    ...Object.fromEntries(
      Object.entries(spec.addresses ?? {}).flatMap(([env, name]) => {
        const a = addressOf(name);
        return a === undefined ? [] : [[env, a]];
      }),
    ),
    ...(spec.isHttp === true ? { [`${envPrefix(spec.name)}_LOGIN_URL_FILE`]: loginUrlFile } : {}),
    ...(spec.participantsEnv === undefined
      ? {}
      : {
          [spec.participantsEnv]: services
            .filter((s) => s.isParticipant === true)
            .flatMap((s) => shardsOf(config, s).map((shard) => shardParticipant(s.name, shard)))
            .join(','),
        }),
    ...(spec.noticeFileEnv === undefined ? {} : { [spec.noticeFileEnv]: noticeFile(spec) }),
  });
  const readyOf =
    (spec: ServiceSpec, port = portOf(spec)) =>
    (signal: AbortSignal): Promise<void> => {
      const address = `${host}:${port}`;
      return spec.isHttp === true
        ? waitUntilHttpServing(`http://${address}/api/v1/openapi.json`, {
            timeoutMs: readyTimeoutMs,
            signal,
          })
        : waitUntilServing(address, {
            service: spec.grpcService,
            timeoutMs: readyTimeoutMs,
            signal,
          });
    };
  // Started first (the tracesink), then the others at once.
  const startGroups = [true, false].map((first) =>
    services.filter((s) => (s.isStartedFirst ?? false) === first),
  );
  const startOrder = startGroups.flat();
  // The processes (by name) that reported serving since their (last) start.
  const isReady = new Map<string, boolean>();
  const processesOf = (spec: ServiceSpec): ReplicaProcess[] =>
    processes.filter((p) => p.spec === spec);
  const isServiceReady = (spec: ServiceSpec): boolean =>
    processesOf(spec).every((p) => isReady.get(p.name) === true);

  const supervisors =
    config.local.layout === 'single'
      ? [singleSupervisor()]
      : processes.map((replica) => {
          const { spec } = replica;
          const address = `${host}:${replica.port}`;
          const logFile = path.join(logs, `${replica.name}.log`);
          const supervisor: Supervisor = new Supervisor({
            name: replica.name,
            command: process.execPath,
            args: [...serviceNodeFlags, path.join(options.root, spec.entry)],
            // The malloc settings are defaults: the launcher's own environment may set them.
            env: { ...serviceMallocEnv, ...options.env, ...ownEnvOf(spec, replica) },
            logFile,
            // Its launcher's death closes the channel, and the service exits then.
            hasChannel: true,
            ready: async (signal) => {
              await readyOf(spec, replica.port)(signal);
              isReady.set(replica.name, true);
            },
            onEvent: (event) => {
              if (event.kind === 'started') {
                children.push(event.pid);
                record();
              }
              const line = statusLine(replica.name, address, event, show(logFile));
              if (line !== undefined) print(line);
            },
          });
          return supervisor;
        });

  /**
   * The `single` layout: one supervised Node process runs every service
   * (`src/single.ts`), each from its service module with the settings it
   * would get as a process of its own; it is ready once every service
   * serves, and a crash restarts it whole.
   */
  function singleSupervisor(): Supervisor {
    const planFile = path.join(dir, 'single.json');
    const plan: SinglePlan = {
      groups: startGroups.map((group) =>
        group.map((spec) => ({
          name: spec.name,
          module: spec.module,
          env: ownEnvOf(spec, processesOf(spec)[0]),
        })),
      ),
    };
    fs.writeFileSync(planFile, JSON.stringify(plan, null, 2));
    const logFile = path.join(logs, `${singleName}.log`);
    const supervisor: Supervisor = new Supervisor({
      name: singleName,
      command: process.execPath,
      args: [path.join(options.root, singleEntry), planFile],
      env: options.env,
      logFile,
      hasChannel: true,
      ready: async (signal) => {
        for (const spec of services) isReady.set(spec.name, false);
        for (const group of startGroups) {
          await Promise.all(
            group.map(async (spec) => {
              await readyOf(spec)(signal);
              isReady.set(spec.name, true);
              print(
                `✓ ${spec.name.padEnd(nameWidth)} ${host}:${portOf(spec)}   ready (pid ${supervisor.pid ?? -1}, layout single)`,
              );
            }),
          );
        }
      },
      onEvent: (event) => {
        if (event.kind === 'started') {
          children.push(event.pid);
          record();
        }
        const line = statusLine(
          singleName,
          `${services.length} services in one process`,
          event,
          show(logFile),
        );
        if (line !== undefined) print(line);
      },
    });
    return supervisor;
  }

  const results: PromiseSettledResult<void>[] = [];
  if (config.local.layout === 'single') {
    results.push(...(await Promise.allSettled(supervisors.map((s) => s.start()))));
  } else {
    for (const group of startGroups)
      results.push(
        ...(await Promise.allSettled(
          processes
            .filter((p) => group.includes(p.spec))
            .map((p) => supervisors[processes.indexOf(p)]!.start()),
        )),
      );
  }
  printNotices(print, noticeFile);

  const ready = services.filter(isServiceReady).length;
  print('');
  print(
    `Chamber is running: simulation "${config.simulation}", ${ready} of ${services.length} service(s) ready${config.local.layout === 'single' ? ' (layout single: one process)' : ''}${replicas > 1 ? ` (the stepper and each participant: ${replicas} replicas, one leading)` : ''}${shards > 1 ? ` (the inventory and the monitor: ${shards} shards)` : ''}.`,
  );
  // Why each of the others is not: its last error, not only a count.
  // (In start order, as `results` holds them.)
  const started = startOrder.flatMap(processesOf);
  started.forEach((replica, i) => {
    const { spec } = replica;
    const isSingle = config.local.layout === 'single';
    if (isReady.get(isSingle ? spec.name : replica.name) === true) return;
    const supervisor = isSingle ? supervisors[0] : supervisors[processes.indexOf(replica)];
    const result = isSingle ? results[0] : results[i];
    const error = supervisor?.lastError;
    const reason: unknown = result?.status === 'rejected' ? result.reason : 'not serving';
    const why =
      error !== undefined
        ? ownError(spec.name, error)
        : reason instanceof Error
          ? reason.message
          : String(reason);
    print(`  ✗ ${replica.name} is not ready: ${why}`);
  });
  for (const spec of services) {
    const hint = hintOf(config, spec, services);
    // Clients talk to the first replica; any replica answers.
    const others = processesOf(spec).slice(1);
    const standby =
      others.length === 0
        ? ''
        : ` (replicas: ${others.map((p) => `${host}:${p.port}`).join(', ')})`;
    print(
      `  ${`${spec.name}:`.padEnd(nameWidth + 1)} ${(addressOf(spec.name) ?? '').padEnd(16)}${standby}${hint === undefined ? '' : ` try: ${hint}`}`.trimEnd(),
    );
  }
  print(`  ${'logs:'.padEnd(nameWidth + 1)} ${show(logs)}/`);
  const http = services.find((s) => s.isHttp === true);
  if (http !== undefined) {
    print('');
    print(
      `Dashboard and REST API: http://${addressOf(http.name) ?? ''}/  (OpenAPI at /api/v1/openapi.json)`,
    );
    if (fs.existsSync(loginUrlFile)) {
      // Written by the frontend on a first run; a credential, so not left on disk.
      const loginUrl = fs.readFileSync(loginUrlFile, 'utf8').trim();
      fs.rmSync(loginUrlFile, { force: true });
      print(`First run: log in once at ${loginUrl}`);
      const login = hintOf(config, { ...http, hint: 'npx chamber login' }, services);
      const passwd = hintOf(config, { ...http, hint: 'npx chamber login --user admin' }, services);
      print('  and set a password in the form it shows; or from a shell:');
      print(`  ${login} --token <the token in that URL> && npx chamber user passwd admin`);
      print(`  (asks only for the new password). Then ${passwd} works.`);
    }
  }
  const exports = exportLines(config, services);
  if (exports.length > 0) {
    print('Not on the default ports: to point the chamber CLI here from another shell,');
    for (const line of exports) print(`  ${line}`);
  }
  print('  Ctrl-C stops everything.');

  let stopping: Promise<void> | undefined;
  return {
    endpoints,
    stop() {
      stopping ??= (async () => {
        // In reverse order: the clock last but the tracesink (which takes the
        // others' last spans), etcd after them all.
        for (const s of [...supervisors].reverse()) await s.stop();
        await Promise.all(etcds.map((e) => e.stop()));
        fs.rmSync(pidFile, { force: true });
        fs.rmSync(path.join(dir, 'single.json'), { force: true });
      })();
      return stopping;
    },
    kill() {
      for (const s of supervisors) s.kill();
      for (const e of etcds) e.kill();
      fs.rmSync(pidFile, { force: true });
    },
  };
}

/**
 * The `CHAMBER_*` settings the launcher decides for a service (set over
 * the environment it inherited). Every service but the tracesink sends its spans to the
 * launcher's tracesink, unless `CHAMBER_<SERVICE>_TRACESINK` says otherwise.
 */
function serviceEnv(
  spec: ServiceSpec,
  config: LauncherConfig,
  inherited: NodeJS.ProcessEnv,
  endpoints: readonly string[],
  port: number,
): Record<string, string> {
  const prefix = envPrefix(spec.name);
  const tracesink = `${config.local.host}:${traceSinkSpec.port + config.local.portOffset}`;
  return {
    CHAMBER_ETCD_ENDPOINTS: endpoints.join(','),
    CHAMBER_SIMULATION: config.simulation,
    CHAMBER_SEED: String(config.seed),
    CHAMBER_LOG_LEVEL: config.log.level,
    [`${prefix}_HOST`]: config.local.host,
    [`${prefix}_PORT`]: String(port),
    ...(spec === traceSinkSpec
      ? {}
      : { [`${prefix}_TRACESINK`]: inherited[`${prefix}_TRACESINK`] ?? tracesink }),
  };
}

/**
 * Prints, once every service is up, what services said at start through
 * their notice file (e.g. a configured definition that was not loaded, and
 * the command that loads it), then deletes the file.
 */
function printNotices(print: (line: string) => void, fileOf: (spec: ServiceSpec) => string): void {
  for (const spec of services) {
    if (spec.noticeFileEnv === undefined) continue;
    let text = '';
    try {
      text = fs.readFileSync(fileOf(spec), 'utf8');
    } catch {
      continue; // nothing to say
    }
    fs.rmSync(fileOf(spec), { force: true });
    for (const line of new Set(text.split('\n').filter((l) => l.trim() !== '')))
      print(`! ${spec.name.padEnd(nameWidth)} ${line}`);
  }
}

/**
 * Resolves once `url` answers 200. The process has just been spawned, so
 * the connection is refused until it listens: retried with a growing pause
 * (a readiness probe, as Kubernetes does), failing after `timeoutMs`.
 */
async function waitUntilHttpServing(
  url: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let pauseMs = 50;
  let last = 'no answer';
  while (Date.now() < deadline) {
    options.signal?.throwIfAborted();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    pauseMs = Math.min(pauseMs * 2, 1000);
  }
  throw new ChamberError(
    Code.DeadlineExceeded,
    `${url} did not answer within ${options.timeoutMs} ms (${last})`,
  );
}

/**
 * The line printed for a supervised child's event (`undefined`: none);
 * `readyNote` follows its ready line (etcd's data dir).
 */
function statusLine(
  who: string,
  address: string,
  event: SupervisorEvent,
  logFile: string,
  readyNote?: string,
): string | undefined {
  const name = who.padEnd(nameWidth);
  switch (event.kind) {
    case 'started':
      return undefined;
    case 'ready':
      return `✓ ${name} ${address}   ready (pid ${event.pid})${readyNote === undefined ? '' : `, ${readyNote}`}`;
    case 'not-ready':
      return `✗ ${name} ${address}   not ready: ${event.reason} (see ${logFile})`;
    case 'exited': {
      if (event.restartInMs === undefined) return `· ${name} stopped (${howItExited(event)})`;
      const restart = `restarting in ${event.restartInMs / 1000} s (see ${logFile})`;
      const error = event.lastError === undefined ? undefined : ownError(who, event.lastError);
      // A child that keeps exiting: say so, with why, rather than one more restart.
      return error !== undefined && event.exitsInARow >= crashLoopExits
        ? `✗ ${name} exited ${event.exitsInARow} times: ${error}; ${restart}`
        : `↻ ${name} ${exitWords(event, who)}; ${restart}`;
    }
  }
}

/** `signal SIGKILL`, `code 1`. */
function howItExited(event: SupervisorEvent & { kind: 'exited' }): string {
  return event.signal !== null ? `signal ${event.signal}` : `code ${event.code}`;
}

/** `exited (code 1): <its last error>`, or `exited (signal SIGKILL)` when it wrote none. */
function exitWords(event: SupervisorEvent & { kind: 'exited' }, who: string): string {
  const error = event.lastError === undefined ? undefined : ownError(who, event.lastError);
  return `exited (${howItExited(event)})${error === undefined ? '' : `: ${error}`}`;
}

/** Exits in a row (none staying up a minute) after which a service is said to keep exiting. */
const crashLoopExits = 3;

/** A service's error line without the `<name>: ` its start failure is printed with. */
function ownError(name: string, line: string): string {
  return line.startsWith(`${name}: `) ? line.slice(name.length + 2) : line;
}

function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills what a launcher that was killed hard (kill -9) left running. */
function reapPrevious(pidFile: string): void {
  let previous: PidFile;
  try {
    previous = JSON.parse(fs.readFileSync(pidFile, 'utf8')) as PidFile;
  } catch {
    return;
  }
  if (isAlive(previous.launcher)) return; // a launcher still running: its ports will say so
  for (const pid of previous.children) {
    // Only our own children: etcd or a node service, not a reused pid.
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (/etcd|services\/|deploy\/local\/dist\/src\/single/.test(cmdline))
      process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(pidFile, { force: true });
}

/** One member of the private etcd: its ports and names. */
interface PrivateEtcdMember {
  readonly index: number;
  /** Its etcd member name in a cluster (the data dir under `<dir>/etcd/`); none for a single member. */
  readonly name: string | undefined;
  /** Its name in the launcher's output and log file: `etcd`, or `etcd-2` and so on. */
  readonly supervised: string;
  /** `''`, or `2 ` and so on, for port messages. */
  readonly label: string;
  /** `''`, or ` + 2` and so on: how its ports follow from the configured ones. */
  readonly offsetWords: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly endpoint: string;
}

/**
 * The private etcd's members (`CHAMBER_LOCAL_ETCD_MEMBERS`): member i (from
 * 0) on the configured client and peer ports + 2i, so with the defaults
 * 2379/2380, 2381/2382, 2383/2384. A single member keeps its data in
 * `<dir>/etcd` as it always has; a cluster's members in
 * `<dir>/etcd/<member>-of-<n>`, one set per size.
 */
function etcdMembers(config: LauncherConfig): PrivateEtcdMember[] {
  const size = config.local.etcdMembers;
  return Array.from({ length: size }, (_, index) => {
    const clientPort = config.local.etcdPort + 2 * index;
    return {
      index,
      name: size === 1 ? undefined : `${memberName(index)}-of-${size}`,
      supervised: index === 0 ? 'etcd' : `etcd-${index + 1}`,
      label: index === 0 ? '' : `${index + 1} `,
      offsetWords: index === 0 ? '' : ` + ${2 * index}`,
      clientPort,
      peerPort: config.local.etcdPeerPort + 2 * index,
      endpoint: `http://127.0.0.1:${clientPort}`,
    };
  });
}
