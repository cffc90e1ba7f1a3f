import { ApiClient, type Report } from '@chamber/api';
import { Code } from '@chamber/errors';
import { startEtcd } from '@chamber/etcd-process';
import { FaultKind, HistoryRecord, ReportLevel, type GetReportResponse } from '@chamber/protos';
import { ReportsClient } from '@chamber/reports-client';
import { parseScenario, runScenario, type ScenarioReport } from '@chamber/scenario';
import { connect, type Chamber } from '@chamber/sdk';
import { budgets, freePortRun } from '@chamber/testing';
import { keys } from '@chamber/world';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckedClient } from './frontend-world.js';
import { startInventoryWorld, twoRacks } from './inventory-world.js';
import {
  failures,
  repo,
  serveFrontendFor,
  startFrontendProcess,
  startSimulationProcesses,
} from './processes.js';

// Reports of a run (issue 21 §1) against a run whose figures are known by
// construction: blade 1 of small/z1/rack1 loses its network for exactly 10
// ticks at tick 20 and again at tick 60 (a network loss on its cable: it is
// isolated the tick the fault begins and works again the tick it ends),
// and the repair manager may run no repair in a rack (budget 0), so nothing
// but the faults' ends brings it back. Over ticks 10..99 that blade was
// counted 90 ticks, down 20: availability 70/90, 2 failures, MTTR 10. The
// same report comes from gRPC, REST and the CLI, and again, unchanged, from
// the same run with the monitor and the inventory killed and restarted in
// the middle of it (nothing counted twice), and from the same run with the
// inventory and the monitor in 2 shards each (another layout).

const blade = 'small/z1/rack1/blade/1';
const scenario = parseScenario(
  `
name: blade-down-twice
seed: 3
inventory:
  sample: small
timeline:
  - at: 20
    fault: { id: cut-1, kind: network_loss, targets: [${blade}/network-cable], duration: 10 }
  - at: 60
    fault: { id: cut-2, kind: network_loss, targets: [${blade}/network-cable], duration: 10 }
run:
  until: 100
expect:
  - at: 25
    state: { path: ${blade}, view: actual, is: isolated }
  - at: end
    state: { path: ${blade}, view: actual, is: working }
`,
  'blade-down-twice.yaml',
);
const range = { from: 10, to: 99 };
const cli = path.join(repo, 'clients/cli/bin/chamber.js');

const cleanup: Array<() => Promise<void> | void> = [];
let chamber: Chamber;
let restart: (name: string) => Promise<void>;
let api: ApiClient;
let token: string;
let baseUrl: string;
/** The first run's report by element and its scenario report, for the run again. */
let first: { report: GetReportResponse; scenario: ScenarioReport } | undefined;

beforeAll(async () => {
  const sim = await startSimulationProcesses({
    label: 'reports',
    seed: 3,
    cleanup,
    env: {
      inventory: { CHAMBER_INVENTORY_DEFINITION: 'small' },
      'inventory-repair': { CHAMBER_INVENTORY_REPAIR_RACK_BUDGET: '0' },
    },
  });
  restart = sim.restart;
  chamber = connect({
    addresses: {
      stepper: `127.0.0.1:${sim.stepperPort}`,
      inventory: sim.address('inventory'),
      faults: sim.address('faults'),
      'inventory-repair': sim.address('inventory-repair'),
      'workload-repair': sim.address('workload-repair'),
      monitor: sim.address('monitor'),
    },
  });
  cleanup.push(() => chamber.close());
  const adminPassword = 'reports-admin-password';
  // No scenarios service: nothing here calls it.
  baseUrl = await serveFrontendFor(sim, '127.0.0.1:1', { adminPassword, cleanup });
  const cookie = (
    await new ApiClient({ baseUrl }).call('logIn', {
      body: { user: 'admin', password: adminPassword },
    })
  ).headers
    .get('set-cookie')!
    .split(';')[0]!;
  api = new CheckedClient({ baseUrl, cookie });
  token = (await api.call<{ token: string }>('createToken', { body: { name: 'reports' } })).body
    .token;
}, budgets.hookMs);

afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
}, budgets.hookMs);

/** `chamber ARGS` against the frontend, with the token; its standard output. */
function chamberCli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, CHAMBER_API: baseUrl, CHAMBER_TOKEN: token } },
      (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(stderr))),
    );
  });
}

