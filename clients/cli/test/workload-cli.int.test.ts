import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '@chamber/api';
import { loadConfig } from '@chamber/config';
import { createFaultsService, faultsSchema } from '@chamber/faults';
import { createFrontendService, frontendSchema } from '@chamber/frontend';
import { createInventoryService, inventorySchema } from '@chamber/inventory';
import { createMonitorService, loadMonitorConfig } from '@chamber/monitor';
import { createSchedulerService, loadSchedulerConfig } from '@chamber/scheduler';
import { createStepperService, stepperSchema } from '@chamber/stepper';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { createWorkloadRepairService, loadWorkloadRepairConfig } from '@chamber/workload-repair';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, run } from '../src/index.js';

// `chamber workload …` over REST: a real frontend in front of a real stepper,
// inventory, fault injector, monitor, scheduler and workload repair manager.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Two racks of four 8-core blades. */
const twoRacks = `version: 1
name: tiny
templates:
  blades:
    b:
      capacity: { cores: 8, memoryGiB: 32, diskGiB: 256, networkGbps: 10 }
      boot: { image: img-1, bootTicks: [2, 2] }
regions:
  - name: r1
    zones:
      - name: z1
        racks:
          - name: rack{n}
            count: 2
            blades:
              - { template: b, count: 4 }
`;

async function world(label: string) {
  const common = {
    listen: { host: '127.0.0.1', port: 0 },
    etcd: { endpoints: etcdEndpoints() },
    simulation: uniqueSimulation(label),
  };
  const silent = (service: string) => ({ logger: createLogger({ service, level: 'silent' }) });
  const stepper = createStepperService(
    loadConfig(stepperSchema(), {
      env: {},
      overrides: {
        ...common,
        stepper: {
          participants: ['faults', 'inventory', 'monitor', 'scheduler', 'workload-repair'],
        },
      },
    }),
    silent('stepper'),
  );
  const inventory = createInventoryService(
    loadConfig(inventorySchema(), {
      env: {},
      overrides: { ...common, inventory: { definition: '' } },
    }),
    silent('inventory'),
  );
  const faults = createFaultsService(
    loadConfig(faultsSchema(), { env: {}, overrides: common }),
    silent('faults'),
  );
  const monitor = createMonitorService(
    loadMonitorConfig({
      env: {},
      overrides: { ...common, monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 } },
    }),
    silent('monitor'),
  );
  const scheduler = createSchedulerService(
    loadSchedulerConfig({ env: {}, overrides: common }),
    silent('scheduler'),
  );
  const manager = createWorkloadRepairService(
    loadWorkloadRepairConfig({ env: {}, overrides: common }),
    silent('workload-repair'),
  );
  const services = {
    stepper: `127.0.0.1:${(await stepper.start()).port}`,
    inventory: `127.0.0.1:${(await inventory.start()).port}`,
    faults: `127.0.0.1:${(await faults.start()).port}`,
    scheduler: `127.0.0.1:${(await scheduler.start()).port}`,
    workloads: `127.0.0.1:${(await manager.start()).port}`,
  };
  await monitor.start();
  cleanup.push(
    () => stepper.stop(),
    () => inventory.stop(),
    () => faults.stop(),
    () => monitor.stop(),
    () => scheduler.stop(),
    () => manager.stop(),
  );
  const password = 'workload cli password';
  const frontend = createFrontendService(
    loadConfig(frontendSchema(), {
      env: {},
      overrides: {
        ...common,
        frontend: { adminPassword: password, webRoot: '/nonexistent' },
        services,
      },
    }),
    silent('frontend'),
  );
  const url = `http://127.0.0.1:${(await frontend.start()).port}`;
  cleanup.push(() => frontend.stop());
  const anonymous = new ApiClient({ baseUrl: url });
  const session = await anonymous.call('logIn', { body: { user: 'admin', password } });
  const cookie = session.headers.get('set-cookie')?.split(';')[0] ?? '';
  const token = await new ApiClient({ baseUrl: url, cookie }).call<{ token: string }>(
    'createToken',
    { body: { name: 'workload-cli' } },
  );
  const env = { CHAMBER_API: url, CHAMBER_TOKEN: token.body.token };
  const chamber = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env,
    });
    return { code, stdout, stderr };
  };
  expect((await chamber('clock', 'wait-for', '0')).code).toBe(ExitCode.Ok);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-wl-'));
  cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'two-racks.yaml');
  fs.writeFileSync(file, twoRacks);
  expect((await chamber('inventory', 'load', file, '--yes')).code).toBe(ExitCode.Ok);
  expect((await chamber('clock', 'step', '8')).code).toBe(ExitCode.Ok);
  return chamber;
}

