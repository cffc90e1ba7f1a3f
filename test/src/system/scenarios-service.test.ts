import { ApiClient, type ScenarioRun as RunAnswer } from '@chamber/api';
import { ChamberError, Code, httpStatusOf } from '@chamber/errors';
import { RunState, type ScenarioRun } from '@chamber/protos';
import { parseScenario, runScenario } from '@chamber/scenario';
import { connect, type Chamber } from '@chamber/sdk';
import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckedClient } from './frontend-world.js';
import {
  repo,
  runToEnd,
  serveFrontendFor,
  startScenariosProcess,
  startSimulationProcesses,
  type Child,
} from './processes.js';

// The scenarios service (issue 19 §2) on a running simulation, each service
// its own process as the launcher runs them: the simulation starts on the
// `small` sample, so the first run loads the scenario's `standard` first.
// A run through StartRun + WatchRun gives the digest of a headless
// runScenario of the same file on the same Chamber; a second run is refused
// while one is in progress; a malformed file is refused at file:line:col and
// starts nothing; a service killed mid-run marks its run interrupted when it
// starts again; and `chamber scenario run FILE --connect` runs it there too.

const file = path.join(repo, 'scenarios/pdu-failure-spread.yaml');
const source = fs.readFileSync(file, 'utf8');

const cleanup: Array<() => Promise<void> | void> = [];
let chamber: Chamber;
let scenarios: { child: Child; address: string };
let startScenarios: (port?: string) => Promise<{ child: Child; address: string }>;
/** The REST API in front of them, the admin logged in; and a user with step_time alone. */
let admin: ApiClient;
let timeKeeper: ApiClient;

beforeAll(async () => {
  const sim = await startSimulationProcesses({
    label: 'scenarios-service',
    seed: 1,
    cleanup,
    env: { inventory: { CHAMBER_INVENTORY_DEFINITION: 'small' } },
  });
  const stepper = `127.0.0.1:${sim.stepperPort}`;
  startScenarios = (port = '0') => startScenariosProcess(sim, { port });
  scenarios = await startScenarios();
  cleanup.push(() => scenarios.child.kill('SIGKILL'));
  chamber = connect({
    addresses: {
      stepper,
      inventory: sim.address('inventory'),
      faults: sim.address('faults'),
      'inventory-repair': sim.address('inventory-repair'),
      'workload-repair': sim.address('workload-repair'),
      monitor: sim.address('monitor'),
      scenarios: scenarios.address,
    },
  });
  cleanup.push(() => chamber.close());

  const adminPassword = 'scenarios-admin-password';
  const baseUrl = await serveFrontendFor(sim, scenarios.address, { adminPassword, cleanup });
  const cookieOf = async (user: string, password: string) =>
    (await new ApiClient({ baseUrl }).call('logIn', { body: { user, password } })).headers
      .get('set-cookie')!
      .split(';')[0]!;
  admin = new CheckedClient({ baseUrl, cookie: await cookieOf('admin', adminPassword) });
  await admin.call('createUser', {
    body: { name: 'keeper', password: 'keeper-password', rights: ['step_time'] },
  });
  timeKeeper = new CheckedClient({ baseUrl, cookie: await cookieOf('keeper', 'keeper-password') });
}, budgets.hookMs);

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
}, budgets.hookMs);

