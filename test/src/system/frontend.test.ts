import type { ApiClient } from '@chamber/api';
import { isChamberError } from '@chamber/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { startFrontendWorld, type FrontendWorld } from './frontend-world.js';
import { sample } from './inventory-world.js';

// The REST API in front of a running simulation: every simulation route's
// success and error paths, the rights matrix, and the event stream.
let w: FrontendWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const b0 = 'small/z1/rack1/blade/0';
const b0Params = { region: 'small', zone: 'z1', rack: 'rack1', index: 0 };

/** Records are proto3 JSON: a field at its zero value (tick 0) is left out. */
interface Clock {
  tick?: number;
  epoch?: number;
  policy: string;
  settled?: boolean;
  run?: number;
}
interface ElementAt {
  element: {
    path: string;
    kind: string;
    view: string;
    revision?: string;
    bladeActual?: { state: string };
    target?: { state: string; reason: string };
  };
}

/** How `p` failed: its HTTP status and error field; rejects when it succeeds. */
async function failure(p: Promise<unknown>): Promise<{ status: unknown; field: unknown }> {
  try {
    await p;
  } catch (error) {
    if (isChamberError(error)) {
      return { status: error.details?.['status'], field: error.details?.['field'] };
    }
    throw error;
  }
  throw new Error('expected a failure');
}

/** A world with the `small` definition loaded and its blades working. */
async function loaded(label: string, options: Parameters<typeof startFrontendWorld>[1] = {}) {
  w = await startFrontendWorld(label, options);
  const load = await w.admin.call<{ effectiveTick: string; blades: string }>('loadDefinition', {
    body: { source: sample('small'), fileName: 'small.yaml' },
  });
  expect(load.status).toBe(202);
  expect(load.body.blades).toBe('8');
  const loadTick = Number(load.body.effectiveTick);
  await w.admin.call('runUntil', { body: { tick: loadTick + 6 } });
  return { ...w, loadTick };
}

async function clockOf(api: ApiClient): Promise<Clock> {
  return (await api.call<Clock>('getClock')).body;
}

async function bladeState(api: ApiClient, at?: number): Promise<string | undefined> {
  const res = await api.call<ElementAt>('getBlade', {
    params: b0Params,
    query: { view: 'actual', ...(at === undefined ? {} : { at }) },
  });
  return res.body.element.bladeActual?.state;
}

describe('frontend: the clock', () => {
  it('reports its status with the epoch as ETag; a stale If-Match is 412 and changes nothing', async () => {
    w = await startFrontendWorld('fe-clock');
    const api = w.admin;
    const first = await api.call<Clock>('getClock');
    expect(first.etag).toBe(`"${first.body.epoch ?? 0}"`);
    expect(first.body.policy).toBe('POLICY_PAUSED');
    const stale = await failure(
      api.call('setPolicy', {
        body: { policy: 'manual' },
        ifMatch: `"${(first.body.epoch ?? 0) + 99}"`,
      }),
    );
    expect(stale.status).toBe(412);
    const unchanged = await api.call<Clock>('getClock');
    expect(unchanged.body).toMatchObject({ policy: 'POLICY_PAUSED', epoch: first.body.epoch });
    const manual = await api.call<Clock>('setPolicy', {
      body: { policy: 'manual' },
      ifMatch: first.etag!,
    });
    expect(manual.body.policy).toBe('POLICY_MANUAL');
    expect(manual.etag).not.toBe(first.etag);
    expect(manual.etag).toBe(`"${manual.body.epoch ?? 0}"`);
    // The old ETag is now stale.
    expect(
      (await failure(api.call('setPolicy', { body: { policy: 'paused' }, ifMatch: first.etag! })))
        .status,
    ).toBe(412);
    expect((await failure(api.call('setPolicy', { body: { policy: 'measured' } }))).field).toBe(
      'body.rate',
    );
  });

  it('steps, runs until a tick, answers a long poll when the tick is reached or the timeout passes, and resets', async () => {
    w = await startFrontendWorld('fe-step');
    const api = w.admin;
    const start = (await clockOf(api)).tick ?? 0;
    const stepped = await api.call<Clock>('step', { body: { count: 2 } });
    expect(stepped.body.tick ?? 0).toBe(start + 2);
    expect(stepped.body.settled).toBe(true);
    expect((await api.call<Clock>('step', { body: {} })).body.tick ?? 0).toBe(start + 3);
    const ran = await api.call<Clock>('runUntil', { body: { tick: start + 6 } });
    expect(ran.body.tick ?? 0).toBe(start + 6);

    const waiting = api.call<{ reached: boolean; status: Clock }>('waitForTick', {
      query: { tick: start + 8, timeoutMs: 20_000 },
    });
    await api.call('step', { body: { count: 2 } });
    const reached = await waiting;
    expect(reached.body.reached).toBe(true);
    expect(reached.body.status.tick ?? 0).toBeGreaterThanOrEqual(start + 8);
    const timedOut = await api.call<{ reached: boolean; status: Clock }>('waitForTick', {
      query: { tick: start + 1000, timeoutMs: 200 },
    });
    expect(timedOut.body.reached).toBe(false);
    expect(timedOut.body.status.tick ?? 0).toBe(start + 8);

    const before = await clockOf(api);
    const reset = await api.call<Clock>('resetClock', { body: {} });
    expect(reset.body.tick ?? 0).toBe(0);
    expect(reset.body.epoch).not.toBe(before.epoch);
    expect(reset.body.policy).toBe('POLICY_PAUSED');
    expect(reset.body.run ?? 0).toBe((before.run ?? 0) + 1);
  });
});

