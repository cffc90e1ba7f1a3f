import { Code, isChamberError } from '@chamber/errors';
import { callUnary, checkHealth } from '@chamber/grpc';
import {
  PlacementRecord,
  SchedulerClient,
  UnplacedRecord,
  type ExplainPlacementRequest,
  type ExplainPlacementResponse,
  type PlacementExplanation,
} from '@chamber/protos';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { credentials, Metadata } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchedulerService, loadSchedulerConfig } from '../src/index.js';

const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A scheduler on a free port against the test etcd, a store of its simulation, and a client. */
async function startScheduler() {
  const simulation = uniqueSimulation('scheduler');
  const config = loadSchedulerConfig({
    env: {},
    overrides: {
      listen: { host: '127.0.0.1', port: 0 },
      etcd: { endpoints: etcdEndpoints() },
      simulation,
    },
  });
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  closers.push(() => store.close());
  const service = createSchedulerService(config, {
    logger: createLogger({ service: 'scheduler', level: 'silent' }),
  });
  const { port } = await service.start();
  closers.push(() => service.stop());
  const address = `127.0.0.1:${port}`;
  const client = new SchedulerClient(address, credentials.createInsecure());
  closers.push(() => client.close());
  const explain = (req: ExplainPlacementRequest) =>
    callUnary<ExplainPlacementRequest, ExplainPlacementResponse>(
      client.explainPlacement.bind(client),
      req,
      new Metadata(),
      10_000,
    );
  return { store, address, explain };
}

const explanation = (blade: string, summary: string): PlacementExplanation => ({
  tick: 4,
  blade,
  candidates:
    blade === '' ? [] : [{ blade, score: 12, components: [{ name: 'spread', value: 12 }] }],
  filtered: [{ filter: 'cores', blades: 1204, reason: '1,204 blades lack 8 free cores' }],
  summary,
});

describe('the scheduler service', () => {
  it('explains a placement and an unplaced instance from the store, and says what is wrong otherwise', async () => {
    const { store, address, explain } = await startScheduler();
    expect(
      await checkHealth(address, { service: 'chamber.workloads.v1.Scheduler', timeoutMs: 5_000 }),
    ).toBe('serving');
    const blade = 'r/z1/rack1/blade/3';
    const placed = explanation(blade, `placed on ${blade} by spread`);
    await store.put(PlacementRecord, keys.placement(blade, 'web', 1), {
      workload: 'web',
      n: 1,
      blade,
      demand: { cores: 8, memoryGib: 16, diskGib: 20, networkGbps: 0 },
      placedTick: 4,
      explanation: placed,
    });
    const pending = explanation(
      '',
      'no blade fits 8 cores by spread: 1,204 blades lack 8 free cores',
    );
    await store.put(UnplacedRecord, keys.unplaced('web', 2), {
      workload: 'web',
      n: 2,
      sinceTick: 4,
      explanation: pending,
    });

    expect(await explain({ workload: 'web', n: 1 })).toEqual({ placed: true, explanation: placed });
    expect(await explain({ workload: 'web', n: 2 })).toEqual({
      placed: false,
      explanation: pending,
    });
    await expect(explain({ workload: 'web', n: 3 })).rejects.toSatisfy(
      (e) =>
        isChamberError(e) &&
        e.code === Code.NotFound &&
        e.message.includes('instance "web/3" has no placement and no unplaced record'),
    );
    await expect(explain({ workload: 'Web!', n: 1 })).rejects.toSatisfy(
      (e) =>
        isChamberError(e) &&
        e.code === Code.InvalidArgument &&
        e.message.startsWith('workload: "Web!" is no workload name'),
    );
  });
});
