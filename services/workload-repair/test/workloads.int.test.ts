import { ClockClient } from '@chamber/clock-client';
import { loadConfig } from '@chamber/config';
import { Code, isChamberError } from '@chamber/errors';
import { waitUntilServing } from '@chamber/grpc';
import { InstanceRecord, Policy, WorkloadRecord, WorkloadPhase } from '@chamber/protos';
import { createStepperService, stepperSchema } from '@chamber/stepper';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { workloadsInbox, WorkloadsClient, type WorkloadSpecWords } from '@chamber/workloads-client';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkloadRepairService, loadWorkloadRepairConfig } from '../src/index.js';

// The Workloads gRPC service of a real workload repair manager, in front of a
// real stepper and etcd: every change is an input that takes effect at the
// tick the call answers.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world(label: string) {
  const simulation = uniqueSimulation(label);
  const common = {
    listen: { host: '127.0.0.1', port: 0 },
    etcd: { endpoints: etcdEndpoints() },
    simulation,
  };
  const silent = (service: string) => ({ logger: createLogger({ service, level: 'silent' }) });
  const stepper = createStepperService(
    loadConfig(stepperSchema(), { env: {}, overrides: common }),
    silent('stepper'),
  );
  const manager = createWorkloadRepairService(
    loadWorkloadRepairConfig({ env: {}, overrides: common }),
    silent('workload-repair'),
  );
  const clockAddress = `127.0.0.1:${(await stepper.start()).port}`;
  cleanup.push(() => stepper.stop());
  const address = `127.0.0.1:${(await manager.start()).port}`;
  cleanup.push(() => manager.stop());
  await waitUntilServing(address, { timeoutMs: budgets.waitMs });
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  const clock = ClockClient.connect(clockAddress);
  const workloads = WorkloadsClient.connect(address);
  cleanup.push(
    () => store.close(),
    () => clock.close(),
    () => workloads.close(),
  );
  await clock.waitForTick(0);
  await clock.setPolicy(Policy.POLICY_MANUAL);
  return { store, clock, workloads };
}

const web: WorkloadSpecWords = {
  name: 'web',
  instances: 3,
  demand: { cores: 2, memoryGib: 4 },
  image: 'web:1',
  placement: { rule: 'strong_anti_affinity', level: 'rack' },
  maxUnavailable: 1,
};

/** The error a call rejected with: its code, message and the field it names. */
async function refusal(call: Promise<unknown>) {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isChamberError(error)) throw new Error(`expected a ChamberError, got ${String(error)}`);
  return { code: error.code, message: error.message, field: error.details?.field };
}

describe('the Workloads service', () => {
  it('creates a workload at the tick it answers: the record and its instances exist from then', async () => {
    const { store, clock, workloads } = await world('wl-create');
    const effectiveTick = await workloads.create(web);
    expect(effectiveTick).toBe((await clock.getStatus()).tick + 1);
    expect(await store.get(WorkloadRecord, keys.workload('web'))).toBeUndefined();
    // Read as it stands once the inputs waiting are applied: there, not stored yet.
    expect(await workloads.get('web')).toMatchObject({
      createdTick: effectiveTick,
      generation: 1,
      revision: 0,
    });
    // A second create of the same name waits for the same tick: refused.
    expect(await refusal(workloads.create(web))).toMatchObject({
      code: Code.AlreadyExists,
      field: 'spec.name',
    });

    const status = await clock.step(effectiveTick - (await clock.getStatus()).tick);
    expect(status).toMatchObject({ tick: effectiveTick, settled: true });
    const record = await store.get(WorkloadRecord, keys.workload('web'));
    expect(record?.value).toMatchObject({
      generation: 1,
      createdTick: effectiveTick,
      nextInstance: 3,
      phase: WorkloadPhase.WORKLOAD_PHASE_PROGRESSING,
    });
    const instances = await store.list(InstanceRecord, keys.instancesOfWorkload('web'));
    expect(instances.entries.map((e) => [e.value.n, e.value.wanted])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ]);
    // The inputs are consumed.
    expect((await store.listRaw(workloadsInbox)).entries).toEqual([]);

    const got = await workloads.get('web');
    expect(got).toMatchObject({
      generation: 1,
      instancesByState: { pending: 3 },
      revision: record?.modRevision,
    });
    expect((await workloads.list()).map((w) => w.spec?.name)).toEqual(['web']);
    expect(
      (await workloads.listInstances({ workload: 'web' })).map((i) => [i.n, i.blade, i.wanted]),
    ).toEqual([
      [0, '', true],
      [1, '', true],
      [2, '', true],
    ]);
  });

  it('refuses a bad spec naming the field, and writes nothing', async () => {
    const { store, workloads } = await world('wl-invalid');
    const cases: [Partial<WorkloadSpecWords>, string][] = [
      [{ name: 'Web!' }, 'spec.name'],
      [{ instances: 1_000_000 }, 'spec.instances'],
      [{ demand: { cores: 0 } }, 'spec.demand.cores'],
      [{ image: '' }, 'spec.image'],
      [{ placement: { rule: 'weak_affinity' } }, 'spec.placement.level'],
      [{ maxUnavailable: 0 }, 'spec.max_unavailable'],
    ];
    for (const [change, field] of cases) {
      const refused = await refusal(workloads.create({ ...web, ...change }));
      expect(refused, field).toMatchObject({ code: Code.InvalidArgument, field });
      expect(refused.message).toContain(field);
    }
    expect(await refusal(workloads.delete('nothing'))).toMatchObject({ code: Code.NotFound });
    expect(await refusal(workloads.update({ ...web, name: 'nothing' }))).toMatchObject({
      code: Code.NotFound,
    });
    expect((await store.listRaw(workloadsInbox)).entries).toEqual([]);
    expect((await store.listRaw(keys.pendingPrefix)).entries).toEqual([]);
  });

  it('refuses an update or delete guarded by a stale revision, and takes the current one', async () => {
    const { store, clock, workloads } = await world('wl-revision');
    await workloads.create(web);
    await clock.step(1);
    const { revision } = await workloads.get('web');

    const stale = await refusal(workloads.update({ ...web, instances: 5 }, revision - 1));
    expect(stale).toMatchObject({ code: Code.FailedPrecondition, field: 'match_revision' });
    expect(await refusal(workloads.delete('web', revision + 1))).toMatchObject({
      code: Code.FailedPrecondition,
    });
    expect((await store.listRaw(workloadsInbox)).entries).toEqual([]);

    const effectiveTick = await workloads.update({ ...web, image: 'web:2' }, revision);
    await clock.step(effectiveTick - (await clock.getStatus()).tick);
    expect((await workloads.get('web')).generation).toBe(2);

    // A delete waiting for its tick already shows, and refuses further changes.
    await workloads.delete('web');
    expect((await workloads.get('web')).phase).toBe(WorkloadPhase.WORKLOAD_PHASE_DELETING);
    expect(await refusal(workloads.update(web))).toMatchObject({
      code: Code.FailedPrecondition,
    });
  });
});