/** The code of the error `promise` rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<{ code: Code; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChamberError);
  const { code, message } = error as ChamberError;
  return { code, message };
}

let serviceDigest: string;

describe('the scenarios service', () => {
  it(
    'runs a scenario on the running Chamber (its inventory loaded first), one run at a time, watched to its report',
    async () => {
      const seen: ScenarioRun[] = [];
      const run = chamber.runScenario(source, {
        fileName: 'pdu-failure-spread.yaml',
        onProgress: (r) => seen.push(r),
      });
      // Once the run has a record, a second one is refused and starts nothing.
      await chamber.clock.waitForTick((await chamber.tick()) + 1);
      const second = await codeOf(chamber.scenarios.startRun(source));
      expect(second.code).toBe(Code.FailedPrecondition);
      expect(second.message).toMatch(/is in progress/);
      const report = await run;
      expect(report.passed).toBe(true);
      expect(report.tick).toBe(150);
      expect(report.digest).toMatch(/^[0-9a-f]{64}$/);
      serviceDigest = report.digest;
      // The watch saw it load, move on and end; the last record holds the report.
      expect(seen.some((r) => r.doing === 'loading')).toBe(true);
      expect(seen.some((r) => r.tick > 0 && r.tick < 150)).toBe(true);
      const last = seen.at(-1)!;
      expect(last.state).toBe(RunState.RUN_STATE_PASSED);
      expect(last.report?.digest).toBe(report.digest);
      const runs = await chamber.scenarios.listRuns();
      expect(runs).toHaveLength(1);
      expect((await chamber.scenarios.getRun(runs[0]!.id)).report?.digest).toBe(report.digest);
    },
    budgets.longTestMs,
  );

  it(
    'gives the digest a headless run of the same file gives',
    async () => {
      const headless = await runScenario(chamber, parseScenario(source, file));
      expect(headless.passed).toBe(true);
      expect(headless.digest).toBe(serviceDigest);
    },
    budgets.longTestMs,
  );

  it(
    'runs through the CLI with --connect: the same report, JUnit XML, progress on stderr',
    async () => {
      const junit = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-connect-')), 'r.xml');
      const cli = path.join(repo, 'clients/cli/bin/chamber.js');
      const args = ['scenario', 'run', file, '--connect', scenarios.address, '--junit', junit];
      const run = await runToEnd(process.execPath, [cli, ...args]);
      expect(run.stderr).toMatch(/on the running Chamber/);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/scenario pdu-failure-spread \(seed 1\): passed at tick 150/);
      expect(run.stdout).toContain(`digest ${serviceDigest}`);
      expect(fs.readFileSync(junit, 'utf8')).toContain(`value="${serviceDigest}"`);
      fs.rmSync(path.dirname(junit), { recursive: true, force: true });
    },
    budgets.longTestMs,
  );

  it('refuses a malformed scenario at file:line:col and starts nothing', async () => {
    const bad = source.replace('kind: power_loss', 'kind: power_lost');
    const checked = await codeOf(chamber.scenarios.check(bad, 'bad.yaml'));
    expect(checked.code).toBe(Code.InvalidArgument);
    expect(checked.message).toMatch(/bad\.yaml:\d+:\d+/);
    const before = (await chamber.scenarios.listRuns()).length;
    const started = await codeOf(chamber.scenarios.startRun(bad, { fileName: 'bad.yaml' }));
    expect(started.code).toBe(Code.InvalidArgument);
    expect(started.message).toMatch(/bad\.yaml:\d+:\d+/);
    expect(await chamber.scenarios.listRuns()).toHaveLength(before);
    const good = await chamber.scenarios.check(source, 'pdu-failure-spread.yaml');
    expect(good).toMatchObject({ name: 'pdu-failure-spread', inputs: 1, lastTick: 150 });
  });
});

/** The HTTP status and message of a refused call. */
async function refusal(
  p: Promise<unknown>,
): Promise<{ status: number; code: string; message: string }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChamberError);
  const e = error as ChamberError;
  return { status: httpStatusOf(e.code), code: Code[e.code], message: e.message };
}

/** The `scenarios` events of `/api/v1/events`, from now on: `next()` resolves with each record. */
async function scenarioEvents(api: ApiClient, signal: AbortSignal) {
  const res = await api.open('streamEvents', { query: { kinds: 'scenarios' }, signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return async function next(): Promise<{ event: string; value: RunAnswer }> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          frame.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        const event = field('event');
        if (event === undefined) continue;
        const data = JSON.parse(field('data') ?? 'null') as { value: RunAnswer };
        return { event, value: data.value };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += value;
    }
  };
}

