import {
  operations,
  rights,
  type ApiClient,
  type CallInput,
  type Availability,
  type Instance,
  type Operation,
  type PlacementExplanation,
  type Right,
  type Workload,
} from '@chamber/api';
import { httpStatusOf, isChamberError } from '@chamber/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontendWorld, type FrontendWorld } from './frontend-world.js';
import { twoRacks } from './inventory-world.js';

// The workload routes through the frontend, with the scheduler and the
// workload repair manager running in front of a real simulation: create →
// placed → running, the explanation, scale, If-Match, delete; refusals that
// name the field and change nothing; modify_workloads on every change.

let w: FrontendWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** A world with every service a workload needs, `twoRacks` loaded and its blades observed working. */
async function started(label: string): Promise<FrontendWorld> {
  w = await startFrontendWorld(label, {
    monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
    workloads: true,
  });
  const load = await w.admin.call<{ effectiveTick: number }>('loadDefinition', {
    body: { source: twoRacks, fileName: 'two-racks.yaml' },
  });
  await w.admin.call('runUntil', { body: { tick: load.body.effectiveTick + 6 } });
  return w;
}

const web = {
  name: 'web',
  instances: 2,
  demand: { cores: 4, memoryGib: 8 },
  image: 'web-1',
  placement: { rule: 'strong_anti_affinity', level: 'rack' },
} as const;

/** How `p` failed: its HTTP status, error field and message; rejects when it succeeds. */
async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; field: unknown; message: string }> {
  try {
    await p;
  } catch (error) {
    if (isChamberError(error)) {
      const field = error.details?.['field'];
      return {
        status: httpStatusOf(error.code, field === 'if-match'),
        field,
        message: error.message,
      };
    }
    throw error;
  }
  throw new Error('expected a failure');
}

async function tickOf(api: ApiClient): Promise<number> {
  return (await api.call<{ tick?: number }>('getClock')).body.tick ?? 0;
}

async function workload(api: ApiClient, name = 'web') {
  return api.call<Workload>('getWorkload', { params: { name } });
}

async function instances(api: ApiClient, name = 'web'): Promise<Instance[]> {
  return (await api.call<{ instances: Instance[] }>('listWorkloadInstances', { params: { name } }))
    .body.instances;
}

/** Steps a tick at a time (at most 30) until `done` holds of the workload's answer. */
async function stepUntil(api: ApiClient, done: (w: Workload) => boolean): Promise<Workload> {
  const from = await tickOf(api);
  for (let t = from + 1; t <= from + 30; t++) {
    await api.call('runUntil', { body: { tick: t } });
    const { body } = await workload(api);
    if (done(body)) return body;
  }
  throw new Error(`not reached within 30 ticks of tick ${from}`);
}

