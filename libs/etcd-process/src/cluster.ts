import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  etcdArgs,
  findEtcdBinary,
  freePort,
  spawnEtcd,
  stopSpawned,
  type SpawnedEtcd,
} from './etcd-process.js';

/** How to start a local etcd cluster. */
export interface StartEtcdClusterOptions {
  /** How many members; 3 when absent. */
  readonly members?: number;
  /** The etcd binary; found on PATH (or /usr/bin/etcd) when absent. */
  readonly binary?: string;
  /**
   * The folder under which each member keeps its data (`<dataDir>/<member
   * name>`, kept on stop); a fresh temporary one (removed on stop) when absent.
   */
  readonly dataDir?: string;
  /** Each member's client port on 127.0.0.1, in member order; free ones when absent. */
  readonly clientPorts?: readonly number[];
  /** Each member's peer port on 127.0.0.1, in member order; free ones when absent. */
  readonly peerPorts?: readonly number[];
  /** The cluster token; a fresh random one when absent. */
  readonly clusterToken?: string;
  /** How long to wait for the members to serve clients (ms). */
  readonly startTimeoutMs?: number;
}

/** One member of an {@link EtcdCluster}. */
export interface EtcdMember {
  /** The member name (`chamber-1`, `chamber-2`, …). */
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `http://127.0.0.1:<clientPort>`. */
  readonly endpoint: string;
  readonly dataDir: string;
  /** The process id while it runs, else `undefined`. */
  pid(): number | undefined;
  /** Whether its process runs. */
  isRunning(): boolean;
}

/** A running local etcd cluster whose members can be stopped, killed and restarted one by one. */
export interface EtcdCluster {
  /** Every member's client endpoint, in member order. */
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdMember[];
  /** Sends `signal` (SIGKILL by default) to member `index` and resolves once it has exited. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts member `index` again on its data dir and ports, so it rejoins the
   * cluster; resolves once it serves clients (which needs a quorum: restart
   * members that make up a quorum together). Fails when it is running, or
   * with etcd's last log lines when it does not get ready in time.
   */
  restart(index: number): Promise<void>;
  /**
   * The index of the member that leads, as the running members report it
   * (etcd's maintenance status over its HTTP gateway); `undefined` while
   * they know of none (no quorum). Fails only when no member answers.
   */
  leader(): Promise<number | undefined>;
  /** Stops every running member (SIGTERM, then SIGKILL after 5 s); removes a temporary data dir. */
  stop(): Promise<void>;
}

/** The name of member `index` (from 0) of a cluster started here. */
export function memberName(index: number): string {
  return `chamber-${index + 1}`;
}

/**
 * etcd's `--initial-cluster` for members named by {@link memberName} with
 * these peer ports on 127.0.0.1.
 */
export function initialCluster(peerPorts: readonly number[]): string {
  return peerPorts.map((port, i) => `${memberName(i)}=http://127.0.0.1:${port}`).join(',');
}

/**
 * Starts an N-member etcd cluster on 127.0.0.1 (three by default), every
 * member with its own client and peer ports and data dir and all of them in
 * `--initial-cluster`, under a fresh cluster token; resolves once every
 * member serves clients. Rejects (the members started so far stopped) with
 * etcd's last log lines when one exits or does not get ready in time, or
 * when fewer ports are given than members.
 */
