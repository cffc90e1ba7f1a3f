import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@chamber/config';
import { createFaultsService, faultsSchema } from '@chamber/faults';
import { createInventoryService, inventorySchema, samplesDir } from '@chamber/inventory';
import { createRepairService, loadRepairConfig } from '@chamber/inventory-repair';
import { ApiClient } from '@chamber/api';
import { createFrontendService, frontendSchema } from '@chamber/frontend';
import { createStepperService, stepperSchema } from '@chamber/stepper';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, run } from '../src/index.js';

// `chamber inventory …`, `chamber fault …` and `chamber repair …` over REST:
// a real frontend in front of a real stepper, inventory, fault injector and
// repair manager.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world(label: string) {
  const common = {
    listen: { host: '127.0.0.1', port: 0 },
    etcd: { endpoints: etcdEndpoints() },
    simulation: uniqueSimulation(label),
  };
  const silent = (service: string) => ({ logger: createLogger({ service, level: 'silent' }) });
  const stepper = createStepperService(
    loadConfig(stepperSchema(), { env: {}, overrides: common }),
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
  const repair = createRepairService(
    loadRepairConfig({ env: {}, overrides: common }),
    silent('inventory-repair'),
  );
  const services = {
    stepper: `127.0.0.1:${(await stepper.start()).port}`,
    inventory: `127.0.0.1:${(await inventory.start()).port}`,
    faults: `127.0.0.1:${(await faults.start()).port}`,
    repair: `127.0.0.1:${(await repair.start()).port}`,
  };
  cleanup.push(
    () => stepper.stop(),
    () => inventory.stop(),
    () => faults.stop(),
    () => repair.stop(),
  );
  const password = 'inventory cli password';
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
    { body: { name: 'inventory-cli' } },
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
  return chamber;
}

