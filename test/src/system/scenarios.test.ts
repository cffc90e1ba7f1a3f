import { parseScenario, runScenario, startFor, type ScenarioReport } from '@chamber/scenario';
import type { StartedChamber } from '@chamber/sdk';
import { budgets } from '@chamber/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifact } from '../browser/browser.js';
import { repo, runToEnd } from './processes.js';

// Every scenario shipped in scenarios/ is a test: run headless on a Chamber
// of its own, as `chamber scenario run` runs it (one process for the
// services, which starts fastest; the drain, cheap, with each service its
// own process, as the launcher's default), its expectations checked. Each
// run's wall time goes to test-artifacts/scenario-times.txt. Then a run
// again on the same Chamber gives the same digest; and the CLI: a readable
// report, JUnit XML, the same digest in the other layout, exit 1 on a failed
// expectation, a malformed file refused at file:line:col before anything
// starts.

const folder = path.join(repo, 'scenarios');
const files = fs
  .readdirSync(folder)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const cli = path.join(repo, 'clients/cli/bin/chamber.js');

/** The last Chamber started, kept for the run again. */
let last: { name: string; chamber: StartedChamber } | undefined;
const times: string[] = [];
/** Each shipped scenario's digest, as its run above gave it. */
const digests = new Map<string, string>();
afterAll(async () => {
  await last?.chamber.stop();
  fs.writeFileSync(artifact('scenario-times.txt'), times.join('\n') + '\n');
});

/** What failed, for the assertion's message. */
const failures = (r: ScenarioReport): string =>
  r.expectations
    .filter((e) => !e.passed)
    .map((e) => `${e.where}: at tick ${e.tick} expected ${e.expected}, saw ${e.observed}`)
    .join('\n');

describe('the shipped scenarios', () => {
  for (const name of files) {
    it(
      `${name}: every expectation holds`,
      async () => {
        const file = path.join(folder, name);
        const scenario = parseScenario(fs.readFileSync(file, 'utf8'), file);
        await last?.chamber.stop();
        last = undefined;
        const layout = name === 'rack-drain-rolling-update.yaml' ? 'processes' : 'single';
        const chamber = await startFor(scenario, file, { layout });
        last = { name, chamber };
        const report = await runScenario(chamber, scenario);
        times.push(`${name}: ${report.tick} ticks in ${(report.wallMs / 1000).toFixed(1)} s`);
        // A run that went wrong says how the clock ran (a participant dropped?).
        const status = await chamber.clock.getStatus();
        const run = `run ${status.deterministic ? 'deterministic' : `not deterministic: ${status.notes.join('; ')}`}`;
        expect(failures(report), run).toBe('');
        expect(report.passed).toBe(true);
        expect(report.digest).toMatch(/^[0-9a-f]{64}$/);
        digests.set(name, report.digest);
      },
      name.includes('-large') ? budgets.scaleTestMs : budgets.longTestMs,
    );
  }
});

const chamber = (argv: string[]) => runToEnd(process.execPath, [cli, ...argv]);

describe('a scenario run again', () => {
  it('on the same Chamber gives the same digest', async () => {
    expect(last, 'a scenario ran above').toBeDefined();
    const { name, chamber } = last!;
    const file = path.join(folder, name);
    const again = await runScenario(chamber, parseScenario(fs.readFileSync(file, 'utf8'), file));
    expect(again.digest).toBe(digests.get(name));
  });
});

describe('chamber scenario', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-scenario-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(
    'runs a scenario headless with a readable report and JUnit XML, and exits 1 when an expectation fails',
    async () => {
      const source = fs.readFileSync(path.join(folder, 'rack-drain-rolling-update.yaml'), 'utf8');
      const junit = path.join(dir, 'report.xml');
      const passed = await chamber([
        'scenario',
        'run',
        path.join(folder, 'rack-drain-rolling-update.yaml'),
        '--junit',
        junit,
      ]);
      expect(passed.stderr).toMatch(/starting a Chamber of its own \(single\)/);
      expect(passed.code, passed.stderr).toBe(0);
      const lines = passed.stdout.trim().split('\n');
      expect(lines[0]).toMatch(
        /^scenario rack-drain-rolling-update \(seed 1\): passed at tick \d+, in [\d.]+ s$/,
      );
      expect(lines).toContain('  8 of 8 expectations held');
      expect(lines.at(-1)).toMatch(/^ {2}digest [0-9a-f]{64}$/);
      // The same run as above, in one process rather than one per service: the same digest.
      const digest = /^ {2}digest ([0-9a-f]{64})$/.exec(lines.at(-1)!)![1];
      if (digests.has('rack-drain-rolling-update.yaml')) {
        expect(digest).toBe(digests.get('rack-drain-rolling-update.yaml'));
      }
      const xml = fs.readFileSync(junit, 'utf8');
      expect(xml).toMatch(/<testsuite name="rack-drain-rolling-update" tests="8" failures="0"/);

      // The same run with one expectation it cannot meet.
      const broken = path.join(dir, 'broken.yaml');
      fs.writeFileSync(
        broken,
        source.replace(
          /running: \{ workload: web, instances: 12 \}/,
          'running: { workload: web, instances: 13 }',
        ),
      );
      const failed = await chamber(['scenario', 'run', broken, '--json']);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stdout, `no report; its stderr:\n${failed.stderr}`).not.toBe('');
      const report = JSON.parse(failed.stdout) as ScenarioReport;
      expect(report.passed).toBe(false);
      expect(
        report.expectations.filter((e) => !e.passed).map((e) => [e.expected, e.observed]),
      ).toEqual([['web running 13', '12']]);
      expect(failed.stderr).toMatch(
        /chamber: scenario rack-drain-rolling-update: 1 of 8 expectation\(s\) failed/,
      );
    },
    budgets.longTestMs,
  );

  it('refuses a malformed scenario at file:line:col, starting nothing', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'name: bad\ninventory: { sample: standard }\nrun: { until: -3 }\n');
    const out = await chamber(['scenario', 'run', bad]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^chamber: ${bad}:3:\\d+: `));
    expect(out.stderr).not.toMatch(/starting a Chamber/);
  });
});
