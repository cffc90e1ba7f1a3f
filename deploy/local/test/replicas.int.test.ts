import { ClockClient } from '@chamber/clock-client';
import { budgets, etcdEndpoints, freePortRun, uniqueSimulation } from '@chamber/testing';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repositoryRoot, services } from '../src/index.js';

// `CHAMBER_LOCAL_REPLICAS=2 npm start` against the test etcd: every
// singleton role runs twice, one replica leads, and a standby takes over
// from a leader killed under the launcher, which restarts it.

const main = path.join(repositoryRoot(), 'deploy/local/dist/src/main.js');
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const participants = services.filter((s) => s.isParticipant === true).map((s) => s.name);

/**
 * Starts the launcher as `npm start` does against the test etcd, with
 * `env` on top, on free ports (nine from `base`, each service's replicas
 * and shards above them), in a directory of its own.
 */
async function launch(label: string, env: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chamber-${label}-`));
  // Nine service ports from here, and the replicas' a hundred above (the shards' a thousand).
  const base = await freePortRun(9, 61_000, [100, 1_000]);
  const launcher = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      CHAMBER_LOCAL_DIR: dir,
      CHAMBER_ETCD_ENDPOINTS: etcdEndpoints().join(','),
      CHAMBER_LOCAL_PORT_OFFSET: String(base - 50_051),
      CHAMBER_LOCAL_HTTP_PORT: String(await freePortRun(1)),
      CHAMBER_SIMULATION: uniqueSimulation(label),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
  launcher.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => launcher.once('exit', resolve));
  stops.push(async () => {
    if (launcher.exitCode === null) launcher.kill('SIGKILL');
    await exited;
  });
  /** Resolves once the launcher has printed `pattern`; fails with its output if it exits first. */
  const printed = (pattern: RegExp, timeout: number = budgets.startMs): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => end(`no ${pattern} within ${timeout} ms`), timeout);
      const end = (why?: string): void => {
        clearTimeout(timer);
        launcher.stdout.off('data', check);
        launcher.off('exit', check);
        if (why === undefined) resolve();
        else reject(new Error(`${why}; the launcher printed:\n${out}`));
      };
      const check = (): void => {
        if (pattern.test(out)) end();
        else if (launcher.exitCode !== null) end(`exited (${launcher.exitCode})`);
      };
      launcher.stdout.on('data', check);
      launcher.on('exit', check);
      check();
    });
  const log = (name: string): string => {
    try {
      return fs.readFileSync(path.join(dir, 'logs', `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  };
  return { base, launcher, exited, printed, log, out: () => out };
}

describe('launcher replicas (CHAMBER_LOCAL_REPLICAS)', () => {
  it(
    'runs every singleton role twice, one leading, and a standby takes over from a killed leader',
    async () => {
      const {
        base,
        launcher,
        exited,
        printed,
        log,
        out: output,
      } = await launch('launch-replicas', {
        CHAMBER_LOCAL_REPLICAS: '2',
        // The tests' election lease: a takeover well within the wait budget.
        CHAMBER_LEADER_TTL_SECONDS: '2',
      });
      // Eighteen Node processes starting at once: the launcher's own readiness
      // timeout decides, and the line says how many are ready.
      await printed(/Ctrl-C stops everything/, budgets.longTestMs);
      expect(output()).toMatch(
        /10 of 10 service\(s\) ready \(the stepper and each participant: 2 replicas/,
      );
      expect(output()).toMatch(
        new RegExp(`✓ inventory-r2 +127\\.0\\.0\\.1:${base + 1 + 100} +ready`),
      );
      expect(output()).toMatch(/inventory: +\S+ +\(replicas: 127\.0\.0\.1:\d+\)/);
      // Each role: one replica leads, the other stands by.
      for (const name of participants) {
        const logs = (): string[] => [log(name), log(`${name}-r2`)];
        await expect
          .poll(() => logs().join('').includes(`"standing by for ${name}"`), {
            timeout: budgets.waitMs,
          })
          .toBe(true);
        await expect
          .poll(() => logs().filter((l) => l.includes(`"leading ${name}"`)).length, {
            timeout: budgets.waitMs,
          })
          .toBe(1);
      }

      // The faults leader dies; the launcher restarts it; a new term begins:
      // the standby takes over, or (when the restarted replica campaigns
      // first) the restarted one leads.
      const leader = log('faults').includes('"leading faults"') ? 'faults' : 'faults-r2';
      const terms = (): number =>
        [log('faults'), log('faults-r2')]
          .join('')
          .split('\n')
          .filter((l) => l.includes('"leading faults"') || l.includes('"took over faults')).length;
      const before = terms();
      const pid = Number(
        new RegExp(`✓ ${leader} +\\S+ +ready \\(pid (\\d+)\\)`).exec(output())![1],
      );
      process.kill(pid, 'SIGKILL');
      await printed(new RegExp(`↻ ${leader} +exited \\(signal SIGKILL\\)`));
      await expect.poll(terms, { timeout: budgets.waitMs }).toBeGreaterThan(before);

      launcher.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    budgets.longTestMs,
  );

  it(
    'runs the inventory and the monitor as shards (CHAMBER_LOCAL_SHARDS), each a participant of the clock',
    async () => {
      const { base, launcher, exited, printed, out } = await launch('launch-shards', {
        CHAMBER_LOCAL_SHARDS: '2',
      });
      await printed(/Ctrl-C stops everything/, budgets.longTestMs);
      expect(out()).toMatch(
        /10 of 10 service\(s\) ready \(the inventory and the monitor: 2 shards\)/,
      );
      expect(out()).toMatch(
        new RegExp(`✓ inventory\\.1 +127\\.0\\.0\\.1:${base + 1 + 1_000} +ready`),
      );
      const clock = ClockClient.connect(`127.0.0.1:${base}`);
      try {
        // Tick 0 waited for every shard; the clock moves with them.
        const status = await clock.getStatus();
        expect(status.participants).toEqual(
          expect.arrayContaining(['inventory.0', 'inventory.1', 'monitor.0', 'monitor.1']),
        );
        expect(status.participants).not.toContain('inventory');
        await clock.step(3);
        expect((await clock.getStatus()).deterministic).toBe(true);
      } finally {
        clock.close();
      }
      launcher.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    budgets.longTestMs,
  );
});
