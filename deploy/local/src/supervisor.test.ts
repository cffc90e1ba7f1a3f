import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lastErrorLine, Supervisor, type SupervisorEvent } from './supervisor.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-supervisor-'));
const running: Supervisor[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
});

function supervise(script: string, events: SupervisorEvent[]): Supervisor {
  const s = new Supervisor({
    name: 'fixture',
    command: process.execPath,
    args: ['-e', script],
    env: process.env,
    logFile: path.join(dir, 'fixture.log'),
    ready: () => Promise.resolve(),
    onEvent: (e) => events.push(e),
    minBackoffMs: 50,
    maxBackoffMs: 200,
    stableAfterMs: 60_000,
    stopTimeoutMs: 2_000,
  });
  running.push(s);
  return s;
}

const until = async (test: () => boolean, ms = budgets.waitMs): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('Supervisor', () => {
  it('restarts a crashing child with a doubling backoff, capped', async () => {
    const events: SupervisorEvent[] = [];
    const s = supervise('console.error("boom"); process.exit(3)', events);
    await s.start().catch(() => undefined);
    await until(() => events.filter((e) => e.kind === 'exited').length >= 5);
    await s.stop();
    const delays = events.flatMap((e) => (e.kind === 'exited' ? [e.restartInMs] : []));
    expect(delays.slice(0, 5)).toEqual([50, 100, 200, 200, 200]);
    // Each exit carries its last error line and how many exits in a row it makes.
    expect(events.filter((e) => e.kind === 'exited').slice(0, 3)).toMatchObject([
      { code: 3, lastError: 'boom', exitsInARow: 1 },
      { code: 3, lastError: 'boom', exitsInARow: 2 },
      { code: 3, lastError: 'boom', exitsInARow: 3 },
    ]);
    expect(s.lastError).toBe('boom');
    // Its output went to the log file.
    expect(fs.readFileSync(path.join(dir, 'fixture.log'), 'utf8')).toContain('boom');
  });

  it("keeps only the current run's error: a run that logs none reports none", async () => {
    const events: SupervisorEvent[] = [];
    // The log file already holds the first test's "boom" lines.
    const s = supervise('console.log("quiet"); process.exit(2)', events);
    await s.start().catch(() => undefined);
    await until(() => events.some((e) => e.kind === 'exited'));
    await s.stop();
    expect(events.find((e) => e.kind === 'exited')).toMatchObject({
      code: 2,
      lastError: 'quiet',
    });
  });

  it('reports ready, and stops the child for good on stop()', async () => {
    const events: SupervisorEvent[] = [];
    const s = supervise('setInterval(() => {}, 1000)', events);
    await s.start();
    const pid = s.pid!;
    expect(events.map((e) => e.kind)).toEqual(['started', 'ready']);
    await s.stop();
    expect(events.at(-1)).toMatchObject({
      kind: 'exited',
      signal: 'SIGTERM',
      restartInMs: undefined,
    });
    expect(() => process.kill(pid, 0)).toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.kind === 'started')).toHaveLength(1);
  });
});

describe('lastErrorLine', () => {
  it("finds a start failure's line, and an uncaught exception's message under its trace", () => {
    expect(lastErrorLine('{"level":30,"msg":"starting"}\ninventory: bad.yaml:11:13: boom\n')).toBe(
      'inventory: bad.yaml:11:13: boom',
    );
    const trace = [
      'file:///srv/main.js:3',
      "    throw new Error('boom');",
      '    ^',
      '',
      'Error: boom',
      '    at main (file:///srv/main.js:3:11)',
      '',
      'Node.js v20.20.0',
      '',
    ].join('\n');
    expect(lastErrorLine(trace)).toBe('Error: boom');
  });

  it("takes a JSON log line only at level error or above, with its error's message", () => {
    expect(
      lastErrorLine(
        '{"level":50,"msg":"tick failed","err":{"message":"etcd gone"}}\n{"level":30,"msg":"ok"}\n',
      ),
    ).toBe('tick failed: etcd gone');
    expect(lastErrorLine('{"level":30,"msg":"serving"}\n\n')).toBeUndefined();
  });

  it("reads etcd's log too: zap's named levels, with its error", () => {
    const etcd = [
      '{"level":"info","ts":"2026-12-02T02:10:31.095Z","msg":"closed etcd server"}',
      '{"level":"fatal","ts":"2026-12-02T02:10:31.095Z","caller":"etcdmain/etcd.go:271","msg":"discovery failed","error":"listen tcp 127.0.0.1:2379: bind: address already in use","stacktrace":"main.main"}',
      '',
    ].join('\n');
    expect(lastErrorLine(etcd)).toBe(
      'discovery failed: listen tcp 127.0.0.1:2379: bind: address already in use',
    );
    expect(lastErrorLine('{"level":"warn","msg":"slow fdatasync"}\n')).toBeUndefined();
  });
});
