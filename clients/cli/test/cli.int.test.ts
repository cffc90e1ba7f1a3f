import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '@chamber/api';
import { loadConfig } from '@chamber/config';
import { createFrontendService, frontendSchema } from '@chamber/frontend';
import { createStepperService, stepperSchema } from '@chamber/stepper';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { Participant, type TickContext, type TickResult } from '@chamber/participant';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExitCode, run, type ClockStatusJson } from '../src/index.js';

const bin = path.resolve(import.meta.dirname, '../dist/src/main.js');

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A simulation of its own with one participant, a stepper and a frontend on
 * free ports, and a bearer token of the admin; tick 0 settled.
 */
async function world(
  label: string,
  onTick: (ctx: TickContext) => Promise<TickResult> | TickResult = () => ({}),
) {
  const simulation = uniqueSimulation(label);
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  cleanup.push(() => store.close());
  const participant = await Participant.join(store, { name: 'toy', onTick, leaseTtlSeconds: 2 });
  cleanup.push(() => participant.stop());
  const config = loadConfig(stepperSchema(), {
    env: {},
    overrides: {
      listen: { host: '127.0.0.1', port: 0 },
      etcd: { endpoints: etcdEndpoints() },
      simulation,
      stepper: { dropGraceSeconds: 0, leaderTtlSeconds: 2 },
    },
  });
  const service = createStepperService(config, {
    logger: createLogger({ service: 'stepper', level: 'silent' }),
  });
  const { port } = await service.start();
  cleanup.push(() => service.stop());
  const password = 'clock cli password';
  const frontend = createFrontendService(
    loadConfig(frontendSchema(), {
      env: {},
      overrides: {
        listen: { host: '127.0.0.1', port: 0 },
        etcd: { endpoints: etcdEndpoints() },
        simulation,
        frontend: { adminPassword: password, webRoot: '/nonexistent' },
        services: { stepper: `127.0.0.1:${port}` },
      },
    }),
    { store, logger: createLogger({ service: 'frontend', level: 'silent' }) },
  );
  const url = `http://127.0.0.1:${(await frontend.start()).port}`;
  cleanup.push(() => frontend.stop());
  const session = await new ApiClient({ baseUrl: url }).call('logIn', {
    body: { user: 'admin', password },
  });
  const cookie = session.headers.get('set-cookie')?.split(';')[0] ?? '';
  const created = await new ApiClient({ baseUrl: url, cookie }).call<{ token: string }>(
    'createToken',
    { body: { name: 'clock-cli' } },
  );
  const env = { CHAMBER_API: url, CHAMBER_TOKEN: created.body.token };

  /** Runs `chamber <argv>` in-process against this frontend. */
  const chamber = async (argv: string[], signal?: AbortSignal): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env,
      ...(signal === undefined ? {} : { signal }),
    });
    return { code, stdout, stderr };
  };
  /** The status as `chamber clock status --json` prints it. */
  const status = async (): Promise<ClockStatusJson> => {
    const result = await chamber(['clock', 'status', '--json']);
    expect(result).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    return JSON.parse(result.stdout) as ClockStatusJson;
  };
  expect((await chamber(['clock', 'wait-for', '0'])).code).toBe(ExitCode.Ok);
  return { env, chamber, status };
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Expects a failure reported as one `chamber: …` line, without a stack trace. */
function expectFailure(result: Result, message: string | RegExp): void {
  expect(result.code).toBe(ExitCode.Failed);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^chamber: [^\n]+\n$/);
  expect(result.stderr).toMatch(message);
}