type Chamber = Awaited<ReturnType<typeof world>>;

/** Steps a tick at a time (at most 40) until `workload ls` prints a line matching `pattern`. */
async function stepUntil(chamber: Chamber, pattern: RegExp): Promise<string> {
  for (let i = 0; i < 40; i++) {
    const ls = await chamber('workload', 'ls');
    if (pattern.test(ls.stdout)) return ls.stdout;
    await chamber('clock', 'step', '1');
  }
  throw new Error(`workload ls never matched ${String(pattern)}`);
}

describe('chamber workload', () => {
  it('creates, lists, gets, scales, explains and deletes a workload, in words', async () => {
    const chamber = await world('cli-wl');
    const usage = await chamber('workload', 'create', 'web', '--instances', '2', '--image', 'w-1');
    expect(usage).toMatchObject({ code: ExitCode.Usage });
    expect(usage.stderr).toMatch(/missing --cores/);
    const bad = await chamber(
      'workload',
      'create',
      'web',
      '--instances',
      '2',
      '--cores',
      '4',
      '--image',
      'w-1',
      '--rule',
      'spread',
    );
    expect(bad.code).toBe(ExitCode.Usage);
    expect(bad.stderr).toMatch(/--rule must be one of none, strong_affinity/);

    const created = await chamber(
      'workload',
      'create',
      'web',
      '--instances',
      '2',
      '--cores',
      '4',
      '--memory-gib',
      '8',
      '--image',
      'w-1',
      '--rule',
      'strong_anti_affinity',
      '--level',
      'rack',
    );
    expect(created).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(created.stdout).toMatch(/^web: created at tick \d+\n$/);
    const again = await chamber(
      'workload',
      'create',
      'web',
      '--instances',
      '1',
      '--cores',
      '1',
      '--image',
      'x',
    );
    expect(again).toMatchObject({ code: ExitCode.Failed });
    expect(again.stderr).toMatch(/workload "web" exists already/);

    expect(
      await stepUntil(chamber, /^web {2}ready {2}2 of 2 observed running {2}\(running 2\)$/m),
    ).toBeTruthy();
    const got = await chamber('workload', 'get', 'web');
    expect(got.stdout).toContain('  instances: 2 of 4 cores, 8 GiB memory, image w-1\n');
    expect(got.stdout).toContain(
      '  placement: strong anti affinity by rack; at most 1 unavailable at once\n',
    );
    const json = JSON.parse((await chamber('workload', 'get', 'web', '--json')).stdout) as {
      revision: number;
      placement: unknown;
    };
    expect(json.placement).toEqual({ rule: 'strong_anti_affinity', level: 'rack' });

    const instances = (await chamber('workload', 'instances', 'web')).stdout.trimEnd().split('\n');
    expect(instances).toHaveLength(2);
    expect(instances[0]).toMatch(
      /^web\/0 {2}running {2}observed running {2}r1\/z1\/rack\d\/blade\/\d {2}since tick \d+ {2}\(running on r1\/z1\/rack\d\/blade\/\d\)$/,
    );
    const blade = /(r1\/z1\/rack\d\/blade\/\d)/.exec(instances[1]!)![1]!;
    expect((await chamber('workload', 'on', blade)).stdout).toMatch(/^web\/1 {2}running/);

    const explained = (await chamber('workload', 'explain', 'web', '1')).stdout.split('\n');
    expect(explained[0]).toMatch(new RegExp(`^web/1 placed on ${blade} at tick \\d+$`));
    expect(explained[1]).toMatch(/strong anti-affinity by rack/);
    // The candidates as a table: the chosen one marked, each score component a column.
    expect(explained).toContainEqual(expect.stringMatching(/^ {5}candidate +score +spread$/));
    expect(explained.find((l) => l.startsWith('  ▶ '))).toContain(blade);
    expect(explained).toContainEqual(expect.stringMatching(/^ {2}filtered out +blades +why$/));
    expect(explained).toContainEqual(
      expect.stringMatching(
        /^ {2}anti_affinity +4 +4 blades would break strong anti-affinity by rack$/,
      ),
    );

    // Scale under a stale ETag: refused, nothing changes; then for real.
    const stale = await chamber(
      'workload',
      'scale',
      'web',
      '1',
      '--if-match',
      `"${json.revision - 1}"`,
    );
    expect(stale.code).toBe(ExitCode.Failed);
    expect(stale.stderr).toMatch(/changed/);
    const scaled = await chamber('workload', 'scale', 'web', '1');
    expect(scaled.stdout).toMatch(/^web: scales to 1 at tick \d+\n$/);
    await stepUntil(chamber, /^web {2}ready {2}1 of 1 observed running/m);
    // Its availability in words: ramped up, nothing lost. (The monitor samples a change the tick
    // after the manager writes it.)
    await chamber('clock', 'step', '1');
    const availability = await chamber('workload', 'availability', 'web');
    expect(availability).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    const said = availability.stdout.split('\n');
    expect(said[0]).toMatch(
      /^web, ticks 0 to \d+: lost 0 instance-ticks of \d+ \(100\.0 % available\)$/,
    );
    expect(said[1]).toBe('  no outage');
    expect(said[2]).toMatch(
      /^ {2}at tick \d+: 1 desired, \d running, \d observed running; \d+ ticks? ramping up \(not counted\)$/,
    );
    const figures = JSON.parse(
      (await chamber('workload', 'availability', 'web', '--from', '0', '--json')).stdout,
    ) as { samples: { desired: number; running: number }[]; instanceTicksLost: number };
    expect(figures.instanceTicksLost).toBe(0);
    expect(figures.samples[0]).toMatchObject({ desired: 2, running: 0 });
    const backwards = await chamber('workload', 'availability', 'web', '--from', '5', '--to', '4');
    expect(backwards.code).not.toBe(ExitCode.Ok);
    expect(backwards.stderr).toMatch(/from tick 5 is after to tick 4/);
    const never = await chamber('workload', 'availability', 'nope');
    expect(never.code).toBe(ExitCode.Failed);
    expect(never.stderr).toMatch(/workload "nope" has no availability/);
    const updated = await chamber('workload', 'update', 'web', '--image', 'w-2', '--cores', '2');
    expect(updated.stdout).toMatch(/^web: changes at tick \d+\n$/);
    await chamber('clock', 'step', '1');
    expect((await chamber('workload', 'get', 'web')).stdout).toContain(
      '  instances: 1 of 2 cores, 8 GiB memory, image w-2\n',
    );

    const unconfirmed = await chamber('workload', 'delete', 'web');
    expect(unconfirmed.code).toBe(ExitCode.Usage);
    expect(unconfirmed.stderr).toMatch(/missing --yes: workload delete would delete the workload/);
    const deleted = await chamber('workload', 'delete', 'web', '--yes');
    expect(deleted.stdout).toMatch(/^web: deleted at tick \d+\n$/);
    for (let i = 0; i < 40; i++) {
      if ((await chamber('workload', 'ls')).stdout === '(no workloads)\n') break;
      await chamber('clock', 'step', '1');
    }
    expect((await chamber('workload', 'ls')).stdout).toBe('(no workloads)\n');
  });
});
