import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '@chamber/api';
import { loadConfig } from '@chamber/config';
import { adminUser, createFrontendService, frontendSchema } from '@chamber/frontend';
import { createStepperService, stepperSchema } from '@chamber/stepper';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { Participant } from '@chamber/participant';
import { DefinitionSource } from '@chamber/protos';
import { parseScenario } from '@chamber/scenario';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { ExitCode, readCredentials, run } from '../src/index.js';
import { createSecretReader } from '../src/secrets.js';

// `chamber` over REST: a real frontend in front of a real stepper, both on
// free ports of one simulation, and the tool run in-process with its own
// config dir.

const adminPassword = 'correct horse battery staple';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function world(label: string, password = adminPassword) {
  const simulation = uniqueSimulation(label);
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  cleanup.push(() => store.close());
  const participant = await Participant.join(store, {
    name: 'toy',
    onTick: () => ({}),
    leaseTtlSeconds: 2,
  });
  cleanup.push(() => participant.stop());
  const stepper = createStepperService(
    loadConfig(stepperSchema(), {
      env: {},
      overrides: {
        listen: { host: '127.0.0.1', port: 0 },
        etcd: { endpoints: etcdEndpoints() },
        simulation,
        stepper: { dropGraceSeconds: 0, leaderTtlSeconds: 2 },
      },
    }),
    { logger: createLogger({ service: 'stepper', level: 'silent' }) },
  );
  const { port: stepperPort } = await stepper.start();
  cleanup.push(() => stepper.stop());
  const frontend = createFrontendService(
    loadConfig(frontendSchema(), {
      env: {},
      overrides: {
        listen: { host: '127.0.0.1', port: 0 },
        etcd: { endpoints: etcdEndpoints() },
        simulation,
        frontend: { adminPassword: password, webRoot: '/nonexistent' },
        services: { stepper: `127.0.0.1:${stepperPort}` },
      },
    }),
    { store, logger: createLogger({ service: 'frontend', level: 'silent' }) },
  );
  const { port, loginUrl } = await frontend.start();
  cleanup.push(() => frontend.stop());
  const url = `http://127.0.0.1:${port}`;
  const config = await mkdtemp(path.join(os.tmpdir(), 'chamber-cli-'));
  cleanup.push(() => rm(config, { recursive: true, force: true }));
  const env = { XDG_CONFIG_HOME: config };

  /**
   * Runs `chamber <argv>` in-process with this world's config dir (and `extra`
   * env); `stdin`, when given, is piped in as the process's stdin would be.
   */
  const chamber = async (
    argv: string[],
    extra: Record<string, string> = {},
    signal?: AbortSignal,
    stdin?: string,
  ): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const secrets =
      stdin === undefined
        ? undefined
        : createSecretReader(Readable.from([stdin]), new PassThrough());
    const code = await run(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { ...env, ...extra },
      ...(signal === undefined ? {} : { signal }),
      ...(secrets === undefined ? {} : { readSecret: secrets.read }),
    });
    secrets?.close();
    return { code, stdout, stderr };
  };
  return { url, env, chamber, loginUrl, store };
}