describe('chamber clock over REST against a real stepper', () => {
  it('status prints the clock readably, and as one JSON object with --json', async () => {
    const w = await world('status');
    const { code, stdout, stderr } = await w.chamber(['clock', 'status']);
    expect(code).toBe(ExitCode.Ok);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^tick 0 \(settled\) · policy paused · epoch \d+ · run \d+ seed \d+ · digest [0-9a-f]{8}…\nparticipants: toy\n$/,
    );
    const json = await w.status();
    expect(json).toMatchObject({
      tick: 0,
      settled: true,
      policy: 'POLICY_PAUSED',
      participants: ['toy'],
      waitingFor: [],
      until: null,
    });
    expect(json.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('steps under manual: one tick by default, N ticks, and run-until T', async () => {
    const w = await world('step');
    expect((await w.chamber(['clock', 'policy', 'manual'])).stdout).toMatch(
      /^tick 0 \(settled\) · policy manual · /,
    );
    const one = await w.chamber(['clock', 'step', '--json']);
    expect(one.code).toBe(ExitCode.Ok);
    expect(JSON.parse(one.stdout)).toMatchObject({ tick: 1, settled: true });
    const three = await w.chamber(['clock', 'step', '3']);
    expect(three.stdout).toMatch(/^tick 4 \(settled\) · policy manual · /);
    const until = await w.chamber(['clock', 'run-until', '10', '--json']);
    expect(JSON.parse(until.stdout)).toMatchObject({ tick: 10, settled: true });
  });

  it('runs measured at a rate and no_wait to a bound; step there fails with the stepper’s message', async () => {
    const w = await world('policies');
    const measured = await w.chamber(['clock', 'policy', 'measured', '--rate', '50']);
    expect(measured.stdout).toContain('policy measured at 50 ticks/s');
    const waited = await w.chamber(['clock', 'wait-for', '5', '--json']);
    expect(waited.code).toBe(ExitCode.Ok);
    expect((JSON.parse(waited.stdout) as ClockStatusJson).settledTick).toBeGreaterThanOrEqual(5);
    expectFailure(await w.chamber(['clock', 'step']), /^chamber: .*measured/i);

    await w.chamber(['clock', 'policy', 'no_wait']);
    const bounded = await w.chamber(['clock', 'run-until', '100', '--json']);
    expect(JSON.parse(bounded.stdout)).toMatchObject({ tick: 100, settled: true });
  });

  it('changes the policy with --epoch only while the epoch matches', async () => {
    const w = await world('epoch');
    const { epoch } = await w.status();
    const applied = await w.chamber(['clock', 'policy', 'manual', '--epoch', String(epoch)]);
    expect(applied).toMatchObject({ code: ExitCode.Ok, stderr: '' });
    expect(applied.stdout).toContain(`epoch ${epoch + 1}`);
    // The same epoch again is stale now: refused, nothing changed.
    expectFailure(
      await w.chamber(['clock', 'policy', 'paused', '--epoch', String(epoch)]),
      /epoch/,
    );
    expect(await w.status()).toMatchObject({ policy: 'POLICY_MANUAL', epoch: epoch + 1 });
  });

  it('reset --yes starts a fresh run at tick 0 with the given seed', async () => {
    const w = await world('reset');
    await w.chamber(['clock', 'policy', 'manual']);
    await w.chamber(['clock', 'step', '4']);
    const before = await w.status();
    const reset = await w.chamber(['clock', 'reset', '--yes', '--seed', '7', '--json']);
    expect(reset.code).toBe(ExitCode.Ok);
    expect(JSON.parse(reset.stdout)).toMatchObject({
      tick: 0,
      settled: true,
      seed: 7,
      run: before.run + 1,
      policy: 'POLICY_PAUSED',
    });
  });

  it('shows who an unsettled tick waits for', async () => {
    let reached!: () => void;
    const isReached = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const w = await world('waiting', async (ctx) => {
      if (ctx.tick === 1) {
        reached();
        await gate;
      }
      return {};
    });
    await w.chamber(['clock', 'policy', 'manual']);
    const stepping = w.chamber(['clock', 'step']);
    await isReached;
    try {
      // The participant can see tick 1 before the stepper's own view of it
      // answers a status: ask until the stepper reports it.
      await vi.waitFor(async () => {
        const { stdout } = await w.chamber(['clock', 'status']);
        expect(stdout).toMatch(/^tick 1 \(settling; 0 settled\) · policy manual · until 1 · /);
        expect(stdout).toContain('\nwaiting for: toy\nparticipants: toy\n');
      });
    } finally {
      release();
    }
    expect((await stepping).stdout).toMatch(/^tick 1 \(settled\)/);
  });

  it('watch prints one JSON object per change and ends cleanly on Ctrl-C', async () => {
    const w = await world('watch');
    await w.chamber(['clock', 'policy', 'manual']);
    const interrupt = new AbortController();
    const seen: ClockStatusJson[] = [];
    let stdout = '';
    let sawTick2!: () => void;
    const isTick2 = new Promise<void>((resolve) => (sawTick2 = resolve));
    const watching = run(['clock', 'watch', '--json'], {
      env: w.env,
      stdout: (text) => {
        stdout += text;
        const status = JSON.parse(text) as ClockStatusJson;
        seen.push(status);
        if (status.tick === 2 && status.settled) sawTick2();
      },
      stderr: (text) => (stdout += text),
      signal: interrupt.signal,
    });
    await expect.poll(() => seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ tick: 0, policy: 'POLICY_MANUAL' });
    expect((await w.chamber(['clock', 'step', '2'])).code).toBe(ExitCode.Ok);
    await isTick2;
    interrupt.abort();
    expect(await watching).toBe(ExitCode.Ok);
    expect(stdout.split('\n').filter((l) => l !== '')).toHaveLength(seen.length);
  });

  it('wait-for ends on Ctrl-C with exit 130 and a one-line note', async () => {
    const w = await world('interrupt');
    const interrupt = new AbortController();
    const waiting = w.chamber(['clock', 'wait-for', '1000'], interrupt.signal);
    // The clock is paused: nothing will ever settle tick 1000.
    setTimeout(() => interrupt.abort(), 300);
    expect(await waiting).toEqual({
      code: ExitCode.Interrupted,
      stdout: '',
      stderr: 'chamber: interrupted\n',
    });
  });
});

describe('chamber clock without a frontend', () => {
  it('says it cannot reach the frontend, for every command', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const argv of [
      ['clock', 'status'],
      ['clock', 'step', '3'],
      ['clock', 'policy', 'manual'],
      ['clock', 'wait-for', '5'],
      ['clock', 'watch'],
      ['clock', 'reset', '--yes'],
    ]) {
      let stdout = '';
      let stderr = '';
      const code = await run([...argv, '--api', url], {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
      });
      // Given explicitly: no note of the default, and the error says how to point elsewhere.
      expectFailure(
        { code, stdout, stderr },
        `chamber: cannot reach the frontend at ${url} (--api URL or CHAMBER_API points the CLI elsewhere)`,
      );
    }
  });
});

