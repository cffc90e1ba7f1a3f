import { loadConfig } from '@chamber/config';
import { ChamberError, Code } from '@chamber/errors';
import { waitUntilServing } from '@chamber/grpc';
import { RunState, ScenarioRun } from '@chamber/protos';
import { ScenariosClient } from '@chamber/scenarios-client';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { createScenariosService, scenariosSchema } from '../src/index.js';

// The Scenarios gRPC service against a real etcd, the services it drives out
// of reach (nothing listens on their port): its checks, its run records, a
// run that cannot reach the Chamber ending in error, and a run its dead
// runner left `running` marked interrupted when the service starts.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const nowhere = '127.0.0.1:1';
const scenario = ['name: tiny', 'inventory:', '  sample: small', 'run:', '  until: 5', ''].join(
  '\n',
);

async function world(label: string, before?: (store: Store) => Promise<void>) {
  const simulation = uniqueSimulation(label);
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  cleanup.push(() => store.close());
  await before?.(store);
  const service = createScenariosService(
    loadConfig(scenariosSchema(), {
      env: {},
      overrides: {
        listen: { host: '127.0.0.1', port: 0 },
        etcd: { endpoints: etcdEndpoints() },
        simulation,
        services: {
          stepper: nowhere,
          inventory: nowhere,
          faults: nowhere,
          repair: nowhere,
          workloads: nowhere,
        },
      },
    }),
    { logger: createLogger({ service: 'scenarios', level: 'silent' }) },
  );
  const address = `127.0.0.1:${(await service.start()).port}`;
  cleanup.push(() => service.stop());
  await waitUntilServing(address, { timeoutMs: budgets.waitMs });
  const client = ScenariosClient.connect(address);
  cleanup.push(() => client.close());
  return { store, client };
}

/** The error `promise` rejects with. */
async function refusal(promise: Promise<unknown>): Promise<ChamberError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChamberError);
  return error as ChamberError;
}

describe('the Scenarios service', () => {
  it('checks a scenario: its figures, or every problem at file:line:col', async () => {
    const { client } = await world('scn-check');
    expect(await client.check(scenario, 'tiny.yaml')).toMatchObject({
      name: 'tiny',
      inputs: 0,
      expectations: 0,
      lastTick: 5,
    });
    const bad = await refusal(client.check(scenario.replace('until: 5', 'until: soon'), 'b.yaml'));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).toMatch(/b\.yaml:\d+:\d+/);
    expect(await client.listRuns()).toEqual([]);
  });

  it('records a run, and ends it in error with the reason when the Chamber is out of reach', async () => {
    const { client, store } = await world('scn-error');
    const started = await client.startRun(scenario, { fileName: 'tiny.yaml', seed: 9 });
    expect(started).toMatchObject({ name: 'tiny', seed: 9, state: RunState.RUN_STATE_RUNNING });
    const ended = await new Promise<ScenarioRun>((resolve, reject) => {
      let last: ScenarioRun | undefined;
      client.watchRun(
        started.id,
        (run) => (last = run),
        (error) => (error === undefined ? resolve(last!) : reject(error)),
      );
    });
    expect(ended.state).toBe(RunState.RUN_STATE_ERROR);
    expect(ended.reason).toMatch(/cannot reach/);
    expect(ended.endedAt).toBeDefined();
    // The record is in the store, under the bookkeeping prefix.
    const stored = await store.get(ScenarioRun, keys.scenarioRun(started.id));
    expect(stored?.value.state).toBe(RunState.RUN_STATE_ERROR);
    const second = await client.startRun(scenario);
    expect((await client.listRuns()).map((r) => r.id)).toEqual([second.id, started.id]);
    expect((await refusal(client.getRun('run-0'))).code).toBe(Code.NotFound);
  });

  it('marks a run its dead runner left running interrupted before it serves', async () => {
    const id = 'run-0000000000001-abcdef';
    const { client } = await world('scn-interrupted', async (store) => {
      await store.put(ScenarioRun, keys.scenarioRun(id), {
        ...ScenarioRun.fromPartial({}),
        id,
        name: 'tiny',
        state: RunState.RUN_STATE_RUNNING,
        tick: 3,
        lastTick: 5,
        doing: 'running',
      });
    });
    const run = await client.getRun(id);
    expect(run.state).toBe(RunState.RUN_STATE_INTERRUPTED);
    expect(run.reason).toMatch(/at tick 3, running\); found running when it started again/);
  });
});