describe('the report of a run', () => {
  it(
    'counts a blade down exactly 10 ticks twice: 2 failures, MTTR 10, availability 70/90; the same from gRPC, REST and the CLI',
    async () => {
      const run = await runScenario(chamber, scenario);
      expect(failures(run)).toBe('');
      // The scenario report carries the run's figures (ticks 0 to 100).
      expect(run.elements).toMatchObject({ failures: 2, mttrTicks: 10, openOutages: 0 });

      const report = await chamber.reports.report(range, ReportLevel.REPORT_LEVEL_ELEMENT);
      expect(report).toMatchObject({ fromTick: 10, toTick: 99 });
      const group = report.groups.find((g) => g.name === blade);
      expect(group?.figures).toMatchObject({
        elements: 1,
        elementTicks: 90,
        workingTicks: 70,
        failures: 2,
        openOutages: 0,
        mttrTicks: 10,
        mtbfTicks: 35,
        longestOutageTicks: 10,
      });
      expect(group!.figures!.availability).toBeCloseTo(70 / 90, 12);
      expect(group!.outages.map((o) => [o.startTick, o.endTick, o.ticks])).toEqual([
        [20, 30, 10],
        [60, 70, 10],
      ]);
      // The monitor saw each outage before it ended: detection + repair = the outage.
      for (const o of group!.outages) {
        expect(o.detectedTick).toBeGreaterThan(o.startTick);
        expect(o.detectedTick).toBeLessThan(o.endTick!);
      }
      const f = group!.figures!;
      expect(f.meanDetectionTicks! + f.meanRepairTicks!).toBeCloseTo(10, 12);
      // Its repairs waited (no budget) and closed as recovered when it came back.
      expect(group!.repairs).toMatchObject({
        opened: 2,
        byOutcome: { recovered: 2 },
        escalations: 0,
      });
      // The run as tick 99 left it, and mid-way through the first outage.
      expect(report).toMatchObject({ openRepairs: 0, pendingInstances: 0 });
      expect(
        await chamber.reports.report({ from: 10, to: 28 }, ReportLevel.REPORT_LEVEL_WORKLOAD),
      ).toMatchObject({ openFaults: 1, openRepairs: 1, pendingInstances: 0, groups: [] });
      // Nothing else failed: the totals are the blade's.
      expect(report.total).toMatchObject({ failures: 2, mttrTicks: 10, openOutages: 0 });
      expect(report.groups.filter((g) => g.figures!.failures > 0).map((g) => g.name)).toEqual([
        blade,
      ]);

      // By rack: the blade's figures summed into rack1 (its 4 blades, PDU and TOR).
      const byRack = await chamber.reports.report(range);
      expect(byRack.groups.map((g) => g.name)).toEqual(['small/z1/rack1', 'small/z1/rack2']);
      expect(byRack.groups[0]!.figures).toMatchObject({
        elements: 6,
        elementTicks: 540,
        workingTicks: 520,
        failures: 2,
        mttrTicks: 10,
      });
      expect(byRack.groups[1]!.figures).toMatchObject({ failures: 0, availability: 1 });

      // REST: the same report, in the API's words.
      const rest = await api.call<Report>('getReport', {
        query: { from: 10, to: 99, by: 'element' },
      });
      expect(rest.status).toBe(200);
      expect(rest.body.by).toBe('element');
      const restGroup = rest.body.groups.find((g) => g.name === blade);
      expect(restGroup).toEqual({
        name: blade,
        figures: { ...group!.figures },
        repairs: { ...group!.repairs },
        outages: group!.outages.map((o) => ({ ...o })),
      });
      expect(rest.body.total).toEqual({ ...report.total });

      // The CLI: the same answer with --json, the blade's row with --csv.
      const json = JSON.parse(
        await chamberCli(['report', '--from', '10', '--to', '99', '--by', 'element', '--json']),
      ) as Report;
      expect(json).toEqual(rest.body);
      const csv = (
        await chamberCli(['report', '--from', '10', '--to', '99', '--by', 'element', '--csv'])
      )
        .trim()
        .split('\n');
      expect(csv[0]).toMatch(
        /^element,elements,element_ticks,working_ticks,availability,failures,/,
      );
      expect(csv.find((l) => l.startsWith(`${blade},`))).toMatch(
        new RegExp(`^${blade},1,90,70,${70 / 90},2,0,35,10,10,`),
      );
      const text = await chamberCli(['report', '--from', '10', '--to', '99']);
      expect(text).toContain('run ');
      expect(text).toMatch(/2 failures, MTBF [\d.,]+ ticks, MTTR 10 ticks/);
      expect(text).toContain('small/z1/rack1');

      first = { report, scenario: run };
    },
    budgets.testMs,
  );

  it(
    'is the same after the monitor and the inventory are killed and restarted mid-run',
    async () => {
      expect(first, 'the run above').toBeDefined();
      const restarts: Promise<void>[] = [];
      const run = await runScenario(chamber, scenario, {
        onProgress: ({ tick }) => {
          // Standing at tick 59, mid-way between the outages: both killed at once.
          if (tick === 59 && restarts.length === 0)
            restarts.push(restart('monitor'), restart('inventory'));
        },
      });
      await Promise.all(restarts);
      expect(restarts).toHaveLength(2);
      expect(failures(run)).toBe('');
      expect(run.digest).toBe(first!.scenario.digest);
      const report = await chamber.reports.report(range, ReportLevel.REPORT_LEVEL_ELEMENT);
      expect(report.run).toBeGreaterThan(first!.report.run);
      expect({ ...report, run: 0 }).toEqual({ ...first!.report, run: 0 });
    },
    budgets.testMs,
  );

  it(
    'still reports the run a reset ended, over gRPC, REST and the CLI; a run not kept is 404',
    async () => {
      expect(first, 'the run above').toBeDefined();
      const past = first!.report.run;
      const current = (await chamber.clock.getStatus()).run;
      expect(current).toBeGreaterThan(past);
      expect(
        await chamber.reports.report({ ...range, run: past }, ReportLevel.REPORT_LEVEL_ELEMENT),
      ).toEqual(first!.report);
      const rest = await api.call<Report>('getReport', {
        query: { ...range, by: 'element', run: past },
      });
      expect(rest.body.run).toBe(past);
      expect(rest.body.total).toEqual({ ...first!.report.total });
      const json = JSON.parse(
        await chamberCli([
          'report',
          '--from',
          '10',
          '--to',
          '99',
          '--by',
          'element',
          '--run',
          String(past),
          '--json',
        ]),
      ) as Report;
      expect(json).toEqual(rest.body);
      // Its series too, and a range past its end is refused naming it.
      const series = await chamber.reports.series({ from: 20, to: 20, run: past });
      expect(series.points[0]!.actual).toMatchObject({ isolated: 1 });
      await expect(chamber.reports.report({ to: 100_000, run: past })).rejects.toMatchObject({
        code: Code.InvalidArgument,
        message: expect.stringMatching(new RegExp(`of run ${past}$`)) as string,
      });

      const unknown = await fetch(`${baseUrl}/api/v1/reports?run=${current + 5}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { error: unknown }).error).toMatchObject({
        code: 'not_found',
        field: 'run',
        message: `run ${current + 5} has not begun: the current run is ${current}`,
      });
    },
    budgets.testMs,
  );

  it(
    'is the same with the inventory and the monitor in 2 shards (another layout)',
    async () => {
      expect(first, 'the run above').toBeDefined();
      const own: Array<() => Promise<void> | void> = [];
      try {
        const sharded = await startSimulationProcesses({
          label: 'reports-shards',
          seed: 3,
          cleanup: own,
          shards: 2,
          env: {
            inventory: { CHAMBER_INVENTORY_DEFINITION: 'small' },
            'inventory-repair': { CHAMBER_INVENTORY_REPAIR_RACK_BUDGET: '0' },
          },
        });
        const other = connect({
          addresses: {
            stepper: `127.0.0.1:${sharded.stepperPort}`,
            inventory: sharded.address('inventory'),
            faults: sharded.address('faults'),
            'inventory-repair': sharded.address('inventory-repair'),
            'workload-repair': sharded.address('workload-repair'),
            monitor: sharded.address('monitor'),
          },
        });
        own.push(() => other.close());
        const run = await runScenario(other, scenario);
        expect(failures(run)).toBe('');
        expect(run.digest).toBe(first!.scenario.digest);
        const report = await other.reports.report(range, ReportLevel.REPORT_LEVEL_ELEMENT);
        expect({ ...report, run: 0 }).toEqual({ ...first!.report, run: 0 });
      } finally {
        for (const c of own.reverse()) await c();
      }
    },
    budgets.testMs,
  );

  it(
    'refuses a range backwards or past the settled ticks with 400, naming the field',
    async () => {
      const refusal = async (query: Record<string, unknown>) => {
        const res = await fetch(
          `${baseUrl}/api/v1/reports?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`,
          { headers: { authorization: `Bearer ${token}` } },
        );
        return {
          status: res.status,
          body: (await res.json()) as { error: Record<string, unknown> },
        };
      };
      const backwards = await refusal({ from: 50, to: 40 });
      expect(backwards.status).toBe(400);
      expect(backwards.body.error).toMatchObject({
        code: 'invalid_argument',
        message: 'from tick 50 is after to tick 40',
        field: 'from',
      });
      const future = await refusal({ to: 1_000_000 });
      expect(future.status).toBe(400);
      expect(future.body.error).toMatchObject({ code: 'invalid_argument', field: 'to' });
      expect(String(future.body.error['message'])).toMatch(
        /^to tick 1000000 is after the last settled tick \d+$/,
      );
      const level = await refusal({ by: 'shelf' });
      expect(level.status).toBe(400);
      expect(level.body.error).toMatchObject({ code: 'invalid_argument', field: 'by' });
      // No session, no report.
      const anonymous = await fetch(`${baseUrl}/api/v1/reports`);
      expect(anonymous.status).toBe(401);
    },
    budgets.testMs,
  );

  it(
    'gives the run tick by tick: elements by state, repairs open',
    async () => {
      const series = await api.call<{
        points: Array<{
          tick: number;
          actual: Record<string, number>;
          observed: Record<string, number>;
          repairsOpen: number;
        }>;
      }>('getReportSeries', { query: { from: 15, to: 35 } });
      expect(series.status).toBe(200);
      const at = (tick: number) => series.body.points.find((p) => p.tick === tick)!;
      expect(series.body.points.map((p) => p.tick)).toEqual(
        Array.from({ length: 21 }, (_, i) => 15 + i),
      );
      // small: 8 blades, 2 PDUs, 2 TORs.
      expect(at(15).actual).toEqual({ working: 10, on: 2 });
      expect(at(20).actual).toEqual({ working: 9, isolated: 1, on: 2 });
      expect(at(30).actual).toEqual({ working: 10, on: 2 });
      expect(at(15).observed).toEqual({ healthy: 12 });
      expect(at(29).observed['failed']).toBe(1);
      expect(at(15).repairsOpen).toBe(0);
      expect(at(29).repairsOpen).toBe(1);
    },
    budgets.testMs,
  );
});

describe('a report older than the history kept', () => {
  const own: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of own.reverse()) await c();
  }, budgets.hookMs);

  it(
    'is refused naming the ticks still kept, over gRPC and REST (400 out_of_range); a past run goes with the first compaction',
    async () => {
      // Compaction is etcd-wide: an etcd of the test's own.
      const etcd = await startEtcd();
      own.push(() => etcd.stop());
      const endpoints = [...etcd.endpoints];
      const world = await startInventoryWorld('reports-compaction', {
        endpoints,
        seed: 5,
        stepper: { retentionTicks: 20 },
        monitor: { suspectAfter: 2, failedAfter: 4, installGrace: 30 },
      });
      own.push(() => world.close());
      await world.load(twoRacks, 'tiny.yaml');
      const reports = ReportsClient.connect(world.addresses.monitor!);
      own.push(() => reports.close());
      // A first run, ended by a reset: reported on until this run compacts etcd.
      await world.clock.runUntil((await world.now()) + 10);
      const ended = (await world.clock.getStatus()).run;
      await world.clock.reset();
      const past = await reports.report({ run: ended });
      expect(past).toMatchObject({ run: ended, fromTick: 0 });
      expect(past.total!.elements).toBeGreaterThan(0);
      // Work at most ticks, so ticks are indexed and the window moves.
      const blades = Array.from({ length: 8 }, (_, i) => `r1/z1/rack${1 + (i % 2)}/blade/${i % 4}`);
      await world.faults.inject(FaultKind.FAULT_KIND_CRASH, blades, { mtbf: 10, mttr: 5 });
      await world.clock.runUntil((await world.now()) + 200);
      await expect
        .poll(async () => (await world.store.get(HistoryRecord, keys.clockHistory))?.value)
        .toMatchObject({ compactedRevision: expect.any(Number) as number });
      const now = await world.now();
      expect(
        (await world.store.get(HistoryRecord, keys.clockHistory))!.value.oldestTick,
      ).toBeGreaterThan(0);

      await expect(reports.report({ run: ended })).rejects.toMatchObject({
        code: Code.NotFound,
        message: `run ${ended} is no longer kept (a run's history goes when a later run compacts etcd); reports cover run ${ended + 1} (current)`,
      });
      const refused = await reports.report({ from: 0 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toMatchObject({ code: Code.OutOfRange });
      expect((refused as Error).message).toMatch(
        /^tick 0 is older than the history kept: ticks [\d,]+ to [\d,]+/,
      );
      // Well inside the window (it moves on as the stepper compacts) it answers.
      const kept = await reports.report({ from: now - 5 });
      expect(kept.fromTick).toBe(now - 5);
      expect(kept.total!.elements).toBeGreaterThan(0);

      const port = await freePortRun(1);
      const frontend = startFrontendProcess({
        endpoints,
        simulation: world.simulation,
        port,
        adminPassword: 'reports-compaction-password',
        services: world.addresses,
      });
      own.push(() => frontend.kill('SIGTERM'));
      await frontend.waitForLine(/frontend serving/);
      const url = `http://127.0.0.1:${port}`;
      const login = await new ApiClient({ baseUrl: url }).call('logIn', {
        body: { user: 'admin', password: 'reports-compaction-password' },
      });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const res = await fetch(`${url}/api/v1/reports?from=0`, { headers: { cookie } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as {
        error: { code: string; message: string; field: string };
      };
      expect(body.error).toMatchObject({ code: 'out_of_range', field: 'from' });
      expect(body.error.message).toMatch(/older than the history kept: ticks [\d,]+ to [\d,]+/);
    },
    budgets.testMs,
  );
});