describe('frontend: the inventory', () => {
  it('reads every level in every view, travels in time, and answers 404 for what does not exist', async () => {
    const { admin: api, loadTick } = await loaded('fe-inv');
    const summary = await api.call<{ blades: number; racks: number }>('getSummary');
    expect(summary.body).toMatchObject({ blades: 8, racks: 2 });
    const paths = async (id: string, params: Record<string, string | number> = {}) =>
      (await api.call<{ elements: Array<{ path: string }> }>(id, { params })).body.elements.map(
        (e) => e.path,
      );
    const rack = { region: 'small', zone: 'z1', rack: 'rack1' };
    expect(await paths('listRegions')).toEqual(['small']);
    expect(await paths('listZones', { region: 'small' })).toEqual(['small/z1']);
    expect(await paths('listRacks', { region: 'small', zone: 'z1' })).toEqual([
      'small/z1/rack1',
      'small/z1/rack2',
    ]);
    expect(await paths('listBlades', rack)).toEqual(
      [0, 1, 2, 3].map((i) => `small/z1/rack1/blade/${i}`),
    );
    expect((await paths('listPdus', rack)).length).toBeGreaterThan(0);
    expect((await paths('listTors', rack)).length).toBeGreaterThan(0);
    const one = async (id: string, params: Record<string, string | number>) =>
      (await api.call<ElementAt>(id, { params })).body.element.path;
    expect(await one('getRegion', { region: 'small' })).toBe('small');
    expect(await one('getZone', { region: 'small', zone: 'z1' })).toBe('small/z1');
    expect(await one('getRack', rack)).toBe('small/z1/rack1');
    expect(await one('getPdu', { ...rack, index: 0 })).toBe('small/z1/rack1/pdu/0');
    expect(await one('getTor', { ...rack, index: 0 })).toBe('small/z1/rack1/tor/0');
    expect(await one('getBlade', b0Params)).toBe(b0);
    expect(await one('getCable', { ...b0Params, cable: 'power' })).toBe(`${b0}/power-cable`);

    for (const view of ['definition', 'target', 'actual', 'observed']) {
      const res = await api.call<ElementAt>('getBlade', { params: b0Params, query: { view } });
      expect(res.body.element.view).toBe(`VIEW_${view.toUpperCase()}`);
    }
    expect(await bladeState(api)).toBe('BLADE_STATE_WORKING');
    // Time travel: at the tick the definition took effect, nothing was working yet.
    expect(await bladeState(api, loadTick)).not.toBe('BLADE_STATE_WORKING');

    for (const [id, params] of [
      ['getRegion', { region: 'nowhere' }],
      ['getZone', { region: 'small', zone: 'z9' }],
      ['getRack', { ...rack, rack: 'rack9' }],
      ['getBlade', { ...b0Params, index: 99 }],
      ['getPdu', { ...rack, index: 99 }],
      ['getCommand', { id: 'no-such-command' }],
      ['getFault', { id: 'no-such-fault' }],
      ['clearFault', { id: 'no-such-fault' }],
    ] as const) {
      expect((await failure(api.call(id, { params }))).status, id).toBe(404);
    }
  });

  it('reads a target with its ETag; a stale If-Match is 412 and changes nothing; a fresh one changes it at the next tick', async () => {
    const { admin: api } = await loaded('fe-target');
    const read = () => api.call<ElementAt>('getTarget', { query: { path: b0 } });
    const first = await read();
    expect(first.etag).toBe(`"${first.body.element.revision}"`);
    expect(first.body.element.target?.state).toBe('TARGET_STATE_IN_SERVICE');
    const stale = await failure(
      api.call('setTarget', {
        query: { path: b0 },
        body: { state: 'retired' },
        ifMatch: `"${Number(first.body.element.revision) - 1}"`,
      }),
    );
    expect(stale.status).toBe(412);
    await api.call('step', { body: {} });
    expect((await read()).etag).toBe(first.etag);
    const set = await api.call<{ effectiveTick: string }>('setTarget', {
      query: { path: b0 },
      body: { state: 'out_for_repair', reason: 'a test' },
      ifMatch: first.etag!,
    });
    await api.call('runUntil', { body: { tick: Number(set.body.effectiveTick) } });
    const after = await read();
    expect(after.body.element.target).toMatchObject({ state: 'TARGET_STATE_OUT_FOR_REPAIR' });
    expect(after.etag).not.toBe(first.etag);
    expect(
      (
        await failure(
          api.call('setTarget', {
            query: { path: 'small/z1/rack1/blade/99' },
            body: { state: 'retired' },
          }),
        )
      ).status,
    ).toBe(404);
  });
});
