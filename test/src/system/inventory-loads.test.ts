import { ClockClient } from '@chamber/clock-client';
import { Code, isChamberError } from '@chamber/errors';
import {
  applyDefinitionLoads,
  DefinitionParser,
  definitionLoadViews,
  inventoryParticipant,
  submitDefinitionLoad,
} from '@chamber/inventory';
import { loadConfig } from '@chamber/config';
import { Policy } from '@chamber/protos';
import { createStepperService, stepperSchema, type StepperService } from '@chamber/stepper';
import { Store } from '@chamber/store';
import { createLogger } from '@chamber/telemetry';
import { etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { Participant } from '@chamber/participant';
import { keys, viewKey } from '@chamber/world';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// Definition loads through the clock: a real stepper and etcd, the inventory's
// load path as its participant runs it.
const definitions = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../services/inventory/definitions',
);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function world(label: string) {
  const simulation = uniqueSimulation(label);
  const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
  cleanup.push(() => store.close());
  const applied: number[] = [];
  const inventory = await Participant.join(store, {
    name: inventoryParticipant,
    views: definitionLoadViews,
    leaseTtlSeconds: 2,
    onTick: async (ctx) => {
      const { ops, changes } = await applyDefinitionLoads(ctx.tick, ctx.view);
      if (changes !== undefined) applied.push(ctx.tick);
      return { ops, nextWakeup: null };
    },
  });
  cleanup.push(() => inventory.stop());
  const config = loadConfig(stepperSchema(), {
    env: {},
    overrides: {
      listen: { host: '127.0.0.1', port: 0 },
      etcd: { endpoints: etcdEndpoints() },
      simulation,
    },
  });
  const stepper: StepperService = createStepperService(config, {
    logger: createLogger({ service: 'stepper', level: 'silent' }),
  });
  const { port } = await stepper.start();
  cleanup.push(() => stepper.stop());
  const client = ClockClient.connect(`127.0.0.1:${port}`);
  cleanup.push(() => client.close());
  await client.waitForTick(0);
  await client.setPolicy(Policy.POLICY_NO_WAIT);
  return { store, client, applied };
}

const source = (name: string): string =>
  readFileSync(path.join(definitions, `${name}.yaml`), 'utf8');

describe('definition loads through the clock', () => {
  it('loads a definition at exactly the next tick, and reconciles a changed one', async () => {
    const w = await world('loads');
    const first = await submitDefinitionLoad(w.store, {
      source: source('small'),
      fileName: 'small.yaml',
    });
    expect(first.bladeCount).toBe(8);
    await w.client.waitForTick(first.effectiveTick);
    expect(w.applied).toEqual([first.effectiveTick]);
    const loaded = await w.store.listRaw(keys.definitionPrefix);
    expect(loaded.entries.filter((e) => e.key.includes('/blade/'))).toHaveLength(8);
    const rev = new Map(loaded.entries.map((e) => [e.key, e.modRevision]));

    const second = await submitDefinitionLoad(w.store, {
      source: source('small').replace('count: 4', 'count: 5'),
      fileName: 'small.yaml',
    });
    await w.client.waitForTick(second.effectiveTick);
    const after = await w.store.listRaw(keys.definitionPrefix);
    expect(after.entries.filter((e) => e.key.includes('/blade/'))).toHaveLength(10);
    // Unchanged blades were not rewritten; the inputs and markers are gone.
    expect(
      after.entries.find((e) => e.key === viewKey('definition', 'small/z1/rack1/blade/0'))!
        .modRevision,
    ).toBe(rev.get(viewKey('definition', 'small/z1/rack1/blade/0')));
    expect((await w.store.listRaw(keys.inputsPrefix)).entries).toHaveLength(0);
    expect((await w.store.listRaw(keys.pendingPrefix)).entries).toHaveLength(0);
  });

  it('parses a large definition once, off the event loop: calls keep being served meanwhile', async () => {
    const parser = new DefinitionParser();
    cleanup.push(() => parser.close());
    // Counts the turns of the event loop while the 100,000-blade sample is
    // parsed and its records built: none if the work held the loop.
    let turns = 0;
    let isCounting = true;
    const count = (): void => {
      if (!isCounting) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const request = { source: source('large'), fileName: 'large.yaml' };
    const parsing = parser.parse(request);
    const parsed = await parsing;
    isCounting = false;
    expect(parsed.ok && parsed.bladeCount).toBe(100_000);
    expect(parsed.ok && parsed.keys.length).toBe(110_003);
    expect(turns).toBeGreaterThan(0);
    // The tick that applies the load gets the same parse, not a second one.
    expect(parser.parse({ ...request })).toBe(parsing);
  });

  it('refuses a bad definition with every error, writing nothing', async () => {
    const w = await world('bad');
    const error = await submitDefinitionLoad(w.store, {
      source:
        'version: 1\nregions:\n  - name: r1\n    zones:\n      - name: z1\n        colour: red\n        racks: []\n',
      fileName: 'bad.yaml',
    }).catch((e: unknown) => e);
    expect(isChamberError(error) && error.code).toBe(Code.InvalidArgument);
    expect((error as Error).message).toBe(
      'bad.yaml has 1 error(s); nothing was loaded:\nbad.yaml:6:9: region "r1", zone "z1": unknown key "colour"',
    );
    expect((await w.store.listRaw(keys.inputsPrefix)).entries).toHaveLength(0);
    expect((await w.store.listRaw(keys.pendingPrefix)).entries).toHaveLength(0);
    expect((await w.client.getStatus()).tick).toBe(0);
  });
});