describe('chamber inventory and chamber fault', () => {
  it('loads a definition, lists and gets elements in any view and at a past tick, and injects and clears faults', async () => {
    const chamber = await world('cli-inv');
    const small = path.join(samplesDir, 'small.yaml');
    const loaded = await chamber('inventory', 'load', small, '--yes');
    expect(loaded).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(loaded.stdout).toMatch(
      /^small\.yaml: 8 blade\(s\), valid; loads at tick 1 \(load definition-/,
    );
    expect((await chamber('clock', 'step', '6')).code).toBe(ExitCode.Ok);
    expect((await chamber('inventory', 'ls')).stdout).toBe('small  region 1 zone(s)\n');
    const rack = await chamber('inventory', 'ls', 'small/z1/rack1', '--view', 'actual');
    expect(rack.stdout.split('\n')[0]).toBe('small/z1/rack1/pdu/0    PDU    on        since 1  on');
    expect(rack.stdout).toContain('small/z1/rack1/blade/3  blade  ');
    const past = await chamber(
      'inventory',
      'get',
      'small/z1/rack1/blade/0',
      '--view',
      'actual',
      '--at',
      '1',
      '--json',
    );
    expect(JSON.parse(past.stdout)).toMatchObject({
      bladeActual: { state: 'BLADE_STATE_OFF', sinceTick: 1 },
    });

    const injected = await chamber(
      'fault',
      'inject',
      '--target',
      'small/z1/rack2/pdu/0',
      '--kind',
      'power_loss',
      '--for',
      '2',
    );
    expect(injected.stdout).toBe(
      'f7-1  power_loss  active since tick 7  small/z1/rack2/pdu/0  (injected; in effect now; next change at tick 9)\n',
    );
    await chamber('clock', 'step', '1');
    expect(
      (await chamber('inventory', 'get', 'small/z1/rack2/pdu/0', '--view', 'actual', '--json'))
        .stdout,
    ).toContain('"state":"PDU_STATE_OFF"');
    // For people: words, never wire names or JSON, and the faults as a list.
    const pdu = await chamber('inventory', 'get', 'small/z1/rack2/pdu/0', '--view', 'actual');
    expect(pdu.code).toBe(ExitCode.Ok);
    const lines = pdu.stdout.split('\n');
    expect(lines[0]).toMatch(/^PDU small\/z1\/rack2\/pdu\/0 · actual · revision \d+$/);
    expect(lines).toContain('  state: off');
    expect(lines).toContain('  previous state: on');
    expect(lines).toContain('  faults:');
    expect(lines).toContain('    - f7-1 (since tick 7)');
    expect(pdu.stdout).not.toMatch(/[A-Z]+_STATE_|[{}"]/);
    const definition = await chamber('inventory', 'get', 'small/z1/rack2/pdu/0');
    expect(definition.stdout.split('\n')).toContain('  kind: PDU');
    const target = await chamber('inventory', 'get', 'small/z1/rack2/blade/1', '--view', 'target');
    expect(target.stdout.split('\n')).toContain('  state: in service');
    await chamber(
      'fault',
      'inject',
      '--target',
      'small/z1/rack1/blade/1',
      '--kind',
      'crash',
      '--at',
      '20',
    );
    const listed = await chamber('fault', 'ls', '--status', 'scheduled');
    expect(listed.stdout).toBe(
      'f8-1  crash  scheduled since tick 8  small/z1/rack1/blade/1  (injected; first at tick 20; next change at tick 20)\n',
    );
    const cleared = await chamber('fault', 'clear-all', '--yes');
    expect(cleared.stdout).toBe('2 fault(s) clear at tick 8: f7-1, f8-1\n');
  });

  it('prints every error of a bad definition as file:line:col, loading nothing, and rejects bad usage', async () => {
    const chamber = await world('cli-inv-bad');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-cli-'));
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      bad,
      'version: 1\nregions:\n  - name: r1\n    zones:\n      - name: z1\n        racks:\n          - name: Rack!\n',
    );
    const result = await chamber('inventory', 'load', bad, '--yes');
    expect(result.code).toBe(ExitCode.Failed);
    expect(result.stderr).toContain('bad.yaml has 1 error(s); nothing was loaded:');
    expect(result.stderr).toMatch(/bad\.yaml:7:\d+: /);
    // Over the definition size limit: refused by its size, before it is read or sent.
    const huge = path.join(dir, 'huge.yaml');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 50_000_000);
    const tooBig = await chamber('inventory', 'load', huge, '--yes');
    expect(tooBig.code).toBe(ExitCode.Failed);
    expect(tooBig.stderr).toContain(
      'huge.yaml is 50 MB (50,000,000 bytes); a definition may be at most 4 MB (4,000,000 bytes): nothing was loaded',
    );
    expect((await chamber('inventory', 'ls')).stdout).toBe('(nothing)\n');
    const usage = await chamber('fault', 'inject', '--target', 'small/z1/rack1', '--kind', 'melt');
    expect(usage.code).toBe(ExitCode.Usage);
    expect(usage.stderr).toContain(
      '--kind must be one of power_loss, network_loss, crash, hang, stuck_cable, hardware_failure; got "melt"',
    );
    const both = await chamber(
      'fault',
      'inject',
      '--target',
      'x',
      '--kind',
      'crash',
      '--every',
      '3',
      '--probability',
      '0.5',
    );
    expect(both.code).toBe(ExitCode.Usage);
  });

  it('lists repairs and says clearly when one does not exist', async () => {
    const chamber = await world('cli-repair');
    expect(await chamber('repair', 'ls')).toMatchObject({
      code: ExitCode.Ok,
      stdout: '(no repairs)\n',
    });
    const missing = await chamber('repair', 'get', 'r9-1');
    expect(missing.code).toBe(ExitCode.Failed);
    expect(missing.stderr).toContain('no repair "r9-1"');
    const bad = await chamber('repair', 'ls', '--status', 'broken');
    expect(bad.code).toBe(ExitCode.Usage);
  });
});
