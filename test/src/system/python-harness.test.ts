import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact } from '../browser/browser.js';
import { repo, runToEnd, startSimulationProcesses } from './processes.js';

// The gRPC contract serves harnesses in any language, not only our own
// TypeScript clients: examples/python/harness.py, with nothing but the
// .proto files, Debian's protoc, grpc_python_plugin and python3-grpcio,
// drives a simulation of real processes as `npm start` runs them.
const cleanup: Array<() => Promise<void> | void> = [];
let addresses: string[];
beforeAll(async () => {
  const sim = await startSimulationProcesses({ label: 'python', seed: 7, cleanup });
  addresses = [
    `--stepper=127.0.0.1:${sim.stepperPort}`,
    `--inventory=${sim.address('inventory')}`,
    `--faults=${sim.address('faults')}`,
    `--repair=${sim.address('inventory-repair')}`,
  ];
}, budgets.hookMs);
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const harness = path.join(repo, 'examples/python/harness.py');
const blade = 'standard/z1/rack2/blade/5';

/** Runs the harness with `args`; resolves with its exit code and output. */
const runHarness = (args: string[]) => runToEnd('/usr/bin/python3', [harness, ...args]);

describe('a harness in Python', () => {
  it(
    'drives the clock, crashes a blade, and sees it observed failed, repaired and healthy again',
    async () => {
      const { code, stdout, stderr } = await runHarness([...addresses, `--blade=${blade}`]);
      fs.writeFileSync(artifact('python-harness.log'), stdout + stderr);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^clock at tick \d+, run 1, seed 7$/);
      expect(lines.slice(1, -2).map((l) => l.replace(blade, 'BLADE').replace(/\d+/g, 'N'))).toEqual(
        [
          'tick N: BLADE observed healthy',
          'tick N: injected crash fN-N into BLADE',
          'tick N: BLADE observed failed (N ticks after the injection)',
        ],
      );
      expect(lines.at(-2)).toMatch(
        new RegExp(
          `^tick \\d+: repair \\S+ succeeded \\(opened at tick \\d+, closed at \\d+: .+\\); ${blade} observed healthy$`,
        ),
      );
      expect(lines.at(-1)).toBe('ok: crash observed, repaired, healthy again');
    },
    budgets.longTestMs,
  );

  it(
    'stops with exit code 2, saying why, when what it drives refuses it',
    async () => {
      const { code, stdout, stderr } = await runHarness([
        ...addresses,
        '--blade=standard/z1/rack2/blade/99',
      ]);
      expect(code).toBe(2);
      expect(stdout).toMatch(/^clock at tick \d+/);
      expect(stderr).toMatch(/^harness: NOT_FOUND: .*standard\/z1\/rack2\/blade\/99/);
    },
    budgets.longTestMs,
  );
});