describe('the scenario routes (REST)', () => {
  it(
    'start a run (202 + its record), carry its progress as scenarios events, and answer its report',
    async () => {
      const abort = new AbortController();
      const next = await scenarioEvents(admin, abort.signal);
      const started = await admin.call<RunAnswer>('startScenarioRun', {
        body: { source, fileName: 'pdu-failure-spread.yaml' },
      });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ state: 'RUN_STATE_RUNNING', seed: 1, lastTick: 150 });
      const { id } = started.body;
      const seen: RunAnswer[] = [];
      for (;;) {
        const { event, value } = await next();
        expect(event).toBe('scenarios');
        if (value.id !== id) continue;
        seen.push(value);
        if (value.state !== 'RUN_STATE_RUNNING') break;
      }
      abort.abort();
      expect(seen.some((r) => (r.tick ?? 0) > 0 && (r.tick ?? 0) < 150)).toBe(true);
      expect(seen.at(-1)!.state).toBe('RUN_STATE_PASSED');
      const got = await admin.call<RunAnswer>('getScenarioRun', { params: { id } });
      expect(got.body.report?.digest).toBe(serviceDigest);
      expect(got.body.report?.passed).toBe(true);
      expect(got.body.requestedBy).toBe('user:admin');
      const list = await admin.call<{ runs: RunAnswer[] }>('listScenarioRuns');
      expect(list.body.runs[0]?.id).toBe(id);
    },
    budgets.longTestMs,
  );

  it('refuse a malformed file (400, file:line:col), a run without the rights its inputs need (403), an unknown run (404)', async () => {
    const bad = source.replace('kind: power_loss', 'kind: power_lost');
    const before = (await admin.call<{ runs: RunAnswer[] }>('listScenarioRuns')).body.runs.length;
    for (const id of ['checkScenario', 'startScenarioRun']) {
      const r = await refusal(admin.call(id, { body: { source: bad, fileName: 'bad.yaml' } }));
      expect(r.status).toBe(400);
      expect(r.message).toMatch(/bad\.yaml:\d+:\d+/);
    }
    const checked = await admin.call('checkScenario', { body: { source } });
    expect(checked.body).toMatchObject({ name: 'pdu-failure-spread', inputs: 1, lastTick: 150 });
    // step_time alone: its workload and its fault need modify_workloads and inject_faults.
    const denied = await refusal(timeKeeper.call('startScenarioRun', { body: { source } }));
    expect(denied.status).toBe(403);
    expect(denied.message).toMatch(/"modify_workloads", "inject_faults"/);
    expect((await admin.call<{ runs: RunAnswer[] }>('listScenarioRuns')).body.runs).toHaveLength(
      before,
    );
    const unknown = await refusal(admin.call('getScenarioRun', { params: { id: 'run-0' } }));
    expect(unknown.status).toBe(404);
  });
});

/** A scenario to apply into the running simulation: workload `name`, a crash at 3 cleared at 6. */
const applicable = (name: string) => `name: apply-${name}
inventory: { sample: standard }
workloads:
  - { name: ${name}, instances: 2, demand: { cores: 2 }, image: img-1 }
timeline:
  - at: 3
    fault: { id: c, kind: crash, targets: [standard/z1/rack1/blade/1] }
  - at: 6
    clear: c
run: { until: 10 }
`;

