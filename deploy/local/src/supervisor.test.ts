import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type SupervisorEvent } from './supervisor.js';

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
    expect(events.find((e) => e.kind === 'exited')).toMatchObject({ code: 3 });
    // Its output went to the log file.
    expect(fs.readFileSync(path.join(dir, 'fixture.log'), 'utf8')).toContain('boom');
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
