import { startEtcd, type EtcdProcess } from '@chamber/etcd-process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

let etcd: EtcdProcess | undefined;
let lockFile: string | undefined;

// Each run's etcd is recorded here, so a run that was killed (and could not
// stop its etcd) is cleaned up by the next one.
const runsDir = path.join(os.tmpdir(), 'chamber-test-runs');

interface RunRecord {
  readonly owner: number;
  readonly etcdPid: number;
  readonly dataDir: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function reapStaleRuns(): void {
  fs.mkdirSync(runsDir, { recursive: true });
  for (const name of fs.readdirSync(runsDir)) {
    const file = path.join(runsDir, name);
    try {
      const run = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
      if (isAlive(run.owner)) continue;
      if (isAlive(run.etcdPid)) process.kill(run.etcdPid, 'SIGKILL');
      fs.rmSync(run.dataDir, { recursive: true, force: true });
      fs.rmSync(file, { force: true });
    } catch {
      // Another run is reaping it, or the record is unreadable: leave it.
    }
  }
}

/** Vitest global setup: one private etcd for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  reapStaleRuns();
  etcd = await startEtcd();
  lockFile = path.join(runsDir, `${process.pid}.json`);
  const record: RunRecord = { owner: process.pid, etcdPid: etcd.pid, dataDir: etcd.dataDir };
  fs.writeFileSync(lockFile, JSON.stringify(record));
  project.provide('etcdEndpoints', [...etcd.endpoints]);
}

export async function teardown(): Promise<void> {
  await etcd?.stop();
  if (lockFile !== undefined) fs.rmSync(lockFile, { force: true });
}
