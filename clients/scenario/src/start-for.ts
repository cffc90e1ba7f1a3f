import { start, type StartedChamber, type StartOptions } from '@chamber/sdk';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Scenario } from './model.js';

/**
 * How long (s) a scenario's own clock waits for a participant starved of
 * CPU before it drops it: a scenario is judged on a deterministic run, so
 * on a busy machine it waits rather than go on without one (the launcher
 * restarts a service that crashed within seconds).
 */
const scenarioGraceSeconds = 300;

/**
 * Starts a Chamber of its own ({@link start}) on `scenario`'s inventory,
 * with its seed: a sample by name; a file relative to the folder of the
 * scenario file (`file`); or the inline definition, written to a temporary
 * file that goes when the Chamber stops. Its clock is patient with its
 * participants ({@link scenarioGraceSeconds}, unless `options` say otherwise).
 */
export async function startFor(
  scenario: Scenario,
  file: string,
  options: Omit<StartOptions, 'definition' | 'seed'> & { seed?: number } = {},
): Promise<StartedChamber> {
  const { inventory } = scenario;
  let definition: string;
  let temporary: string | undefined;
  if (inventory.kind === 'sample') definition = inventory.sample;
  else if (inventory.kind === 'file') definition = path.resolve(path.dirname(file), inventory.path);
  else {
    temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-scenario-'));
    definition = path.join(temporary, `${scenario.name}.yaml`);
    // JSON is YAML: the inventory reads it as its own definition file.
    fs.writeFileSync(definition, JSON.stringify(inventory.definition, null, 2));
  }
  const removeTemporary = () => {
    if (temporary !== undefined) fs.rmSync(temporary, { recursive: true, force: true });
  };
  try {
    const chamber = await start({
      participantGraceSeconds: scenarioGraceSeconds,
      ...options,
      seed: options.seed ?? scenario.seed,
      definition,
    });
    const stop = chamber.stop.bind(chamber);
    return Object.assign(chamber, {
      async stop() {
        await stop();
        removeTemporary();
      },
    });
  } catch (error) {
    removeTemporary();
    throw error;
  }
}
