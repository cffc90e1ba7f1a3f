import { ChamberError, Code } from '@chamber/errors';
import { FaultStatus, TargetState } from '@chamber/protos';
import { applyScenario, parseScenario, planScenario } from '@chamber/scenario';
import { start, type StartedChamber } from '@chamber/sdk';
import { budgets } from '@chamber/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A scenario planned against, and applied to, a simulation that has been
// running for a while: its ticks count from now, nothing is reset, and
// a plan writes nothing.
let chamber: StartedChamber;
beforeAll(async () => {
  chamber = await start({
    definition: 'standard',
    seed: 3,
    participantGraceSeconds: budgets.participantGraceSeconds,
  });
  await chamber.runUntil(10);
}, budgets.hookMs);
afterAll(() => chamber?.stop(), budgets.hookMs);

const blade = 'standard/z1/rack1/blade/0';
const scenario = (workload: string, inventory = 'standard', clock = '') =>
  parseScenario(
    `name: apply-${workload}
inventory: { sample: ${inventory} }
${clock}
workloads:
  - { name: ${workload}, instances: 2, demand: { cores: 2 }, image: img-1 }
timeline:
  - at: 2
    fault: { id: c, kind: crash, targets: [${blade}] }
  - at: 5
    clear: c
  - at: 7
    target: { path: standard/z1/rack2/blade/1, state: out_for_repair, drain: true }
  - at: 8
    fault: { kind: hang, targets: [standard/z1/rack3/blade/2], at: 9, duration: 2 }
run: { until: 20 }
`,
    `${workload}.yaml`,
  );

describe('a scenario applied to a running simulation', () => {
  it('is planned without writing anything: its inputs at their ticks from now, the definition it would load', async () => {
    const before = await chamber.status();
    const plan = await planScenario(chamber, scenario('web'), 'web.yaml');
    expect(plan).toMatchObject({
      name: 'apply-web',
      now: 10,
      workloads: ['web, 2 instance(s) of 2 core(s)'],
      problems: [],
    });
    expect(plan.inventory).toBeUndefined();
    expect(plan.inputs.map((i) => `${i.at}: ${i.what}`)).toEqual([
      `12: inject crash (c) on ${blade}`,
      '15: clear fault c',
      '17: set standard/z1/rack2/blade/1 out for repair, with drain',
      // Its own schedule counts from now too.
      '18: inject hang on standard/z1/rack3/blade/2, from tick 19, lasting 2 ticks',
    ]);
    const other = await planScenario(chamber, scenario('web', 'small'), 'web.yaml');
    expect(other.inventory).toMatchObject({ fileName: 'small.yaml', blades: 8 });
    expect(other.inventory?.removedPaths).toContain('standard');
    const after = await chamber.status();
    expect([after.tick, after.digest]).toEqual([before.tick, before.digest]);
  });

  it('applies each input exactly at now + its tick, and leaves a paused clock where its last input went in', async () => {
    const applied = await applyScenario(chamber, scenario('web'), 'web.yaml');
    expect(applied.tick).toBe(17);
    const hang = (await chamber.faults.list()).find((f) =>
      f.targets.includes('standard/z1/rack3/blade/2'),
    )!;
    expect([hang.createdTick, hang.schedule?.at]).toEqual([18, 19]);
    const fault = (await chamber.faults.list()).find((f) => f.targets.includes(blade))!;
    expect(fault.createdTick).toBe(12);
    await chamber.runUntil(18);
    expect((await chamber.faults.get(fault.id)).status).toBe(FaultStatus.FAULT_STATUS_CLEARED);
    expect((await chamber.faults.get(fault.id)).sinceTick).toBe(15);
    const target = (await chamber.element('standard/z1/rack2/blade/1', { view: 'target' })).target!;
    expect(target).toMatchObject({
      state: TargetState.TARGET_STATE_OUT_FOR_REPAIR,
      sinceTick: 17,
      drain: true,
    });
    expect((await chamber.workloads.get('web')).spec?.instances).toBe(2);
  });

  it('refuses a scenario whose workload exists already, changing nothing', async () => {
    const before = await chamber.status();
    const error = await applyScenario(chamber, scenario('web'), 'web.yaml').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChamberError);
    expect((error as ChamberError).code).toBe(Code.FailedPrecondition);
    expect((error as ChamberError).message).toBe(
      'scenario apply-web cannot be applied at tick 18; nothing was changed:\nweb.yaml: workload web exists already; it would not be created',
    );
    const after = await chamber.status();
    expect([after.tick, after.digest]).toEqual([before.tick, before.digest]);
  });

  it('keeps a measured clock at its pace, exact at each input, and lets it go on afterwards', async () => {
    await chamber.setPolicy('measured', 20);
    const applied = await applyScenario(chamber, scenario('api'), 'api.yaml');
    const { now } = applied.plan;
    const fault = (await chamber.faults.list()).find(
      (f) => f.targets.includes(blade) && f.createdTick > 12,
    )!;
    expect(fault.createdTick).toBe(now + 2);
    expect((await chamber.faults.get(fault.id)).sinceTick).toBe(now + 5);
    const status = await chamber.status();
    expect(status.until).toBeUndefined();
    // It goes on by itself.
    await chamber.waitForTick(applied.tick + 3);
    await chamber.setPolicy('paused');
  });

  it("runs at the scenario's own clock policy when it names one, and leaves the clock running so", async () => {
    const applied = await applyScenario(
      chamber,
      scenario('db', 'standard', 'clock: { policy: measured, rate: 25 }'),
      'db.yaml',
    );
    const fault = (await chamber.faults.list()).find(
      (f) => f.targets.includes(blade) && f.createdTick > applied.plan.now,
    )!;
    expect(fault.createdTick).toBe(applied.plan.now + 2);
    await chamber.waitForTick(applied.tick + 3);
    expect(await chamber.status()).toMatchObject({ rate: 25, until: undefined });
    await chamber.setPolicy('paused');
  });
});