describe('plan and apply on the running simulation', () => {
  it(
    'plans without writing anything, and applies each input at now + its tick (gRPC)',
    async () => {
      const before = await chamber.status();
      const plan = await chamber.planScenario(applicable('api'), { fileName: 'api.yaml' });
      expect(plan).toMatchObject({ name: 'apply-api', now: before.tick, problems: [] });
      expect(plan.inventory).toBeUndefined();
      expect(plan.inputs.map((i) => [i.at, i.what])).toEqual([
        [before.tick + 3, 'inject crash (c) on standard/z1/rack1/blade/1'],
        [before.tick + 6, 'clear fault c'],
      ]);
      const after = await chamber.status();
      expect([after.tick, after.digest]).toEqual([before.tick, before.digest]);
      // The file of the run above: its workload exists now.
      const again = await chamber.planScenario(source, { fileName: 'pdu-failure-spread.yaml' });
      expect(again.problems).toEqual([
        'pdu-failure-spread.yaml: workload web exists already; it would not be created',
      ]);

      const applied = await chamber.applyScenario(applicable('api'), { fileName: 'api.yaml' });
      expect(applied.now).toBe(before.tick);
      const fault = (await chamber.faults.list()).find(
        (f) => f.targets.includes('standard/z1/rack1/blade/1') && f.createdTick > before.tick,
      )!;
      expect(fault.createdTick).toBe(before.tick + 3);
      // Cleared at its tick, unless a repair fixed the blade first.
      expect((await chamber.faults.get(fault.id)).sinceTick).toBeLessThanOrEqual(before.tick + 6);
      expect((await chamber.workloads.get('api')).spec?.instances).toBe(2);
      const [last] = await chamber.scenarios.listRuns();
      expect(last).toMatchObject({ state: RunState.RUN_STATE_APPLIED, tick: before.tick + 5 });
    },
    budgets.longTestMs,
  );

  it(
    'over REST: a plan (its problems too), and an apply followed by scenarios events to applied',
    async () => {
      const problems = await admin.call('planScenario', { body: { source } });
      expect(problems.body).toMatchObject({
        name: 'pdu-failure-spread',
        problems: ['scenario.yaml: workload web exists already; it would not be created'],
      });
      const plan = await admin.call<{ problems?: string[] }>('planScenario', {
        body: { source: applicable('db') },
      });
      expect(plan.body.problems ?? []).toEqual([]);
      const abort = new AbortController();
      const next = await scenarioEvents(admin, abort.signal);
      const started = await admin.call<RunAnswer>('startScenarioRun', {
        body: { source: applicable('db'), mode: 'apply' },
      });
      expect(started.body).toMatchObject({ state: 'RUN_STATE_RUNNING', mode: 'RUN_MODE_APPLY' });
      let end: RunAnswer;
      for (;;) {
        const { value } = await next();
        if (value.id === started.body.id && value.state !== 'RUN_STATE_RUNNING') {
          end = value;
          break;
        }
      }
      abort.abort();
      expect([end.state, end.reason]).toEqual(['RUN_STATE_APPLIED', undefined]);
      expect(end.plan?.inputs?.map((i) => i.what)).toEqual([
        'inject crash (c) on standard/z1/rack1/blade/1',
        'clear fault c',
      ]);
      // step_time alone may not apply what needs other rights.
      const denied = await refusal(
        timeKeeper.call('startScenarioRun', { body: { source: applicable('x'), mode: 'apply' } }),
      );
      expect(denied.status).toBe(403);
      expect(denied.message).toMatch(/^applying scenario apply-x needs the right\(s\)/);
    },
    budgets.longTestMs,
  );

  it(
    'through the CLI: plan prints it and exits 1 when it cannot be applied; apply applies',
    async () => {
      const cli = path.join(repo, 'clients/cli/bin/chamber.js');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-apply-'));
      const cache = path.join(dir, 'cache.yaml');
      fs.writeFileSync(cache, applicable('cache'));
      const chamberCli = (...args: string[]) =>
        runToEnd(process.execPath, [cli, 'scenario', ...args, '--connect', scenarios.address]);
      const refused = await chamberCli('plan', file);
      expect(refused.code, refused.stderr).toBe(1);
      expect(refused.stdout).toContain(`✗ ${file}: workload web exists already`);
      expect(refused.stderr).toMatch(/cannot be applied now: 1 problem/);
      const planned = await chamberCli('plan', cache);
      expect(planned.code, planned.stderr).toBe(0);
      const now = (await chamber.status()).tick;
      expect(planned.stdout.split('\n')).toEqual([
        `scenario apply-cache, planned at tick ${now} (its tick t is tick ${now} + t)`,
        '  inventory: the one in force; nothing to load',
        `  tick ${now + 1}: create workload cache, 2 instance(s) of 2 core(s)`,
        `  tick ${now + 3}: inject crash (c) on standard/z1/rack1/blade/1  ${cache}:6:5`,
        `  tick ${now + 6}: clear fault c  ${cache}:8:5`,
        '  it can be applied now',
        '',
      ]);
      const applied = await chamberCli('apply', cache);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stdout).toContain(
        `  applied: every input is in; the clock stands at tick ${now + 5}`,
      );
      expect((await chamber.workloads.get('cache')).spec?.instances).toBe(2);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    budgets.longTestMs,
  );
});

describe('a scenario run whose service dies', () => {
  it(
    'marks a run interrupted when its service, killed mid-run, starts again',
    async () => {
      const run = await chamber.scenarios.startRun(source);
      // Mid-run: its record has moved past tick 0.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the run did not move on')),
          budgets.testMs,
        );
        const watch = chamber.scenarios.watchRun(
          run.id,
          (r) => {
            if (r.tick > 0) {
              clearTimeout(timer);
              watch.cancel();
              resolve();
            }
          },
          (error) => (error === undefined ? undefined : reject(error)),
        );
      });
      const port = scenarios.address.split(':').pop()!;
      await scenarios.child.kill('SIGKILL');
      scenarios = await startScenarios(port);
      const after = await chamber.scenarios.getRun(run.id);
      expect(after.state).toBe(RunState.RUN_STATE_INTERRUPTED);
      expect(after.reason).toMatch(/stopped during the run/);
      expect(after.endedAt).toBeDefined();
      // And it runs again.
      const next = await chamber.scenarios.check(source);
      expect(next.name).toBe('pdu-failure-spread');
    },
    budgets.longTestMs,
  );
});
