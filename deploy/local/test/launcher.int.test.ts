import { ClockClient } from '@chamber/clock-client';
import type { LogEntry } from '@chamber/protos';
import { TraceSinkClient } from '@chamber/trace-client';
import { budgets, etcdEndpoints, freePortRun } from '@chamber/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { repositoryRoot, serviceMallocEnv, serviceNodeFlags, services } from '../src/index.js';

// The launcher as `npm start` runs it: a real process, on free ports.
const main = path.join(repositoryRoot(), 'deploy/local/dist/src/main.js');
const cli = path.join(repositoryRoot(), 'clients/cli/bin/chamber.js');

const cliHome = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-cli-home-'));
const launched: Array<{ child: ChildProcess; dir: string }> = [];
afterEach(async () => {
  // A test that failed midway leaves its launcher running: stop it as Ctrl-C
  // would, and if it will not stop, kill it and the children it recorded
  // (they run in process groups of their own): also those of a launcher that
  // was killed and whose children did not go with it.
  for (const { child, dir } of launched.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), budgets.waitMs);
      await exited;
      clearTimeout(timer);
    }
    try {
      const { children } = JSON.parse(fs.readFileSync(path.join(dir, 'launcher.json'), 'utf8')) as {
        children: number[];
      };
      for (const pid of children) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // No record left: it stopped them itself.
    }
  }
});

interface Launcher {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly stepper: string;
  /** Every port it was told to use: etcd's two, then each service's. */
  readonly ports: readonly number[];
  output(): string;
  waitFor(pattern: RegExp, count?: number): Promise<RegExpMatchArray>;
  exit(): Promise<number | null>;
}

async function start(env: Record<string, string> = {}): Promise<Launcher> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-launch-'));
  // Every gRPC service's port, from the stepper's on.
  const grpcPorts = services.filter((s) => s.isHttp !== true).map((s) => s.port - 50051);
  const stepperPort = await freePortRun(Math.max(...grpcPorts) + 1, 61_000);
  // etcd's two ports and HTTP, below the range the system hands out to others (or as the test says).
  const low = env['CHAMBER_LOCAL_ETCD_PORT'] === undefined ? await freePortRun(3) : undefined;
  const etcdPort = low ?? Number(env['CHAMBER_LOCAL_ETCD_PORT']);
  const httpPort = low === undefined ? Number(env['CHAMBER_LOCAL_HTTP_PORT']) : low + 2;
  const child = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      CHAMBER_LOCAL_DIR: dir,
      CHAMBER_LOCAL_ETCD_PORT: String(etcdPort),
      CHAMBER_LOCAL_ETCD_PEER_PORT: String(etcdPort + 1),
      CHAMBER_LOCAL_PORT_OFFSET: String(stepperPort - 50051),
      CHAMBER_LOCAL_HTTP_PORT: String(httpPort),
      CHAMBER_SIMULATION: `launch-${path.basename(dir).slice(-6).toLowerCase()}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launched.push({ child, dir });
  let out = '';
  const listeners = new Set<() => void>();
  for (const s of [child.stdout, child.stderr]) {
    s.on('data', (d: Buffer) => {
      out += d.toString();
      for (const l of [...listeners]) l();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    dir,
    stepper: `127.0.0.1:${stepperPort}`,
    ports: [
      etcdPort,
      etcdPort + 1,
      ...services.map((s) => (s.isHttp === true ? httpPort : s.port + stepperPort - 50051)),
    ],
    output: () => out,
    waitFor(pattern, count = 1) {
      const global = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${count}× ${pattern} in:\n${out}`));
        }, budgets.startMs);
        const check = (): void => {
          const matches = [...out.matchAll(global)];
          if (matches.length < count) {
            if (child.exitCode !== null) {
              clearTimeout(timer);
              reject(
                new Error(`exited (${child.exitCode}) with no ${count}× ${pattern} in:\n${out}`),
              );
            }
            return;
          }
          clearTimeout(timer);
          listeners.delete(check);
          resolve(matches[count - 1]!);
        };
        listeners.add(check);
        check();
        void exited.then(check);
      });
    },
    exit: () => exited,
  };
}

