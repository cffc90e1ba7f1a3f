import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from './cluster.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** A call to etcd's HTTP gateway at the first of `endpoints` that answers: its JSON body. */
async function gateway(
  endpoints: readonly string[],
  route: string,
  body: object,
): Promise<unknown> {
  let failure: unknown;
  for (const endpoint of endpoints) {
    try {
      const res = await fetch(`${endpoint}/v3/${route}`, {
        method: 'POST',
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.ok) return await res.json();
      failure = new Error(`${endpoint}: ${res.status} ${await res.text()}`);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

async function put(endpoints: readonly string[], key: string, value: string): Promise<void> {
  await gateway(endpoints, 'kv/put', { key: b64(key), value: b64(value) });
}

/** The value at `key`, read from one member only (`serializable`: its own copy) or linearizably. */
async function get(
  endpoint: string,
  key: string,
  serializable = false,
): Promise<string | undefined> {
  const res = (await gateway([endpoint], 'kv/range', { key: b64(key), serializable })) as {
    kvs?: Array<{ value: string }>;
  };
  const value = res.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

// Waits follow the repository's budgets (vitest.config.ts takes its poll and
// hook timeouts from @chamber/testing, which this package cannot import).
describe('startEtcdCluster', () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await startEtcdCluster();
  });
  afterAll(async () => {
    const dirs = cluster.members.map((m) => m.dataDir);
    await cluster.stop();
    // A temporary data dir goes with the cluster.
    for (const dir of dirs) expect(fs.existsSync(dir)).toBe(false);
  });

  it('starts three members on their own ports that form one cluster', async () => {
    expect(cluster.members.map((m) => m.name)).toEqual(['chamber-1', 'chamber-2', 'chamber-3']);
    const ports = cluster.members.flatMap((m) => [m.clientPort, m.peerPort]);
    expect(new Set(ports).size).toBe(6);
    const list = (await gateway(cluster.endpoints, 'cluster/member/list', {})) as {
      members: Array<{ name: string; peerURLs: string[] }>;
    };
    expect(list.members.map((m) => [m.name, m.peerURLs]).sort()).toEqual(
      cluster.members.map((m) => [m.name, [`http://127.0.0.1:${m.peerPort}`]]),
    );
    expect(await cluster.leader()).toBeTypeOf('number');
  });

  it('keeps serving when its leader is killed, and the killed member rejoins with its data', async () => {
    await put(cluster.endpoints, 'before', '1');
    const leader = (await cluster.leader())!;
    await cluster.kill(leader);
    expect(cluster.members[leader]!.isRunning()).toBe(false);
    const others = cluster.endpoints.filter((_, i) => i !== leader);
    // A new leader is elected among the two left; a write waits for it.
    await expect
      .poll(() => put(others, 'during', '2').then(() => 'written', String))
      .toBe('written');
    const next = await cluster.leader();
    expect(next).not.toBe(leader);

    await cluster.restart(leader);
    const member = cluster.members[leader]!;
    expect(member.isRunning()).toBe(true);
    // It kept its data and caught up on what it missed.
    await expect.poll(() => get(member.endpoint, 'during', true)).toBe('2');
    expect(await get(member.endpoint, 'before')).toBe('1');
  });

  it('has no leader without a quorum, and elects one when a member comes back', async () => {
    await cluster.kill(0);
    await cluster.kill(1);
    await expect.poll(() => cluster.leader()).toBeUndefined();
    await Promise.all([cluster.restart(0), cluster.restart(1)]);
    await expect.poll(() => cluster.leader()).toBeTypeOf('number');
    expect(await get(cluster.endpoints[0]!, 'during')).toBe('2');
  });

  it('refuses to restart a running member', async () => {
    await expect(cluster.restart(2)).rejects.toThrow('chamber-3 is running');
  });
});
