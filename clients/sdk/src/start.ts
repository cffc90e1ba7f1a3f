import { ChamberError, Code } from '@chamber/errors';
import { defaultPorts } from '@chamber/world';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addressesOf, Chamber } from './chamber.js';
import { inheritedEnv } from './config.js';

/** What {@link start} starts. */
export interface StartOptions {
  /** The first run's seed (default 1, as `npm start`). */
  readonly seed?: number;
  /** The inventory: a sample's name (`standard`, `small`, `large`) or a definition file (default `standard`). */
  readonly definition?: string;
  /** Use this etcd (its client URLs) rather than a private one. */
  readonly etcdEndpoints?: readonly string[];
  /** The simulation's name, its key prefix in etcd (default `default`; name one to share an etcd). */
  readonly simulation?: string;
  /** `processes` (each service its own process, as `npm start`) or `single` (one process; starts faster). */
  readonly layout?: 'processes' | 'single';
  /** How long the services may take to be ready, in ms (default 180,000: a loaded 2-core machine). */
  readonly readyTimeoutMs?: number;
  /** Each line the launcher prints, as it prints it (progress for people; none by default). */
  readonly onLine?: (line: string) => void;
  /**
   * How long (s) the clock waits for a participant: without its lease
   * before it drops it (the run then stops being deterministic), and at
   * tick 0 for every expected one (default: the stepper's own, 10 s and
   * 60 s). A harness on a loaded machine raises it, so that a process
   * starved of CPU for a while does not change the run.
   */
  readonly participantGraceSeconds?: number;
}

/** A Chamber of its own, started by {@link start}: stop it when done. */
export interface StartedChamber extends Chamber {
  /** The dashboard and REST API (`http://127.0.0.1:<port>`). */
  readonly url: string;
  /** The built-in `admin`'s password on this Chamber (random, never printed). */
  readonly adminPassword: string;
  /** Closes the connections, stops every service and the private etcd, and deletes its data. */
  stop(): Promise<void>;
}

/** The launcher's entry, relative to the repository root. */
const launcherEntry = 'deploy/local/dist/src/main.js';

/** The repository this package sits in (the nearest folder above it holding the launcher's package). */
function repositoryRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'deploy/local/package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new ChamberError(
        Code.FailedPrecondition,
        'start() runs the launcher of the Chamber repository it is built in, and found none above it',
      );
    }
    dir = parent;
  }
  return dir;
}

/** The port block a private Chamber takes above each service's default port (and etcd's two, and HTTP). */
const blockSize = 12;

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The top of Linux's ephemeral port range, where outgoing connections take
 * their local ports (60999 unless the machine says otherwise).
 */
function ephemeralTop(): number {
  try {
    const range = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    const top = Number(range[1]);
    return Number.isInteger(top) && top > 1_024 ? top : 60_999;
  } catch {
    return 60_999;
  }
}

/**
 * An offset that moves every default gRPC port (50051–50058) into a block of
 * free ports, the block's last four for etcd and HTTP: picked at random
 * among the blocks above Linux's ephemeral range, where no outgoing
 * connection can take one of its ports between this check and the listen,
 * or while a service restarts (about 370 blocks on a default range); on a
 * machine whose range leaves none, among those above the defaults.
 */
async function freeOffset(): Promise<number> {
  const first = Math.min(...Object.values(defaultPorts).filter((p) => p > 50_000));
  const lowest = Math.max(first + blockSize, ephemeralTop() + 1);
  const above = Math.floor((65_536 - lowest) / blockSize);
  for (let tries = 0; tries < 100; tries++) {
    const start =
      above > 0
        ? lowest + blockSize * Math.floor(Math.random() * above)
        : first + blockSize * (1 + Math.floor(Math.random() * 700));
    const ports = Array.from({ length: blockSize }, (_, i) => start + i);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return start - first;
  }
  throw new ChamberError(Code.Unavailable, 'no block of free ports for a private Chamber');
}

/**
 * Starts a Chamber of its own, as `npm start` does but on free ports with
 * its data in a temporary folder: a private etcd (unless `etcdEndpoints`)
 * and every service under the launcher (`deploy/local`, run as a process
 * from the repository this package was built in). Resolves once every
 * service is ready, with the clock at tick 0 of run 1, paused. Rejects
 * with what the launcher printed when a service does not start, or
 * `FailedPrecondition` when the repository is not built (`npm run build`).
 */
export async function start(options: StartOptions = {}): Promise<StartedChamber> {
  const repo = repositoryRoot();
  const launcherMain = path.join(repo, launcherEntry);
  if (!fs.existsSync(launcherMain)) {
    throw new ChamberError(
      Code.FailedPrecondition,
      `the launcher is not built (${launcherMain}); run npm run build first`,
    );
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-sdk-'));
  const offset = await freeOffset();
  const first = defaultPorts.stepper + offset;
  const [etcdPort, etcdPeerPort, httpPort] = [first + 9, first + 10, first + 11];
  const adminPassword = randomBytes(18).toString('base64url');
  const child = spawn(process.execPath, [launcherMain], {
    cwd: repo,
    env: {
      ...inheritedEnv(),
      CHAMBER_LOCAL_DIR: dir,
      CHAMBER_LOCAL_PORT_OFFSET: String(offset),
      CHAMBER_LOCAL_ETCD_PORT: String(etcdPort),
      CHAMBER_LOCAL_ETCD_PEER_PORT: String(etcdPeerPort),
      CHAMBER_LOCAL_HTTP_PORT: String(httpPort),
      CHAMBER_LOCAL_LAYOUT: options.layout ?? 'processes',
      CHAMBER_FRONTEND_ADMIN_PASSWORD: adminPassword,
      CHAMBER_SEED: String(options.seed ?? 1),
      CHAMBER_INVENTORY_DEFINITION: options.definition ?? 'standard',
      ...(options.simulation === undefined ? {} : { CHAMBER_SIMULATION: options.simulation }),
      ...(options.participantGraceSeconds === undefined
        ? {}
        : {
            CHAMBER_STEPPER_DROP_GRACE_SECONDS: String(options.participantGraceSeconds),
            CHAMBER_STEPPER_START_WAIT_SECONDS: String(options.participantGraceSeconds),
          }),
      ...(options.etcdEndpoints === undefined
        ? {}
        : { CHAMBER_ETCD_ENDPOINTS: options.etcdEndpoints.join(',') }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stopChild = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(child, options);
  } catch (error) {
    await stopChild();
    throw error;
  }
  const chamber = new Chamber(addressesOf('127.0.0.1', offset));
  return Object.assign(chamber, {
    url: `http://127.0.0.1:${httpPort}`,
    adminPassword,
    async stop() {
      chamber.close();
      await stopChild();
    },
  });
}

/** Resolves once the launcher says every service is ready; rejects with its output otherwise. */
function ready(child: ChildProcess, options: StartOptions): Promise<void> {
  const timeoutMs = options.readyTimeoutMs ?? 180_000;
  return new Promise<void>((resolve, reject) => {
    let output = '';
    let pending = '';
    const fail = (why: string) =>
      reject(
        new ChamberError(Code.Unavailable, `a private Chamber did not start: ${why}\n${output}`),
      );
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs / 1000} s`), timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        options.onLine?.(line);
        const running = /^Chamber is running: .*, (\d+) of (\d+) service\(s\) ready/.exec(line);
        if (running === null) continue;
        clearTimeout(timer);
        if (running[1] === running[2]) resolve();
        else fail(`${running[1]} of ${running[2]} services ready`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`the launcher exited (${signal ?? `code ${code}`})`);
    });
  });
}
