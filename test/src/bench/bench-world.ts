import { ApiClient } from '@chamber/api';
import { freePort, type EtcdProcess } from '@chamber/etcd-process';
import { Policy } from '@chamber/protos';
import type { Tracer } from '@chamber/telemetry';
import { randomBytes } from 'node:crypto';
import { sample, startInventoryWorld } from '../system/inventory-world.js';
import { startFrontendProcess } from '../system/processes.js';

/** The admin's password in the benchmarks' frontends. */
export const adminPassword = 'bench horse battery staple';

/**
 * What the frontend benchmarks run: the stepper, inventory, fault injector,
 * monitor and repair manager in this process on `etcd`, a sample definition
 * loaded and the clock run `ticks` past its load (then left manual), and the
 * frontend as its own process (its real `main.js`) in front of them, with
 * the admin's session cookie.
 */
export async function startBenchWorld(
  label: string,
  etcd: EtcdProcess,
  options: {
    definition: string;
    ticks: number;
    webRoot?: string;
    /** The tracesink the frontend reads the log from (none by default). */
    tracesink?: string;
    /** Where each service's spans go (nowhere by default). */
    tracer?: (service: string) => Tracer;
  },
) {
  const endpoints = [...etcd.endpoints];
  const world = await startInventoryWorld(`${label}-${randomBytes(3).toString('hex')}`, {
    endpoints,
    seed: 7,
    monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 60 },
    repair: { rackBudget: 2 },
    ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
  });
  const port = await freePort();
  const frontend = startFrontendProcess({
    endpoints,
    simulation: world.simulation,
    port,
    adminPassword,
    services: world.addresses,
    ...(options.webRoot === undefined ? {} : { webRoot: options.webRoot }),
    ...(options.tracesink === undefined ? {} : { tracesink: options.tracesink }),
  });
  const close = async (): Promise<void> => {
    await frontend.kill('SIGTERM');
    await world.close();
  };
  try {
    const load = await world.load(sample(options.definition), `${options.definition}.yaml`);
    await world.clock.setPolicy(Policy.POLICY_NO_WAIT);
    await world.clock.runUntil(load.effectiveTick + options.ticks);
    await world.clock.setPolicy(Policy.POLICY_MANUAL);
    await frontend.waitForLine(/frontend serving/);
    const baseUrl = `http://127.0.0.1:${port}`;
    const login = await new ApiClient({ baseUrl }).call('logIn', {
      body: { user: 'admin', password: adminPassword },
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    if (cookie === undefined) throw new Error('no session cookie from the log-in');
    return { world, baseUrl, cookie, tick: load.effectiveTick + options.ticks, close };
  } catch (error) {
    await close();
    throw error;
  }
}
