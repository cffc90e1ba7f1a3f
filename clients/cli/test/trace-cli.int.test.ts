import { SpanStatus, type TraceSpan } from '@chamber/protos';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { TraceSinkClient } from '@chamber/trace-client';
import { createTraceSinkService, loadTraceSinkConfig } from '@chamber/tracesink';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, run } from '../src/index.js';

// `chamber trace …` against a real tracesink.
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function span(name: string, attributes: Record<string, string>): TraceSpan {
  return {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    links: [],
    service: 'monitor',
    name,
    startTime: new Date(0),
    durationMs: 0,
    attributes,
    status: SpanStatus.SPAN_STATUS_UNSPECIFIED,
    statusMessage: '',
  };
}

const failed = span('monitor.transition', {
  'chamber.tick': '9',
  'chamber.target': 'r1/z1/rack1/blade/0',
  'chamber.reason': 'no heartbeat since tick 6',
  'chamber.severity': 'warn',
});
const healthy = span('monitor.transition', {
  'chamber.tick': '18',
  'chamber.target': 'r1/z1/rack2/blade/0',
  'chamber.reason': 'heartbeats again',
});

async function sink() {
  const service = createTraceSinkService(
    loadTraceSinkConfig({
      env: {},
      overrides: {
        listen: { host: '127.0.0.1', port: 0 },
        etcd: { endpoints: etcdEndpoints() },
        simulation: uniqueSimulation('cli-trace'),
      },
    }),
    { logger: createLogger({ service: 'tracesink', level: 'silent' }) },
  );
  const address = `127.0.0.1:${(await service.start()).port}`;
  cleanup.push(() => service.stop());
  const client = TraceSinkClient.connect(address);
  cleanup.push(() => client.close());
  const chamber = async (
    argv: string[],
    io: { signal?: AbortSignal; onLine?: () => void } = {},
  ) => {
    let stdout = '';
    let stderr = '';
    const code = await run(argv, {
      stdout: (text) => {
        stdout += text;
        io.onLine?.();
      },
      stderr: (text) => (stderr += text),
      env: { CHAMBER_TRACESINK: address },
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
    return { code, stdout, stderr };
  };
  return { client, chamber };
}

describe('chamber trace', () => {
  it('lists entries one per line, filtered, from the tail, and as JSON', async () => {
    const { client, chamber } = await sink();
    expect(await chamber(['trace', 'ls'])).toEqual({
      code: ExitCode.Ok,
      stdout: '(no entries)\n',
      stderr: '',
    });
    await client.export([failed, healthy]);
    expect(await chamber(['trace', 'ls'])).toEqual({
      code: ExitCode.Ok,
      stdout:
        '#1 tick 9 warn monitor monitor.transition r1/z1/rack1/blade/0 — no heartbeat since tick 6\n' +
        '#2 tick 18 info monitor monitor.transition r1/z1/rack2/blade/0 — heartbeats again\n',
      stderr: '',
    });
    expect((await chamber(['trace', 'ls', '--target', 'r1/z1/rack2'])).stdout).toMatch(/^#2 /);
    expect((await chamber(['trace', 'ls', '--severity', 'warn'])).stdout).toMatch(/^#1 [^\n]*\n$/);
    expect((await chamber(['trace', 'ls', '--tail', '--limit', '1'])).stdout).toMatch(/^#2 /);
    const json = await chamber(['trace', 'ls', '--after', '1', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      seq: 2,
      tick: 18,
      target: 'r1/z1/rack2/blade/0',
      severity: 'SEVERITY_INFO',
    });
    expect((await chamber(['trace', 'ls', '--severity', 'loud'])).code).toBe(ExitCode.Usage);
  });

  it('follows: prints what is held, then each new entry, and ends cleanly on Ctrl-C', async () => {
    const { client, chamber } = await sink();
    await client.export([failed]);
    const interrupt = new AbortController();
    let lines = 0;
    let sawTwo!: () => void;
    const two = new Promise<void>((resolve) => (sawTwo = resolve));
    let sawOne!: () => void;
    const one = new Promise<void>((resolve) => (sawOne = resolve));
    const following = chamber(['trace', 'follow'], {
      signal: interrupt.signal,
      onLine: () => {
        lines++;
        if (lines === 1) sawOne();
        if (lines === 2) sawTwo();
      },
    });
    await one;
    await client.export([healthy]);
    await two;
    interrupt.abort();
    const result = await following;
    expect(result.code).toBe(ExitCode.Ok);
    expect(result.stdout.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^#1 tick 9 warn /),
      expect.stringMatching(/^#2 tick 18 info /),
    ]);
  });
});
