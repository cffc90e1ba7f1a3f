import { parseScenario, runScenario, startFor, type ScenarioReport } from '@chamber/scenario';
import type { StartedChamber } from '@chamber/sdk';
import fs from 'node:fs';
import path from 'node:path';
import { failures, repo } from './processes.js';

/** The folder of the shipped scenarios. */
export const scenarioFolder = path.join(repo, 'scenarios');

/**
 * The shipped scenario files, by name: those on the `large` sample
 * (`-large.yaml`, minutes each) or the others. The large ones have a test
 * file of their own, so that the runner can start them early beside the rest.
 */
export function shippedScenarios(onLarge: boolean): string[] {
  return fs
    .readdirSync(scenarioFolder)
    .filter((f) => f.endsWith('.yaml') && f.endsWith('-large.yaml') === onLarge)
    .sort();
}

/**
 * Runs shipped scenario `name` headless on a Chamber of its own (one
 * process for the services, which starts fastest, unless `layout` says
 * otherwise), as `chamber scenario run` runs it. Answers the Chamber (still
 * running: the caller stops it), the report, what failed in words (`''`
 * when every expectation held) and how the clock ran (a participant
 * dropped?), for the assertion's message.
 */
export async function runShipped(
  name: string,
  layout: 'single' | 'processes' = 'single',
): Promise<{ chamber: StartedChamber; report: ScenarioReport; failed: string; run: string }> {
  const file = path.join(scenarioFolder, name);
  const scenario = parseScenario(fs.readFileSync(file, 'utf8'), file);
  const chamber = await startFor(scenario, file, { layout });
  try {
    const report = await runScenario(chamber, scenario);
    const status = await chamber.clock.getStatus();
    return {
      chamber,
      report,
      failed: failures(report) || (report.passed ? '' : 'the report says it failed'),
      run: `run ${status.deterministic ? 'deterministic' : `not deterministic: ${status.notes.join('; ')}`}`,
    };
  } catch (error) {
    await chamber.stop();
    throw error;
  }
}
