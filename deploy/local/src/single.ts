import { runServicesProcess, serviceUnitOf } from '@chamber/telemetry';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inheritedEnv } from './config.js';
import { repositoryRoot } from './root.js';

/** One service of the plan: its name, its service module (by path) and its own `CHAMBER_*` settings. */
export interface SinglePlanService {
  readonly name: string;
  readonly module: string;
  readonly env: Readonly<Record<string, string>>;
}

/** What the launcher hands the single process (a JSON file): the services, in start groups. */
export interface SinglePlan {
  readonly groups: readonly (readonly SinglePlanService[])[];
}

// The `single` layout's process: every service of the plan in this one
// process, each from its own module with its own environment (the launcher's
// settings for it over what the launcher inherited), each its own gRPC server.
const [planFile] = process.argv.slice(2);
try {
  if (planFile === undefined) throw new Error('usage: single.js <plan.json>');
  const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as SinglePlan;
  const root = repositoryRoot();
  const groups = await Promise.all(
    plan.groups.map((group) =>
      Promise.all(
        group.map(async ({ module, env }) =>
          serviceUnitOf(await import(pathToFileURL(path.join(root, module)).href), module, {
            ...inheritedEnv(),
            ...env,
          }),
        ),
      ),
    ),
  );
  await runServicesProcess(groups);
} catch (error) {
  console.error(`services: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
