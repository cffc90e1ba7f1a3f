import { componentSchemas, operation, type AnswerOf } from '@chamber/api';
import { BladeDefinition, PlacementRecord } from '@chamber/protos';
import { keys, viewKey } from '@chamber/world';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, failure, startFrontend, type TestFrontend } from './helpers.js';

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

let f: TestFrontend;
beforeAll(async () => {
  f = await startFrontend();
});
afterAll(async () => {
  await f.stop();
});

const rack1 = 'r/z1/rack1';
const blade = (rack: string, n: number) => `${rack}/blade/${n}`;

async function define(path: string, cores: number): Promise<void> {
  await f.store.put(BladeDefinition, viewKey('definition', path), {
    index: 0,
    capacity: { cores, memoryGib: 64, diskGib: 500, networkGbps: 10, arch: '', accelerators: [] },
    boot: undefined,
    power: undefined,
    network: undefined,
  });
}

async function place(
  on: string,
  workload: string,
  n: number,
  cores: number,
  memoryGib = 0,
): Promise<void> {
  await f.store.put(PlacementRecord, keys.placement(on, workload, n), {
    workload,
    n,
    blade: on,
    demand: { cores, memoryGib, diskGib: 0, networkGbps: 0 },
    placedTick: 3,
    explanation: undefined,
  });
}

describe('GET /capacity', () => {
  it('answers, as its schema says, the blades on a path that hold placements with their capacity, the sum of their demands and their instances', async () => {
    await define(blade(rack1, 0), 16);
    await define(blade(rack1, 1), 32);
    await define(blade(rack1, 2), 8);
    await define(blade('r/z1/rack10', 0), 16);
    await place(blade(rack1, 0), 'web', 0, 4, 8);
    await place(blade(rack1, 0), 'db', 2, 2, 16);
    await place(blade(rack1, 1), 'web', 1, 4, 8);
    // rack10 starts like rack1: it is not under rack1.
    await place(blade('r/z1/rack10', 0), 'web', 2, 4, 8);

    const admin = await f.login('admin', adminPassword);
    const answer = await admin.call<AnswerOf<'getCapacity'>>('getCapacity', {
      query: { under: rack1 },
    });
    const ajv = addFormats(new Ajv2020({ strict: true }));
    for (const [name, schema] of Object.entries(componentSchemas)) {
      ajv.addSchema(schema, `#/components/schemas/${name}`);
    }
    const check = ajv.compile(operation('getCapacity').response.schema!);
    expect(check(answer.body), ajv.errorsText(check.errors)).toBe(true);

    const resources = (cores: number, memoryGib: number, diskGib: number, networkGbps: number) => ({
      cores,
      memoryGib,
      diskGib,
      networkGbps,
    });
    expect(answer.body.blades).toEqual([
      {
        blade: blade(rack1, 0),
        capacity: resources(16, 64, 500, 10),
        used: resources(6, 24, 0, 0),
        instances: [
          { workload: 'db', n: 2, demand: resources(2, 16, 0, 0) },
          { workload: 'web', n: 0, demand: resources(4, 8, 0, 0) },
        ],
      },
      {
        blade: blade(rack1, 1),
        capacity: resources(32, 64, 500, 10),
        used: resources(4, 8, 0, 0),
        instances: [{ workload: 'web', n: 1, demand: resources(4, 8, 0, 0) }],
      },
    ]);
    expect(answer.body.revision).toBeGreaterThan(0);

    // Without a path: every blade holding a placement; one blade: just it.
    const all = await admin.call<AnswerOf<'getCapacity'>>('getCapacity');
    expect(all.body.blades.map((b) => b.blade)).toEqual([
      blade(rack1, 0),
      blade(rack1, 1),
      blade('r/z1/rack10', 0),
    ]);
    const one = await admin.call<AnswerOf<'getCapacity'>>('getCapacity', {
      query: { under: blade(rack1, 1) },
    });
    expect(one.body.blades.map((b) => [b.blade, b.used.cores])).toEqual([[blade(rack1, 1), 4]]);
    // A blade without placements (blade 2) is never listed; a path holding none answers none.
    const none = await admin.call<AnswerOf<'getCapacity'>>('getCapacity', {
      query: { under: 'r/z2' },
    });
    expect(none.body.blades).toEqual([]);
  });

  it('needs a session and refuses a path that is not one, naming the field', async () => {
    expect((await failure(f.anonymous().call('getCapacity'))).status).toBe(401);
    const admin = await f.login('admin', adminPassword);
    const bad = await failure(admin.call('getCapacity', { query: { under: '../etc' } }));
    expect(bad).toMatchObject({ status: 400, field: 'under' });
  });
});