describe('chamber over REST', () => {
  it('logs in, drives the clock, lists tokens and logs out', async () => {
    const w = await world('rest-cli');
    // Nothing stored and no --api: the clock commands use gRPC (no stepper at the default).
    const login = await w.chamber(['login', '--api', w.url, '--user', adminUser], {
      CHAMBER_PASSWORD: adminPassword,
    });
    expect(login).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(login.stdout).toContain(`logged in to ${w.url} as admin`);
    const stored = await readCredentials(w.env);
    expect(stored).toMatchObject({ url: w.url, user: 'admin' });
    expect(stored?.token).toMatch(/^chm_/);
    const file = path.join(w.env.XDG_CONFIG_HOME, 'chamber', 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // The stored login makes REST the transport and names the frontend.
    const status = await w.chamber(['clock', 'status']);
    expect(status).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(status.stdout).toMatch(/^tick 0 \(settled\) · policy paused · /);
    expect((await w.chamber(['clock', 'policy', 'manual'])).code).toBe(ExitCode.Ok);
    const step = await w.chamber(['clock', 'step', '3', '--json']);
    expect(step).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(JSON.parse(step.stdout)).toMatchObject({
      tick: 3,
      settled: true,
      policy: 'POLICY_MANUAL',
    });

    // The login made one token (its session was ended): `token ls` shows it.
    const tokens = await w.chamber(['token', 'ls', '--json']);
    expect(tokens.code).toBe(ExitCode.Ok);
    const listed = (JSON.parse(tokens.stdout) as { tokens: Array<{ id: string; name: string }> })
      .tokens;
    expect(listed).toEqual([
      expect.objectContaining({ id: stored?.token.split('_')[1], name: `cli@${os.hostname()}` }),
    ]);

    // A user without step_time is refused with the server's message naming the right.
    const admin = new ApiClient({ baseUrl: w.url, token: stored?.token ?? '' });
    await admin.call('createUser', {
      body: { name: 'viewer', password: 'viewer-password', rights: [] },
    });
    const viewer = await w.chamber(['login', '--user', 'viewer'], {
      CHAMBER_PASSWORD: 'viewer-password',
    });
    expect(viewer.code).toBe(ExitCode.Ok);
    const refused = await w.chamber(['clock', 'step']);
    expect(refused.code).toBe(ExitCode.Failed);
    expect(refused.stderr).toMatch(/^chamber: .*step_time.*\n$/);
    expect((await w.chamber(['clock', 'status'])).code).toBe(ExitCode.Ok);

    // Logging out revokes the token: the same token is refused afterwards.
    const viewerStored = await readCredentials(w.env);
    const logout = await w.chamber(['logout']);
    expect(logout).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(await readCredentials(w.env)).toBeUndefined();
    const after = await w.chamber(['clock', 'status', '--api', w.url], {
      CHAMBER_TOKEN: viewerStored?.token ?? '',
    });
    expect(after.code).toBe(ExitCode.Failed);
    expect(after.stderr).toContain('chamber: not logged in: run chamber login');
  });

  it('scenario export writes the run as a scenario file (or prints it), and says why when it cannot', async () => {
    const w = await world('rest-cli-export');
    await w.chamber(['login', '--api', w.url, '--user', adminUser], {
      CHAMBER_PASSWORD: adminPassword,
    });
    const refused = await w.chamber(['scenario', 'export']);
    expect(refused.code).toBe(ExitCode.Failed);
    expect(refused.stderr).toBe('chamber: the run cannot be exported: no definition is in force\n');

    // The definition the inventory would have installed, and three ticks.
    await w.store.put(DefinitionSource, keys.definitionSource, {
      fileName: 'tiny.yaml',
      source: 'version: 1\nname: tiny\n',
      loadId: 'load-1',
      sample: '',
    });
    expect((await w.chamber(['clock', 'step', '3'])).code).toBe(ExitCode.Ok);
    const file = path.join(w.env.XDG_CONFIG_HOME, 'run.yaml');
    const written = await w.chamber(['scenario', 'export', '--out', file]);
    expect(written).toMatchObject({ code: ExitCode.Ok, stdout: '' });
    const text = await readFile(file, 'utf8');
    const scenario = parseScenario(text, file);
    expect(scenario.inventory).toEqual({
      kind: 'inline',
      definition: { version: 1, name: 'tiny' },
    });
    expect(scenario.run).toEqual({ kind: 'tick', until: 3 });
    expect(scenario.timeline).toEqual([]);
    expect(scenario.expect.map((e) => e.check.kind)).toEqual(['digest']);
    const printed = await w.chamber(['scenario', 'export']);
    expect(printed).toMatchObject({ code: ExitCode.Ok, stdout: text, stderr: '' });
  });

  it('fails a wrong password with the server’s message and stores nothing', async () => {
    const w = await world('rest-cli-bad');
    const login = await w.chamber(['login', '--api', w.url, '--user', adminUser], {
      CHAMBER_PASSWORD: 'wrong password',
    });
    expect(login.code).toBe(ExitCode.Failed);
    expect(login.stderr).toMatch(/^chamber: [^\n]+\n$/);
    expect(await readCredentials(w.env)).toBeUndefined();
    const anonymous = await w.chamber(['clock', 'status', '--api', w.url]);
    expect(anonymous.code).toBe(ExitCode.Failed);
    expect(anonymous.stderr).toContain('not logged in: run chamber login');
  });

  it('clock watch over REST prints each change and ends cleanly on Ctrl-C', async () => {
    const w = await world('rest-cli-watch');
    await w.chamber(['login', '--api', w.url, '--user', adminUser], {
      CHAMBER_PASSWORD: adminPassword,
    });
    await w.chamber(['clock', 'policy', 'manual']);
    const interrupt = new AbortController();
    const lines: string[] = [];
    let stderr = '';
    const watching = run(['clock', 'watch'], {
      stdout: (text) => {
        lines.push(...text.split('\n').filter((l) => l !== ''));
        if (lines.some((l) => l.startsWith('tick 2 (settled)'))) interrupt.abort();
      },
      stderr: (text) => (stderr += text),
      env: w.env,
      signal: interrupt.signal,
    });
    // Step once the watch has printed the present, so every change is after it.
    await expect.poll(() => lines.length).toBeGreaterThan(0);
    expect((await w.chamber(['clock', 'step', '2'])).code).toBe(ExitCode.Ok);
    expect(await watching).toBe(ExitCode.Ok);
    expect(stderr).toBe('');
    expect(lines[0]).toMatch(/^tick 0 \(settled\) · policy manual/);
    expect(lines.at(-1)).toMatch(/^tick 2 \(settled\)/);
  });

  it('after login --token, user passwd asks only for the new password; login --user works with it', async () => {
    const w = await world('rest-cli-first', '');
    const token = new URL(w.loginUrl ?? '').searchParams.get('token') ?? '';
    const first = await w.chamber(['login', '--api', w.url, '--token', token]);
    expect(first).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(first.stdout).toContain(`logged in to ${w.url} as admin`);
    expect(first.stdout).toContain(
      'now set a password: chamber user passwd admin (asks only for the new one)\n',
    );

    // As `echo 'first admin password' | chamber user passwd admin`: one line, the new password.
    const set = await w.chamber(
      ['user', 'passwd', 'admin'],
      {},
      undefined,
      'first admin password\n',
    );
    expect(set).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(set.stdout).toBe('password of admin set; log in with: chamber login --user admin\n');

    const login = await w.chamber(
      ['login', '--user', 'admin'],
      {},
      undefined,
      'first admin password\n',
    );
    expect(login).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(login.stdout).toContain(`logged in to ${w.url} as admin`);

    // From then on the current password comes first: one line is not enough.
    const short = await w.chamber(['user', 'passwd', 'admin'], {}, undefined, 'second one!\n');
    expect(short.code).toBe(ExitCode.Failed);
    expect(short.stderr).toBe('chamber: stdin ended before the new password\n');
    const wrong = await w.chamber(
      ['user', 'passwd', 'admin'],
      {},
      undefined,
      'not the password\nsecond admin password\n',
    );
    expect(wrong.code).toBe(ExitCode.Failed);
    expect(wrong.stderr).toContain('currentPassword: is wrong');
    const changed = await w.chamber(
      ['user', 'passwd', 'admin'],
      {},
      undefined,
      'first admin password\nsecond admin password\n',
    );
    expect(changed).toMatchObject({ code: ExitCode.Ok, stdout: 'password of admin set\n' });
    const again = await w.chamber(
      ['login', '--user', 'admin'],
      {},
      undefined,
      'second admin password\n',
    );
    expect(again.code).toBe(ExitCode.Ok);
  });
});
