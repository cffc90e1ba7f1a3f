import { ChamberError, Code } from '@chamber/errors';
import { waitUntilServing } from '@chamber/grpc';
import { readServiceFailures, Store } from '@chamber/store';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { configOf, grpc, logger } from './fixtures.js';
import { hostService, type ServiceParts } from '../src/index.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function storeOf(simulation: string): Promise<Store> {
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  closers.push(() => store.close());
  return store;
}

describe('hostService, the chassis of every service', () => {
  it('serves, registers its endpoint, reports SERVING, and deregisters on stop', async () => {
    const simulation = uniqueSimulation('host');
    const store = await storeOf(simulation);
    const steps: string[] = [];
    const service = hostService({
      name: 'probe',
      config: configOf(simulation),
      logger,
      store,
      parts: (): ServiceParts => ({
        serve: { grpc: grpc() },
        afterServe: () => {
          steps.push('afterServe');
          return Promise.resolve();
        },
        afterRegister: (endpoint) => {
          steps.push(`afterRegister ${endpoint}`);
        },
        stop: async () => {
          // Still registered while it stops taking work.
          const { entries } = await store.listRaw(keys.instancesOf('probe'));
          steps.push(`stop (registered: ${entries.length})`);
        },
        close: () => {
          steps.push('close');
          return Promise.resolve();
        },
      }),
    });
    const { port } = await service.start();
    const address = `127.0.0.1:${port}`;
    await waitUntilServing(address, { timeoutMs: budgets.waitMs });
    const { entries } = await store.listRaw(keys.instancesOf('probe'));
    expect(entries.map((e) => (JSON.parse(e.value) as { endpoint: string }).endpoint)).toEqual([
      address,
    ]);

    await service.stop();
    expect((await store.listRaw(keys.instancesOf('probe'))).entries).toEqual([]);
    expect(steps).toEqual([
      'afterServe',
      `afterRegister ${address}`,
      'stop (registered: 1)',
      'close',
    ]);
  });

  it('records a failed start under its name, for GET /services, and a later start clears it', async () => {
    const simulation = uniqueSimulation('host-fail');
    const store = await storeOf(simulation);
    const failing = hostService({
      name: 'probe',
      config: configOf(simulation),
      logger,
      store,
      parts: () => ({
        serve: { grpc: grpc() },
        afterServe: () =>
          Promise.reject(new ChamberError(Code.FailedPrecondition, 'the definition is missing')),
      }),
    });
    closers.push(() => failing.stop());
    await expect(failing.start()).rejects.toThrow('the definition is missing');
    expect((await readServiceFailures(store)).get('probe')).toMatchObject({
      message: 'the definition is missing',
    });

    const working = hostService({
      name: 'probe',
      config: configOf(simulation),
      logger,
      store,
      parts: () => ({ serve: { grpc: grpc() } }),
    });
    closers.push(() => working.stop());
    await working.start();
    expect((await readServiceFailures(store)).has('probe')).toBe(false);
  });
});
