import { startEtcd, type EtcdProcess } from '@chamber/etcd-process';
import type { TestProject } from 'vitest/node';

let etcd: EtcdProcess | undefined;

/** Vitest global setup: one private etcd for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  etcd = await startEtcd();
  project.provide('etcdEndpoints', [...etcd.endpoints]);
}

export async function teardown(): Promise<void> {
  await etcd?.stop();
}