describe('chamber names the endpoint it falls back to', () => {
  /** Runs the tool in-process with `env` only (no home: no login stored, unless XDG_CONFIG_HOME). */
  const chamber = async (argv: string[], env: Record<string, string>): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env,
    });
    return { code, stdout, stderr };
  };

  it('says on stderr that it talks REST to the default frontend, and how to point it elsewhere', async () => {
    const { stderr } = await chamber(['logs'], {});
    expect(stderr.split('\n')[0]).toBe(
      'chamber: not logged in; talking REST to the frontend at http://127.0.0.1:8080, the default ' +
        '(--api URL or CHAMBER_API points the CLI elsewhere)',
    );
  });

  it('names a frontend it cannot reach, given or logged in to, without the note', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const given = await chamber(['login', '--token', 'chm_x_y'], { CHAMBER_API: url });
    expectFailure(
      given,
      `chamber: cannot reach the frontend at ${url} (--api URL or CHAMBER_API points the CLI elsewhere)`,
    );
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-cli-'));
    fs.mkdirSync(path.join(home, 'chamber'));
    fs.writeFileSync(
      path.join(home, 'chamber', 'credentials.json'),
      JSON.stringify({ url, token: 'chm_x_y', user: 'admin' }),
    );
    const stored = await chamber(['clock', 'status'], { XDG_CONFIG_HOME: home });
    expectFailure(
      stored,
      `chamber: cannot reach the frontend at ${url} (--api URL or CHAMBER_API points the CLI elsewhere)`,
    );
  });
});

describe('the chamber executable', () => {
  /** Runs the built bin; resolves with its exit code and output once it exits. */
  function spawnChamber(argv: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [bin, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, XDG_CONFIG_HOME: os.tmpdir(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    cleanup.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<Result>((resolve) =>
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })),
    );
    return { child, exited, stdout: () => stdout };
  }

  it('exits 1 with "cannot reach the frontend" when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { exited } = spawnChamber(['clock', 'status', '--api', url]);
    const result = await exited;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`cannot reach the frontend at ${url}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('ends watch with exit 0 on SIGINT', async () => {
    const w = await world('sigint');
    const { child, exited, stdout } = spawnChamber(['clock', 'watch'], w.env);
    await expect.poll(stdout).toMatch(/^tick 0 \(settled\)/);
    child.kill('SIGINT');
    const result = await exited;
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });
});
