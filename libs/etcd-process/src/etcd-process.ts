import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { searchPath, testWorker } from './config.js';

/** How to start a local etcd. */
export interface StartEtcdOptions {
  /** The etcd binary; found on PATH (or /usr/bin/etcd) when absent. */
  readonly binary?: string;
  /** Data directory; a fresh temporary one (removed on stop) when absent. */
  readonly dataDir?: string;
  /** Client port on 127.0.0.1; a free one when absent. */
  readonly clientPort?: number;
  /** Peer port on 127.0.0.1; a free one when absent. */
  readonly peerPort?: number;
  /** Member name. */
  readonly name?: string;
  /** How long to wait for etcd to serve clients (ms). */
  readonly startTimeoutMs?: number;
}

/** A running etcd child process. */
export interface EtcdProcess {
  /** Client endpoints, e.g. `["http://127.0.0.1:23791"]`. */
  readonly endpoints: readonly string[];
  readonly clientPort: number;
  readonly dataDir: string;
  readonly pid: number;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  /** Stops etcd (SIGTERM, then SIGKILL after 5 s); removes a temporary data dir. */
  stop(): Promise<void>;
}

/**
 * The etcd binary to run: `binary` if given, else `etcd` on PATH, else
 * `/usr/bin/etcd`. Fails with a one-line instruction when there is none.
 */
export function findEtcdBinary(binary?: string): string {
  const candidates =
    binary !== undefined
      ? [binary]
      : [...searchPath().map((d) => path.join(d, 'etcd')), '/usr/bin/etcd'];
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(
    `etcd not found${binary !== undefined ? ` at ${binary}` : ' on PATH'}: install it with \`sudo apt-get install etcd-server\``,
  );
}

/** The lowest port {@link freePort} hands out. */
const lowestPort = 15_000;

/** Linux's ephemeral range's first port: outgoing connections take their local ports from there. */
function ephemeralLow(): number {
  try {
    const low = Number(
      fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > lowestPort + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Ports this process handed out already: another call never answers one of them. */
const handedOut = new Set<number>();

/** Whether `port` on 127.0.0.1 can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that is free right now and stays free while its
 * server is down: below the ephemeral range, so that no outgoing
 * connection takes it as its local port meanwhile (a restarted etcd member
 * or service binds it again). Each test worker (`VITEST_POOL_ID`) picks in
 * a slice of its own, so that two never race for one.
 */
export async function freePort(): Promise<number> {
  const slices = 8;
  const pool = testWorker() % slices;
  const size = Math.floor((ephemeralLow() - lowestPort) / slices);
  const first = lowestPort + pool * size;
  for (let tries = 0; tries < 200; tries++) {
    const port = first + Math.floor(Math.random() * size);
    if (handedOut.has(port) || !(await isPortFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${first} and ${first + size - 1}`);
}

/** Where and as what a single-member etcd runs: the part of its command line that varies. */
export interface EtcdArgsOptions {
  readonly dataDir: string;
  /** Client port on 127.0.0.1. */
  readonly clientPort: number;
  /** Peer port on 127.0.0.1. */
  readonly peerPort: number;
  /** Member name; `chamber` when absent. */
  readonly name?: string;
  /**
   * Every member of the cluster as `name=peerUrl,…` (etcd's
   * `--initial-cluster`); this member alone when absent. Read only when the
   * data dir is new: a member restarted on its data dir keeps its cluster.
   */
  readonly initialCluster?: string;
  /** etcd's `--initial-cluster-token`, unique per cluster; etcd's default when absent. */
  readonly clusterToken?: string;
}

/**
 * The command-line flags of an etcd member bound to 127.0.0.1, logging JSON
 * to stderr: what {@link startEtcd} and {@link startEtcdCluster} run, and
 * what a supervisor that restarts etcd itself (the launcher) runs, so all
 * start the same etcd. A single-member cluster unless `initialCluster` names
 * the others.
 */
export function etcdArgs(options: EtcdArgsOptions): string[] {
  const name = options.name ?? 'chamber';
  const clientUrl = `http://127.0.0.1:${options.clientPort}`;
  const peerUrl = `http://127.0.0.1:${options.peerPort}`;
  return [
    `--name=${name}`,
    `--data-dir=${options.dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${options.initialCluster ?? `${name}=${peerUrl}`}`,
    ...(options.clusterToken === undefined
      ? []
      : [`--initial-cluster-token=${options.clusterToken}`]),
    // etcd 3.4 copies its write buffer on every read; a small batch limit
    // keeps reads fast after large transactions (TOOLCHAIN.md).
    '--backend-batch-limit=1000',
    // etcd keeps the raft log since its last snapshot in memory: 3.4's
    // default of 100,000 entries is ~15,000 ticks of `standard` with faults
    // and hundreds of MB of RSS; 10,000 (3.2's default) bounds it at a few
    // thousand ticks. Compaction (the stepper's history window) bounds the rest.
    '--snapshot-count=10000',
    '--logger=zap',
    '--log-outputs=stderr',
    '--log-level=info',
  ];
}

/** An etcd child process that serves clients. */
export interface SpawnedEtcd {
  readonly child: ChildProcess;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
}

/**
 * Runs `binary` with `args` and resolves once etcd logs that it serves
 * clients (a member of a cluster does so once the cluster has a quorum).
 * Rejects, the process killed, with etcd's own last log lines if it exits or
 * does not get ready within `startTimeoutMs`.
 */
export async function spawnEtcd(
  binary: string,
  args: readonly string[],
  startTimeoutMs = 15_000,
): Promise<SpawnedEtcd> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stderr! });
    let isReady = false;
    const timer = setTimeout(
      () => fail(`etcd did not serve clients within ${startTimeoutMs} ms`),
      startTimeoutMs,
    );
    const fail = (why: string): void => {
      if (isReady) return;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}; its last log lines:\n${tail.join('\n')}`));
    };
    lines.on('line', (line) => {
      tail.push(line);
      if (tail.length > 10) tail.shift();
      if (
        !isReady &&
        (line.includes('serving client traffic') || line.includes('ready to serve client requests'))
      ) {
        isReady = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => fail(`etcd could not start (${err.message})`));
    void exited.then((code) => fail(`etcd exited with code ${code}`));
  });
  return { child, exited };
}

/**
 * Stops `spawned` (SIGTERM, then SIGKILL after 5 s) and resolves once it has
 * exited; at once when it already has.
 */
export async function stopSpawned(spawned: SpawnedEtcd): Promise<void> {
  const { child, exited } = spawned;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts a single-member etcd bound to 127.0.0.1 and resolves once it serves
 * clients. Rejects with etcd's own last log lines if it exits or does not get
 * ready in time (a port in use, a bad data dir, …).
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdProcess> {
  const binary = findEtcdBinary(options.binary);
  const isTemporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-etcd-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const removeDataDir = (): void => {
    if (isTemporary) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let spawned: SpawnedEtcd;
  try {
    spawned = await spawnEtcd(
      binary,
      etcdArgs({
        dataDir,
        clientPort,
        peerPort,
        ...(options.name === undefined ? {} : { name: options.name }),
      }),
      options.startTimeoutMs,
    );
  } catch (error) {
    removeDataDir();
    throw error;
  }
  return {
    endpoints: [`http://127.0.0.1:${clientPort}`],
    clientPort,
    dataDir,
    pid: spawned.child.pid!,
    exited: spawned.exited,
    async stop() {
      await stopSpawned(spawned);
      removeDataDir();
    },
  };
}