/**
 * Runs the `chamber` CLI as `npx chamber` would, with a home of its own (no
 * login stored but the one it makes); its exit code and output, trimmed.
 */
async function chamber(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: {
      ...process.env,
      XDG_CONFIG_HOME: cliHome,
      CHAMBER_API: '',
      CHAMBER_TOKEN: '',
      CHAMBER_VIA: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

// A zombie (exited, not yet reaped by whoever adopted it) has stopped too.
const isAlive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The pids the launcher recorded (etcd and every service it started), read now. */
function recordedChildren(dir: string): number[] {
  const { children } = JSON.parse(fs.readFileSync(path.join(dir, 'launcher.json'), 'utf8')) as {
    children: number[];
  };
  return children;
}

/** The etcd among `pids`: the process whose program is etcd. */
function etcdOf(pids: readonly number[]): number | undefined {
  return pids.find((pid) => {
    try {
      const program = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      return path.basename(program) === 'etcd';
    } catch {
      return false;
    }
  });
}

/** Logs in with the one-time token of a first run; GETs `/api/v1<route>` with that session. */
async function firstRunSession(
  l: Launcher,
): Promise<(route: string) => Promise<{ status: number; body: unknown }>> {
  const api = await firstRunApi(l);
  return (route) => api('GET', route);
}

/**
 * Logs in with the one-time token of a first run; then calls
 * `/api/v1<route>` with that session (a JSON body when given).
 */
async function firstRunApi(
  l: Launcher,
): Promise<
  (method: string, route: string, body?: unknown) => Promise<{ status: number; body: unknown }>
> {
  const [, origin, token] = await l.waitFor(
    /First run: log in once at (http:\/\/127\.0\.0\.1:\d+)\/\?token=(chm_\S+)/,
  );
  const session = await fetch(`${origin}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const cookie = session.headers.get('set-cookie')?.split(';')[0] ?? '';
  return async (method, route, body) => {
    const res = await fetch(`${origin}/api/v1${route}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
}

describe('launcher (npm start)', () => {
  it(
    'starts etcd and the services, restarts a crashed service, and stops everything on SIGTERM',
    async () => {
      const l = await start();
      const first = await l.waitFor(/✓ stepper .* ready \(pid (\d+)\)/);
      await l.waitFor(/Chamber is running/);
      // First run: the frontend made the admin and a one-time login URL, printed once.
      const [, origin, token] = await l.waitFor(
        /First run: log in once at (http:\/\/127\.0\.0\.1:\d+)\/\?token=(chm_\S+)/,
      );
      expect(fs.existsSync(path.join(l.dir, 'login-url'))).toBe(false);
      // The printed commands work for the ports in use (none is a default here), run as printed.
      const [, loginHint] = await l.waitFor(
        /^ {2}npx chamber (login .*) --token <the token in that URL>/m,
      );
      expect(loginHint).toBe(`login --api ${origin}`);
      const [, exported] = await l.waitFor(/export CHAMBER_API=(\S+)\n/);
      expect(exported).toBe(origin);
      const login = await chamber([...loginHint!.split(' '), '--token', token!]);
      expect(login.code).toBe(0);
      expect(login.stdout).toMatch(`logged in to ${origin} as admin;`);
      const [, stepperHint] = await l.waitFor(/stepper: +\S+ +try: npx chamber (.*)/);
      const status = await chamber(stepperHint!.split(' '));
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/^tick 0 /);
      // The credential went to the terminal only, not to the log.
      expect(fs.readFileSync(path.join(l.dir, 'logs', 'frontend.log'), 'utf8')).not.toContain(
        token,
      );
      const { children } = JSON.parse(
        fs.readFileSync(path.join(l.dir, 'launcher.json'), 'utf8'),
      ) as {
        children: number[];
      };
      // Each service runs with the launcher's memory settings (README, Memory): V8's flags
      // before its entry, glibc's in its environment.
      const etcd = etcdOf(children);
      const nodes = children.filter((pid) => pid !== etcd);
      expect(nodes).toHaveLength(services.length);
      for (const pid of nodes) {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        expect(args.slice(1, 1 + serviceNodeFlags.length)).toEqual(serviceNodeFlags);
        const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
        for (const [name, value] of Object.entries(serviceMallocEnv)) {
          expect(env).toContain(`${name}=${value}`);
        }
      }
      const client = ClockClient.connect(l.stepper);
      try {
        expect((await client.getStatus()).tick).toBe(0);

        process.kill(Number(first[1]), 'SIGKILL');
        await l.waitFor(/↻ stepper +exited \(signal SIGKILL\); restarting in 0.5 s/);
        const second = await l.waitFor(/✓ stepper .* ready \(pid (\d+)\)/, 2);
        expect(second[1]).not.toBe(first[1]);
        expect((await client.getStatus()).tick).toBe(0);
      } finally {
        client.close();
      }

      l.child.kill('SIGTERM');
      expect(await l.exit()).toBe(0);
      expect(l.output()).toMatch(/Stopped\./);
      for (const pid of children) expect(isAlive(pid)).toBe(false);
      expect(fs.existsSync(path.join(l.dir, 'etcd'))).toBe(true);
      expect(fs.readFileSync(path.join(l.dir, 'logs', 'stepper.log'), 'utf8')).toMatch(
        /stepper serving/,
      );
    },
    budgets.longTestMs,
  );

  it(
    "says why a service keeps exiting: the launcher prints its last error, GET /services reports it, and the API's 503 names it",
    async () => {
      // A definition with a bad count (line 17, column 37): the inventory fails to start, again and again.
      const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-bad-')), 'bad.yaml');
      const small = fs.readFileSync(
        path.join(repositoryRoot(), 'services/inventory/definitions/small.yaml'),
        'utf8',
      );
      fs.writeFileSync(
        bad,
        small.replace('{ template: general, count: 4 }', '{ template: general, count: four }'),
      );
      const l = await start({ CHAMBER_INVENTORY_DEFINITION: bad });
      const [, because] = await l.waitFor(/✗ inventory is not ready: (bad\.yaml:\d+:\d+: .+)/);
      await l.waitFor(/9 of 10 service\(s\) ready/);
      const [, again] = await l.waitFor(/✗ inventory +exited 3 times: (.+); restarting in/);
      expect(again).toBe(because);

      // The service recorded it in the store, where the frontend lists the services.
      const get = await firstRunSession(l);
      const { body } = await get('/services');
      const services = (body as { services: Array<Record<string, unknown>> }).services;
      const inventory = services.filter((s) => s['name'] === 'inventory');
      expect(inventory).toMatchObject([
        {
          name: 'inventory',
          instance: '',
          endpoint: '',
          health: 'down',
          // The whole message; the launcher printed its last line.
          lastError: `bad.yaml has 1 error(s); nothing was loaded:\n${because}`,
        },
      ]);
      expect(inventory[0]?.['failedAt']).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(services.find((s) => s['name'] === 'stepper')).toMatchObject({ health: 'serving' });
      // What the dashboard shows where it used to show only a connection error.
      expect(await get('/inventory/elements')).toMatchObject({
        status: 503,
        body: {
          error: {
            code: 'unavailable',
            message: `inventory is down; its last start failed: bad.yaml has 1 error(s); nothing was loaded:\n${because}`,
          },
        },
      });
      l.child.kill('SIGTERM');
      expect(await l.exit()).toBe(0);
    },
    budgets.longTestMs,
  );

  it(
    'uses an external etcd when CHAMBER_ETCD_ENDPOINTS is set, starting none',
    async () => {
      const l = await start({ CHAMBER_ETCD_ENDPOINTS: etcdEndpoints().join(',') });
      await l.waitFor(/Chamber is running/);
      expect(l.output()).toMatch(/etcd +http:\/\/127\.0\.0\.1:\d+ +\(external/);
      expect(fs.existsSync(path.join(l.dir, 'etcd'))).toBe(false);
      // The services send their spans to this launcher's tracesink (at its port offset).
      const [, tracesink] = await l.waitFor(/tracesink: +(\S+) +try: npx chamber logs --follow/);
      const clock = ClockClient.connect(l.stepper);
      const sink = TraceSinkClient.connect(tracesink!);
      try {
        const settled = new Promise<LogEntry>((resolve, reject) => {
          const follow = sink.followEntries(
            (entry) => {
              if (entry.service === 'stepper' && entry.tick === 1) {
                follow.cancel();
                resolve(entry);
              }
            },
            (error) => reject(error ?? new Error('the follow ended early')),
            { service: 'stepper' },
          );
        });
        await clock.step(1);
        expect((await settled).name).toMatch(/^clock\./);
      } finally {
        clock.close();
        sink.close();
      }
      l.child.kill('SIGINT');
      expect(await l.exit()).toBe(0);
    },
    budgets.longTestMs,
  );

  it(
    'refuses to start, naming the port, when a port is taken, and leaves nothing running',
    async () => {
      const blocker = await start();
      await blocker.waitFor(/Chamber is running/);
      const offset = Number(blocker.stepper.split(':')[1]) - 50051;
      const l = await start({ CHAMBER_LOCAL_PORT_OFFSET: String(offset) });
      expect(await l.exit()).toBe(1);
      expect(l.output()).toMatch(/port \d+ for tracesink is in use/);
      expect(fs.existsSync(path.join(l.dir, 'etcd'))).toBe(false);
      blocker.child.kill('SIGTERM');
      expect(await blocker.exit()).toBe(0);
    },
    budgets.longTestMs,
  );
  it(
    'restarts its private etcd when it dies, on the same data dir and ports, and the services go on',
    async () => {
      const l = await start();
      await l.waitFor(/Chamber is running/);
      const get = await firstRunSession(l);
      const etcd = etcdOf(recordedChildren(l.dir));
      expect(etcd).toBeDefined();
      const client = ClockClient.connect(l.stepper);
      try {
        await client.step(2);
        const before = l.output();

        process.kill(etcd!, 'SIGKILL');
        // In the words of any other child's restart, after the same backoff.
        await l.waitFor(
          /↻ etcd +exited \(signal SIGKILL\); restarting in 0.5 s \(see .*etcd\.log\)/,
        );
        const [, endpoint, pid, dataDir] = await l.waitFor(
          /✓ etcd +(\S+) +ready \(pid (\d+)\), data in (\S+)/,
          2,
        );
        expect(Number(pid)).not.toBe(etcd);
        expect(endpoint).toBe(`http://127.0.0.1:${l.ports[0]}`);
        expect(dataDir).toBe(path.join(l.dir, 'etcd'));
        expect(recordedChildren(l.dir)).toContain(Number(pid));

        // The same store (tick 2 is still there), and the clock goes on: every
        // participant settles the next tick.
        expect((await client.getStatus()).tick).toBe(2);
        await client.step(1);
        expect((await client.getStatus()).tick).toBe(3);
        const { status, body } = await get('/services');
        expect(status).toBe(200);
        const listed = (body as { services: Array<{ name: string; health: string }> }).services;
        for (const spec of services) {
          expect(listed.find((s) => s.name === spec.name)).toMatchObject({ health: 'serving' });
        }
        // No service was restarted: they rode out the outage.
        expect(l.output().slice(before.length)).not.toMatch(/^[↻✗] (?!etcd )/m);
      } finally {
        client.close();
      }
      l.child.kill('SIGTERM');
      expect(await l.exit()).toBe(0);
    },
    budgets.longTestMs,
  );

  it(
    'when it is killed hard (SIGKILL), etcd and every service exit on their own and free their ports',
    async () => {
      const l = await start();
      await l.waitFor(/Chamber is running/);
      const children = recordedChildren(l.dir);
      // etcd and the seven services.
      expect(children).toHaveLength(1 + services.length);
      expect(children.filter(isAlive)).toEqual(children);

      l.child.kill('SIGKILL');
      await l.exit();
      await expect.poll(() => children.filter(isAlive)).toEqual([]);
      for (const port of l.ports)
        expect({ port, isFree: await isPortFree(port) }).toEqual({ port, isFree: true });
    },
    budgets.longTestMs,
  );

  it(
    'runs the private etcd as a 3-member cluster (CHAMBER_LOCAL_ETCD_MEMBERS=3), gives every service all endpoints, and restarts a killed member on its data',
    async () => {
      // Each member's two ports (the configured ones + 2i), then HTTP: all checked free together.
      const etcdPort = await freePortRun(7);
      const l = await start({
        CHAMBER_LOCAL_ETCD_MEMBERS: '3',
        CHAMBER_LOCAL_ETCD_PORT: String(etcdPort),
        CHAMBER_LOCAL_HTTP_PORT: String(etcdPort + 6),
      });
      await l.waitFor(/Chamber is running/);
      expect(l.output()).toMatch(/etcd +a cluster of 3 members on loopback/);
      const endpoints = [0, 2, 4].map((d) => `http://127.0.0.1:${etcdPort + d}`);
      const list = (await (
        await fetch(`${endpoints[1]}/v3/cluster/member/list`, { method: 'POST', body: '{}' })
      ).json()) as { members: Array<{ name: string }> };
      const names = ['chamber-1-of-3', 'chamber-2-of-3', 'chamber-3-of-3'];
      expect(list.members.map((m) => m.name).sort()).toEqual(names);
      for (const name of names) expect(fs.existsSync(path.join(l.dir, 'etcd', name))).toBe(true);
      const commandOf = (pid: number): string[] => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        } catch {
          return [];
        }
      };
      const children = recordedChildren(l.dir);
      const entry = services.find((s) => s.name === 'stepper')!.entry;
      const stepper = children.find((pid) => commandOf(pid).some((a) => a.endsWith(entry)));
      const env = fs.readFileSync(`/proc/${stepper}/environ`, 'utf8').split('\0');
      expect(env).toContain(`CHAMBER_ETCD_ENDPOINTS=${endpoints.join(',')}`);

      const second = children.find((pid) => commandOf(pid).includes('--name=chamber-2-of-3'));
      expect(second).toBeTypeOf('number');
      process.kill(second!, 'SIGKILL');
      await l.waitFor(/↻ etcd-2 +exited \(signal SIGKILL\); restarting in 0.5 s/);
      await l.waitFor(/✓ etcd-2 .* ready \(pid \d+\)/, 2);
      const client = ClockClient.connect(l.stepper);
      try {
        expect((await client.getStatus()).tick).toBe(0);
      } finally {
        client.close();
      }
      const running = recordedChildren(l.dir);
      l.child.kill('SIGTERM');
      expect(await l.exit()).toBe(0);
      for (const pid of running) expect(isAlive(pid)).toBe(false);
    },
    budgets.longTestMs,
  );
});

describe('launcher layouts (CHAMBER_LOCAL_LAYOUT)', () => {
  it(
    'runs the same seed and inputs to the same world digest with every service in one process as with each in its own, and the single layout serves every service',
    async () => {
      const runs: Array<{ layout: string; digests: Record<number, string> }> = [];
      for (const layout of ['processes', 'single']) {
        const l = await start({
          CHAMBER_LOCAL_LAYOUT: layout,
          // The same simulation and seed in both (each launcher has a store of its own).
          CHAMBER_SIMULATION: 'layouts',
          CHAMBER_SEED: '7',
          CHAMBER_INVENTORY_DEFINITION: 'standard',
        });
        await l.waitFor(/Chamber is running: simulation "layouts", 10 of 10 service\(s\) ready/);
        const api = await firstRunApi(l);
        const clock = ClockClient.connect(l.stepper);
        const digests: Record<number, string> = {};
        try {
          digests[0] = (await clock.waitForTick(0)).digest;
          await clock.step(3);
          // A fault through the REST API, as a user injects one: it takes effect at tick 4.
          const fault = await api('POST', '/faults', {
            kind: 'crash',
            targets: ['standard/z1/rack1/blade/1', 'standard/z1/rack2'],
            duration: 6,
          });
          expect(fault.status).toBe(201);
          for (const tick of [4, 12, 40]) {
            const status = await clock.runUntil(tick);
            expect(status.deterministic).toBe(true);
            digests[tick] = status.digest;
          }
          // Each service's spans reach the tracesink under its own name (one
          // process-wide tracer provider would send them all as the first one's).
          for (const name of ['stepper', 'faults', 'inventory']) {
            await expect
              .poll(async () => {
                const { body } = await api('GET', `/logs?service=${name}&limit=1`);
                return (body as { entries: Array<{ service: string }> }).entries.map(
                  (e) => e.service,
                );
              })
              .toEqual([name]);
          }
          // Every service registered and serving, whatever the layout. Polled: on
          // a loaded machine one process serving all nine may answer a health
          // check later than the frontend's 1 s deadline, which it then reports
          // as unreachable, truthfully, until it answers in time.
          await expect
            .poll(async () => {
              const { body } = await api('GET', '/services');
              const listed = (body as { services: Array<{ name: string; health: string }> })
                .services;
              return services.map((spec) => ({
                layout,
                name: spec.name,
                health: listed.find((s) => s.name === spec.name)?.health,
              }));
            })
            .toEqual(services.map((spec) => ({ layout, name: spec.name, health: 'serving' })));
        } finally {
          clock.close();
        }
        if (layout === 'single') {
          // One Node process beside etcd: the launcher recorded two children.
          expect(recordedChildren(l.dir)).toHaveLength(2);
          expect(l.output()).toMatch(/layout single: one process/);
        }
        l.child.kill('SIGTERM');
        expect(await l.exit()).toBe(0);
        runs.push({ layout, digests });
      }
      const [processes, single] = runs;
      expect(single!.digests).toEqual(processes!.digests);
      // And the fault changed the world: the digest moved past the tick it took effect.
      expect(processes!.digests[40]).not.toBe(processes!.digests[0]);
    },
    budgets.longTestMs,
  );

  it(
    'in the single layout, restarts the one process when it crashes, and every service serves again',
    async () => {
      const l = await start({ CHAMBER_LOCAL_LAYOUT: 'single' });
      const [, pid] = await l.waitFor(
        /✓ services +\d+ services in one process +ready \(pid (\d+)\)/,
      );
      await l.waitFor(/Chamber is running: .*10 of 10 service\(s\) ready/);
      process.kill(Number(pid), 'SIGKILL');
      await l.waitFor(/↻ services +exited \(signal SIGKILL\); restarting in 0.5 s/);
      const [, again] = await l.waitFor(
        /✓ services +\d+ services in one process +ready \(pid (\d+)\)/,
        2,
      );
      expect(again).not.toBe(pid);
      const clock = ClockClient.connect(l.stepper);
      try {
        const before = (await clock.getStatus()).tick;
        await clock.step(2);
        expect((await clock.getStatus()).tick).toBe(before + 2);
      } finally {
        clock.close();
      }
      l.child.kill('SIGTERM');
      expect(await l.exit()).toBe(0);
    },
    budgets.longTestMs,
  );
});