describe('REST: workloads', () => {
  it('creates a workload at the effective tick, runs it, explains its placements, scales it under If-Match and deletes it', async () => {
    const { admin } = await started('wl-rest');
    const now = await tickOf(admin);
    const created = await admin.call<{ effectiveTick: number }>('createWorkload', { body: web });
    expect(created.status).toBe(202);
    expect(created.body.effectiveTick).toBe(now + 1);

    await admin.call('runUntil', { body: { tick: created.body.effectiveTick } });
    const first = await workload(admin);
    expect(first.body).toMatchObject({
      name: 'web',
      instances: 2,
      demand: { cores: 4, memoryGib: 8, diskGib: 0, networkGbps: 0 },
      image: 'web-1',
      placement: { rule: 'strong_anti_affinity', level: 'rack' },
      maxUnavailable: 1,
      generation: 1,
      createdTick: created.body.effectiveTick,
    });
    expect(first.etag).toBe(`"${first.body.revision}"`);
    expect(first.body.revision).toBeGreaterThan(0);

    const ready = await stepUntil(admin, (b) => b.phase === 'ready');
    expect(ready.observedRunning).toBe(2);
    expect(ready.instancesByState).toEqual({ running: 2 });
    const running = await instances(admin);
    expect(running.map((i) => [i.name, i.state, i.observed, i.wanted])).toEqual([
      ['web/0', 'running', 'running', true],
      ['web/1', 'running', 'running', true],
    ]);
    // Strong anti-affinity by rack: one instance in each rack.
    const racks = running.map((i) => i.blade?.split('/blade/')[0]);
    expect(new Set(racks).size).toBe(2);
    const listed = await admin.call<{ workloads: Workload[] }>('listWorkloads');
    expect(listed.body.workloads.map((x) => [x.name, x.phase])).toEqual([['web', 'ready']]);

    // The instances on a blade, and under a rack.
    const blade = running[0]!.blade!;
    const onBlade = await admin.call<{ instances: Instance[] }>('listInstances', {
      query: { under: blade },
    });
    expect(onBlade.body.instances.map((i) => i.name)).toEqual(['web/0']);
    const underRack = await admin.call<{ instances: Instance[] }>('listInstances', {
      query: { under: racks[1]! },
    });
    expect(underRack.body.instances.map((i) => i.name)).toEqual(['web/1']);

    // The scheduler's explanation, in words.
    const explained = await admin.call<PlacementExplanation>('explainPlacement', {
      params: { name: 'web', n: 1 },
    });
    expect(explained.body).toMatchObject({
      workload: 'web',
      n: 1,
      placed: true,
      blade: running[1]!.blade,
    });
    expect(explained.body.summary).toMatch(/strong anti-affinity by rack/);
    expect(explained.body.candidates[0]?.blade).toBe(running[1]!.blade);
    expect(explained.body.candidates[0]?.components.map((c) => c.name)).toContain('spread');
    // The rack of web/0 broke the rule for web/1: its four blades are counted.
    expect(explained.body.filtered).toContainEqual(
      expect.objectContaining({ filter: 'anti_affinity', blades: 4 }),
    );
    expect(
      await failure(admin.call('explainPlacement', { params: { name: 'web', n: 9 } })),
    ).toMatchObject({ status: 404 });

    // Scale with a stale ETag: 412, nothing changes; with the current one: accepted.
    const stale = `"${ready.revision - 1}"`;
    expect(
      await failure(
        admin.call('updateWorkload', {
          params: { name: 'web' },
          body: { instances: 3 },
          ifMatch: stale,
        }),
      ),
    ).toMatchObject({ status: 412, field: 'if-match' });
    await admin.call('runUntil', { body: { tick: (await tickOf(admin)) + 1 } });
    expect((await workload(admin)).body.instances).toBe(2);
    const current = await workload(admin);
    const scaled = await admin.call<{ effectiveTick: number }>('updateWorkload', {
      params: { name: 'web' },
      body: { instances: 3 },
      ifMatch: current.etag!,
    });
    expect(scaled.status).toBe(202);
    await admin.call('runUntil', { body: { tick: scaled.body.effectiveTick } });
    const three = await workload(admin);
    // Only the count changed: the rest of the spec is kept.
    expect(three.body).toMatchObject({ instances: 3, image: 'web-1', demand: { memoryGib: 8 } });
    // A third instance cannot keep strong anti-affinity by rack on two racks: pending, and why.
    const third = await stepUntil(admin, (b) => b.phase === 'degraded');
    expect(third.observedRunning).toBe(2);
    const pending = (await instances(admin)).find((i) => i.n === 2);
    expect(pending).toMatchObject({ state: 'pending', wanted: true });
    const why = await admin.call<PlacementExplanation>('explainPlacement', {
      params: { name: 'web', n: 2 },
    });
    expect(why.body).toMatchObject({ placed: false, candidates: [] });
    expect(why.body.blade).toBeUndefined();
    expect(why.body.filtered).toContainEqual(
      expect.objectContaining({ filter: 'anti_affinity', blades: 8 }),
    );

    // PUT replaces the whole spec: back to 2, without a rule.
    const replaced = await admin.call<{ effectiveTick: number }>('replaceWorkload', {
      params: { name: 'web' },
      body: { instances: 2, demand: { cores: 4, memoryGib: 8 }, image: 'web-1' },
    });
    await admin.call('runUntil', { body: { tick: replaced.body.effectiveTick } });
    expect((await workload(admin)).body).toMatchObject({
      instances: 2,
      placement: { rule: 'none' },
    });

    // Delete with a stale ETag: 412; then for real: deleting, then gone.
    const before = await workload(admin);
    expect(
      await failure(
        admin.call('deleteWorkload', {
          params: { name: 'web' },
          ifMatch: `"${before.body.revision + 1000}"`,
        }),
      ),
    ).toMatchObject({ status: 412, field: 'if-match' });
    const deleted = await admin.call<{ effectiveTick: number }>('deleteWorkload', {
      params: { name: 'web' },
      ifMatch: before.etag!,
    });
    expect(deleted.status).toBe(202);
    await admin.call('runUntil', { body: { tick: deleted.body.effectiveTick } });
    expect((await workload(admin)).body.phase).toBe('deleting');
    const from = await tickOf(admin);
    let gone = false;
    for (let t = from + 1; t <= from + 30 && !gone; t++) {
      await admin.call('runUntil', { body: { tick: t } });
      gone = (await failure(workload(admin)).catch(() => undefined))?.status === 404;
    }
    expect(gone).toBe(true);
    expect((await admin.call<{ instances: Instance[] }>('listInstances')).body.instances).toEqual(
      [],
    );

    // Its availability outlives it: a ramp to 2 (and to 3, never reached: not lost), no outage,
    // nothing desired at the end.
    const end = await tickOf(admin);
    const availability = await admin.call<Availability>('getWorkloadAvailability', {
      params: { name: 'web' },
    });
    expect(availability.body).toMatchObject({
      workload: 'web',
      fromTick: 0,
      toTick: end,
      desired: 0,
      instanceTicksLost: 0,
      availability: 1,
      outages: [],
      worstOutageTicks: 0,
    });
    expect(availability.body.rampTicks).toBeGreaterThan(0);
    expect(availability.body.instanceTicksDesired).toBeGreaterThan(0);
    // Created at its effective tick: sampled at the next, as every service sees it.
    expect(availability.body.samples[0]).toEqual({
      tick: created.body.effectiveTick + 1,
      desired: 2,
      running: 0,
      observedRunning: 0,
    });
    expect(availability.body.samples.map((x) => x.desired)).toContain(3);
    const part = await admin.call<Availability>('getWorkloadAvailability', {
      params: { name: 'web' },
      query: { from: 2, to: created.body.effectiveTick + 1 },
    });
    expect(part.body).toMatchObject({
      fromTick: 2,
      toTick: created.body.effectiveTick + 1,
      desired: 2,
    });
    expect(part.body.samples).toHaveLength(1);
    expect(
      await failure(
        admin.call('getWorkloadAvailability', {
          params: { name: 'web' },
          query: { from: 5, to: 4 },
        }),
      ),
    ).toMatchObject({ status: 400, field: 'from', message: 'from tick 5 is after to tick 4' });

    // A Reset wipes the samples with the rest of the world: web never was in the new run.
    await admin.call('resetClock', { body: {} });
    expect(
      await failure(admin.call('getWorkloadAvailability', { params: { name: 'web' } })),
    ).toMatchObject({ status: 404 });
  });

  it('refuses a bad body naming the field (the validator, then the service), a missing workload with 404 and a second create with 409, changing nothing', async () => {
    const { admin } = await started('wl-rest-errors');
    const bad = async (body: unknown) => failure(admin.call('createWorkload', { body }));
    // The validator's.
    expect(await bad({ ...web, name: 'Web' })).toMatchObject({ status: 400, field: 'name' });
    expect(await bad({ ...web, demand: { cores: 0 } })).toMatchObject({
      status: 400,
      field: 'demand.cores',
    });
    expect(await bad({ ...web, placement: { rule: 'spread', level: 'rack' } })).toMatchObject({
      status: 400,
      field: 'placement.rule',
    });
    expect(await bad({ ...web, colour: 'blue' })).toMatchObject({ status: 400, field: 'colour' });
    expect(await bad({ ...web, image: undefined })).toMatchObject({ status: 400, field: 'image' });
    // The service's, in the API's words.
    const noLevel = await bad({ ...web, placement: { rule: 'strong_anti_affinity' } });
    expect(noLevel).toMatchObject({ status: 400, field: 'placement.level' });
    expect(noLevel.message).toMatch(/^placement\.level must be one of blade, rack, zone/);
    expect(
      await failure(
        admin.call('updateWorkload', { params: { name: 'nope' }, body: { instances: 1 } }),
      ),
    ).toMatchObject({ status: 404, field: 'name' });
    // Nothing was written: no workload, and the next tick brings none.
    await admin.call('runUntil', { body: { tick: (await tickOf(admin)) + 1 } });
    expect((await admin.call<{ workloads: Workload[] }>('listWorkloads')).body.workloads).toEqual(
      [],
    );

    for (const [id, input] of [
      ['getWorkload', { params: { name: 'nope' } }],
      ['listWorkloadInstances', { params: { name: 'nope' } }],
      [
        'replaceWorkload',
        { params: { name: 'nope' }, body: { instances: 1, demand: { cores: 1 }, image: 'x' } },
      ],
      ['deleteWorkload', { params: { name: 'nope' } }],
      ['explainPlacement', { params: { name: 'nope', n: 1 } }],
      ['getWorkloadAvailability', { params: { name: 'nope' } }],
    ] as const) {
      expect(await failure(admin.call(id, input as CallInput)), id).toMatchObject({ status: 404 });
    }

    await admin.call('createWorkload', { body: web });
    // A create of a name that waits for its tick, then of one that exists: 409.
    expect(await failure(admin.call('createWorkload', { body: web }))).toMatchObject({
      status: 409,
      field: 'name',
    });
    await admin.call('runUntil', { body: { tick: (await tickOf(admin)) + 1 } });
    expect(await failure(admin.call('createWorkload', { body: web }))).toMatchObject({
      status: 409,
      field: 'name',
    });
    // A change the service refuses is 400 naming the field, and changes nothing.
    const before = await workload(admin);
    expect(
      await failure(
        admin.call('updateWorkload', { params: { name: 'web' }, body: { maxUnavailable: 0 } }),
      ),
    ).toMatchObject({ status: 400, field: 'maxUnavailable' });
    await admin.call('runUntil', { body: { tick: (await tickOf(admin)) + 1 } });
    expect((await workload(admin)).body.maxUnavailable).toBe(before.body.maxUnavailable);

    // A workload that wants no instance has no sample, yet an availability: nothing was desired.
    await admin.call('createWorkload', { body: { ...web, name: 'idle', instances: 0 } });
    await admin.call('runUntil', { body: { tick: (await tickOf(admin)) + 1 } });
    const idle = await admin.call<Availability>('getWorkloadAvailability', {
      params: { name: 'idle' },
    });
    expect(idle.body).toMatchObject({
      workload: 'idle',
      desired: 0,
      availability: 1,
      instanceTicksLost: 0,
      samples: [],
    });
  });

  it('needs modify_workloads for every change (403 without it, 401 without a session, changing nothing) and a user for every read; the services are listed', async () => {
    const fw = await started('wl-rest-rights');
    await fw.admin.call('createWorkload', { body: web });
    await fw.admin.call('runUntil', { body: { tick: (await tickOf(fw.admin)) + 1 } });
    const before = await workload(fw.admin);
    const routes = operations.filter((o) => o.tag === 'workloads');
    const changes = routes.filter((o) => o.method !== 'GET');
    expect(changes.every((o) => o.access === 'modify_workloads')).toBe(true);
    expect(routes.filter((o) => o.method === 'GET').every((o) => o.access === 'user')).toBe(true);
    const others = rights.filter((r) => r !== 'modify_workloads');
    const users: [string, ApiClient][] = [
      ...(await Promise.all(
        others.map(async (r: Right) => [r, await fw.userWith(r, [r])] as [string, ApiClient]),
      )),
      ['nobody', await fw.userWith('nobody', [])],
    ];
    const inputOf = (op: Operation): CallInput => ({
      params: Object.fromEntries(
        Object.keys(op.params ?? {}).map((k) => [k, k === 'n' ? 1 : 'web']),
      ),
      ...(op.method === 'POST' ? { body: { ...web, name: 'other' } } : {}),
      ...(op.method === 'PUT' ? { body: { instances: 5, demand: { cores: 1 }, image: 'x' } } : {}),
      ...(op.method === 'PATCH' ? { body: { instances: 5 } } : {}),
    });
    const statusOf = async (api: ApiClient, op: Operation) =>
      (await failure(api.call(op.id, inputOf(op)))).status;
    for (const op of routes) {
      expect(await statusOf(fw.anonymous, op), `anonymous on ${op.id}`).toBe(401);
      if (op.method === 'GET') continue;
      for (const [who, api] of users)
        expect(await statusOf(api, op), `${who} on ${op.id}`).toBe(403);
    }
    // Reads need only a user.
    const [, reader] = users[0]!;
    expect((await reader.call('getWorkload', { params: { name: 'web' } })).status).toBe(200);
    await fw.admin.call('runUntil', { body: { tick: (await tickOf(fw.admin)) + 1 } });
    const after = await workload(fw.admin);
    expect(after.body).toMatchObject({ instances: 2, revision: before.body.revision });
    expect(
      (await fw.admin.call<{ workloads: Workload[] }>('listWorkloads')).body.workloads.map(
        (x) => x.name,
      ),
    ).toEqual(['web']);

    // The holder of the right may.
    const holder = await fw.userWith('operator', ['modify_workloads']);
    const scaled = await holder.call('updateWorkload', {
      params: { name: 'web' },
      body: { instances: 1 },
    });
    expect(scaled.status).toBe(202);

    // GET /services lists both workload services; the OpenAPI document has every route.
    const services = await fw.admin.call<{ services: { name: string; health: string }[] }>(
      'listServices',
    );
    expect(services.body.services).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'scheduler', health: 'serving' }),
        expect.objectContaining({ name: 'workload-repair', health: 'serving' }),
      ]),
    );
    const doc = (
      await fw.anonymous.call<{ paths: Record<string, Record<string, unknown>> }>('getOpenApi')
    ).body;
    expect(Object.keys(doc.paths['/workloads'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/workloads/{name}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'patch',
      'put',
    ]);
    expect(doc.paths['/workloads/{name}/instances']).toHaveProperty('get');
    expect(doc.paths['/workloads/{name}/instances/{n}/placement']).toHaveProperty('get');
    expect(doc.paths['/instances']).toHaveProperty('get');
    expect(doc.paths['/workloads/{name}/availability']).toHaveProperty('get');
    expect(doc.paths['/workloads']?.['post']).toMatchObject({
      'x-chamber-access': 'modify_workloads',
    });
  });
});