export async function startEtcdCluster(
  options: StartEtcdClusterOptions = {},
): Promise<EtcdCluster> {
  const size = options.members ?? 3;
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`an etcd cluster has at least 1 member, not ${size}`);
  }
  for (const [what, ports] of [
    ['clientPorts', options.clientPorts],
    ['peerPorts', options.peerPorts],
  ] as const) {
    if (ports !== undefined && ports.length < size) {
      throw new Error(`${what} names ${ports.length} ports for ${size} members`);
    }
  }
  const binary = findEtcdBinary(options.binary);
  const isTemporary = options.dataDir === undefined;
  const root = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-etcd-cluster-'));
  const clientPorts: number[] = [];
  const peerPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    clientPorts.push(options.clientPorts?.[i] ?? (await freePort()));
    peerPorts.push(options.peerPorts?.[i] ?? (await freePort()));
  }
  const cluster = initialCluster(peerPorts);
  const clusterToken = options.clusterToken ?? `chamber-${randomBytes(6).toString('hex')}`;
  const running: Array<SpawnedEtcd | undefined> = new Array<SpawnedEtcd | undefined>(size);
  const members: EtcdMember[] = clientPorts.map((clientPort, i) => ({
    name: memberName(i),
    clientPort,
    peerPort: peerPorts[i]!,
    endpoint: `http://127.0.0.1:${clientPort}`,
    dataDir: path.join(root, memberName(i)),
    pid: () => (isAlive(running[i]) ? running[i]!.child.pid : undefined),
    isRunning: () => isAlive(running[i]),
  }));

  const start = async (i: number): Promise<void> => {
    const member = members[i]!;
    fs.mkdirSync(member.dataDir, { recursive: true });
    running[i] = await spawnEtcd(
      binary,
      etcdArgs({
        name: member.name,
        dataDir: member.dataDir,
        clientPort: member.clientPort,
        peerPort: member.peerPort,
        initialCluster: cluster,
        clusterToken,
      }),
      options.startTimeoutMs,
    );
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.map((m) => (m === undefined ? Promise.resolve() : stopSpawned(m))));
  };

  // Together: a member serves clients only once a quorum of them has met.
  const started = await Promise.allSettled(members.map((_, i) => start(i)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await stopAll();
    if (isTemporary) fs.rmSync(root, { recursive: true, force: true });
    throw failed.reason;
  }

  const at = (index: number): EtcdMember => {
    const member = members[index];
    if (member === undefined) {
      throw new Error(`the cluster has members 0 to ${size - 1}, not ${index}`);
    }
    return member;
  };
  return {
    endpoints: members.map((m) => m.endpoint),
    members,
    async kill(index, signal = 'SIGKILL') {
      at(index);
      const member = running[index];
      if (!isAlive(member)) return;
      member!.child.kill(signal);
      await member!.exited;
    },
    async restart(index) {
      const member = at(index);
      if (isAlive(running[index])) throw new Error(`etcd member ${member.name} is running`);
      await start(index);
    },
    async leader() {
      const statuses = await Promise.all(
        members.map((m) => (m.isRunning() ? memberStatus(m.endpoint) : Promise.resolve(undefined))),
      );
      if (statuses.every((s) => s === undefined)) {
        throw new Error(`no etcd member answers at ${members.map((m) => m.endpoint).join(',')}`);
      }
      const leaderId = statuses.find((s) => s !== undefined && s.leader !== '0')?.leader;
      if (leaderId === undefined) return undefined;
      const index = statuses.findIndex((s) => s?.memberId === leaderId);
      return index < 0 ? undefined : index;
    },
    async stop() {
      await stopAll();
      if (isTemporary) fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

function isAlive(spawned: SpawnedEtcd | undefined): boolean {
  return (
    spawned !== undefined && spawned.child.exitCode === null && spawned.child.signalCode === null
  );
}

/**
 * A member's own id and the leader it knows of (`'0'`: none), from etcd's
 * maintenance status over its HTTP gateway; `undefined` when it does not
 * answer within 2 s.
 */
async function memberStatus(
  endpoint: string,
): Promise<{ memberId: string; leader: string } | undefined> {
  try {
    const res = await fetch(`${endpoint}/v3/maintenance/status`, {
      method: 'POST',
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
    const memberId = body.header?.member_id;
    return memberId === undefined ? undefined : { memberId, leader: body.leader ?? '0' };
  } catch {
    return undefined;
  }
}
