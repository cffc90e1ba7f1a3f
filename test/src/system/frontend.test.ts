import {
  isRight,
  operations,
  rights,
  type ApiClient,
  type CallInput,
  type Operation,
  type Right,
} from '@chamber/api';
import { httpStatusOf, isChamberError, type ChamberError } from '@chamber/errors';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adminPassword,
  startFrontendWorld,
  userPassword,
  type FrontendWorld,
} from './frontend-world.js';
import { sample } from './inventory-world.js';

/** The HTTP status of a failed call: its code's, by the one table (412 for a refused If-Match). */
function statusOfError(error: ChamberError): number {
  return httpStatusOf(error.code, error.details?.['field'] === 'if-match');
}

// The REST API in front of a running simulation: every simulation route's
// success and error paths, the rights matrix, and the event stream.
let w: FrontendWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const b0 = 'small/z1/rack1/blade/0';

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
      return { status: statusOfError(error), field: error.details?.['field'] };
    }
    throw error;
  }
  throw new Error('expected a failure');
}

/** A world with the `small` definition loaded and its blades working. */
async function loaded(label: string, options: Parameters<typeof startFrontendWorld>[1] = {}) {
  w = await startFrontendWorld(label, options);
  const load = await w.admin.call<{ effectiveTick: number; blades: number }>('loadDefinition', {
    body: { source: sample('small'), fileName: 'small.yaml' },
  });
  expect(load.status).toBe(202);
  expect(load.body.blades).toBe(8);
  const loadTick = Number(load.body.effectiveTick);
  await w.admin.call('runUntil', { body: { tick: loadTick + 6 } });
  return { ...w, loadTick };
}

async function clockOf(api: ApiClient): Promise<Clock> {
  return (await api.call<Clock>('getClock')).body;
}

async function bladeState(api: ApiClient, at?: number): Promise<string | undefined> {
  const res = await api.call<ElementAt>('getElement', {
    query: { path: b0, view: 'actual', ...(at === undefined ? {} : { at }) },
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
      'rate',
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
    // A tick settled before is reached, however short the wait.
    const past = await api.call<{ reached: boolean }>('waitForTick', {
      query: { tick: start + 7, timeoutMs: 0 },
    });
    expect(past.body.reached).toBe(true);

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
    const paths = async (query: Record<string, string> = {}) =>
      (
        await api.call<{ elements: Array<{ path: string }> }>('listElements', { query })
      ).body.elements.map((e) => e.path);
    const rack = 'small/z1/rack1';
    expect(await paths()).toEqual(['small']);
    expect(await paths({ path: 'small' })).toEqual(['small/z1']);
    expect(await paths({ path: 'small/z1' })).toEqual(['small/z1/rack1', 'small/z1/rack2']);
    expect(await paths({ path: rack, kind: 'blade' })).toEqual(
      [0, 1, 2, 3].map((i) => `small/z1/rack1/blade/${i}`),
    );
    expect(await paths({ path: rack, kind: 'pdu' })).toEqual(['small/z1/rack1/pdu/0']);
    const all = await paths({ path: rack });
    expect(all).toEqual(expect.arrayContaining(['small/z1/rack1/pdu/0', 'small/z1/rack1/tor/0']));
    expect(all.filter((p) => p.includes('/blade/'))).toHaveLength(4);
    const one = async (path: string) =>
      (await api.call<ElementAt>('getElement', { query: { path } })).body.element.path;
    for (const path of [
      'small',
      'small/z1',
      rack,
      `${rack}/pdu/0`,
      `${rack}/tor/0`,
      b0,
      `${b0}/power-cable`,
    ]) {
      expect(await one(path)).toBe(path);
    }

    for (const view of ['definition', 'target', 'actual', 'observed']) {
      const res = await api.call<ElementAt>('getElement', { query: { path: b0, view } });
      expect(res.body.element.view).toBe(`VIEW_${view.toUpperCase()}`);
    }
    expect(await bladeState(api)).toBe('BLADE_STATE_WORKING');
    // Time travel: at the tick the definition took effect, nothing was working yet.
    expect(await bladeState(api, loadTick)).not.toBe('BLADE_STATE_WORKING');

    // Every device's state in one answer, grouped by rack: now, under a rack, as of a past tick.
    interface States {
      tick: number;
      revision: number;
      states: string[];
      racks: Array<{
        path: string;
        pdus: number[];
        tors: number[];
        blades: number[];
        bladeStates: number[];
      }>;
    }
    const states = async (query: Record<string, string | number> = {}) =>
      (await api.call<States>('listStates', { query })).body;
    const bladeStates = (s: States) =>
      s.racks.flatMap((r) => r.bladeStates.map((i) => s.states[i]));
    const now = await states();
    expect(now.racks.map((r) => r.path)).toEqual(['small/z1/rack1', 'small/z1/rack2']);
    expect(now.racks[0]).toMatchObject({ pdus: [0], tors: [0], blades: [0, 1, 2, 3] });
    expect(bladeStates(now)).toEqual(Array(8).fill('BLADE_STATE_WORKING'));
    expect(now.revision).toBeLessThanOrEqual(await w!.world.store.currentRevision());
    const rack2 = await states({ path: 'small/z1/rack2' });
    expect(rack2.racks.map((r) => r.path)).toEqual(['small/z1/rack2']);
    const past = await states({ at: loadTick });
    expect(past.tick).toBe(loadTick);
    expect(bladeStates(past)).toHaveLength(8);
    expect(bladeStates(past)).not.toContain('BLADE_STATE_WORKING');
    expect((await failure(states({ path: 'small/z9' }))).status).toBe(404);
    expect(await failure(states({ path: b0 }))).toMatchObject({ status: 400 });
    expect(await failure(states({ view: 'target' }))).toMatchObject({
      status: 400,
      field: 'view',
    });

    for (const path of [
      'nowhere',
      'small/z9',
      'small/z1/rack9',
      `${rack}/blade/99`,
      `${rack}/pdu/9`,
    ]) {
      expect((await failure(api.call('getElement', { query: { path } }))).status, path).toBe(404);
    }
    expect(
      await failure(api.call('getElement', { query: { path: `${rack}/fan/1` } })),
    ).toMatchObject({ status: 400, field: 'path' });
    for (const [id, params] of [
      ['getCommand', { id: 'no-such-command' }],
      ['getFault', { id: 'no-such-fault' }],
      ['clearFault', { id: 'no-such-fault' }],
    ] as const) {
      expect((await failure(api.call(id, { params }))).status, id).toBe(404);
    }
  });

  it("answers a load's progress as a long poll: as far as it got when the timeout passes, done once applied", async () => {
    w = await startFrontendWorld('fe-load');
    const api = w.admin;
    const load = await api.call<{ loadId: string; effectiveTick: number }>('loadDefinition', {
      body: { source: sample('small'), fileName: 'small.yaml' },
    });
    type Progress = { state?: string; added?: number; effectiveTick?: number };
    // The clock has not reached its tick: the wait times out, waiting.
    const waiting = await api.call<Progress>('getLoad', {
      params: { id: load.body.loadId },
      query: { timeoutMs: 300 },
    });
    expect(waiting.body.state).toBe('STATE_WAITING');
    const done = api.call<Progress>('getLoad', { params: { id: load.body.loadId } });
    await api.call('runUntil', { body: { tick: load.body.effectiveTick + 1 } });
    const applied = (await done).body;
    expect(applied).toMatchObject({ state: 'STATE_DONE', effectiveTick: load.body.effectiveTick });
    expect(applied.added).toBeGreaterThan(0);
    expect((await failure(api.call('getLoad', { params: { id: 'nope' } }))).status).toBe(404);
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
    const set = await api.call<{ effectiveTick: number }>('setTarget', {
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

  it('takes a rack out with drain in one call, on every blade of it; If-Match on a rack is 400 and changes nothing', async () => {
    const { admin: api } = await loaded('fe-rack-target');
    const rack = 'small/z1/rack1';
    const first = await api.call<ElementAt>('getTarget', { query: { path: b0 } });
    const refused = await failure(
      api.call('setTarget', {
        query: { path: rack },
        body: { state: 'out_for_repair', drain: true },
        ifMatch: first.etag!,
      }),
    );
    expect(refused).toEqual({ status: 400, field: 'if-match' });
    await api.call('step', { body: {} });
    expect((await api.call<ElementAt>('getTarget', { query: { path: b0 } })).etag).toBe(first.etag);
    const set = await api.call<{ effectiveTick: number }>('setTarget', {
      query: { path: rack },
      body: { state: 'out_for_repair', drain: true, reason: 'rack maintenance' },
    });
    await api.call('runUntil', { body: { tick: Number(set.body.effectiveTick) } });
    const after = await api.call<ElementAt>('getTarget', { query: { path: b0 } });
    expect(after.body.element.target).toMatchObject({
      state: 'TARGET_STATE_OUT_FOR_REPAIR',
      drain: true,
      reason: 'rack maintenance',
      sinceTick: Number(set.body.effectiveTick),
    });
  });
});

describe('frontend: kept answers', () => {
  it('answers a read it keeps as it answered it first, only to callers who may read it, and exactly as of the tick asked', async () => {
    const fw = await loaded('fe-kept');
    const url = fw.admin.url('getElement', { query: { path: b0, view: 'actual' } });
    const pastUrl = fw.admin.url('getElement', {
      query: { path: b0, view: 'actual', at: fw.loadTick },
    });
    const get = (u: string, headers: Record<string, string> = {}) => fetch(u, { headers });
    const admin = { cookie: await fw.cookieOf('admin', adminPassword) };
    const first = await get(url, admin);
    const firstBody = await first.text();
    for (let i = 0; i < 3; i++) {
      const again = await get(url, admin);
      expect(again.status).toBe(200);
      expect(await again.text()).toBe(firstBody);
      for (const h of [
        'content-type',
        'content-security-policy',
        'x-content-type-options',
        'x-frame-options',
        'cross-origin-resource-policy',
      ]) {
        expect(again.headers.get(h), h).toBe(first.headers.get(h));
      }
    }
    // Refused as before, kept answer or not.
    const statusOfGet = async (headers: Record<string, string>) => {
      const res = await get(url, headers);
      await res.body?.cancel();
      return res.status;
    };
    expect(await statusOfGet({})).toBe(401);
    expect(await statusOfGet({ authorization: 'Bearer chm_nope_nope' })).toBe(401);
    expect(await statusOfGet({ authorization: 'Basic YWRtaW46YWRtaW4=' })).toBe(401);
    expect(
      await statusOfGet({ cookie: `chamber_session=${'0'.repeat(18)}.${'x'.repeat(43)}` }),
    ).toBe(401);
    expect(await statusOfGet({ ...admin, 'if-match': '"1"' })).toBe(400);
    // A user who may read, until disabled.
    await fw.userWith('reader', []);
    const reader = { cookie: await fw.cookieOf('reader', userPassword) };
    expect(await statusOfGet(reader)).toBe(200);
    await fw.admin.call('updateUser', { params: { name: 'reader' }, body: { isEnabled: false } });
    expect(await statusOfGet(reader)).toBe(401);
    // Logged out: the session's cookie reads nothing more.
    const session = { cookie: await fw.cookieOf('admin', adminPassword) };
    expect(await statusOfGet(session)).toBe(200);
    const logOut = await fetch(fw.admin.url('logOut'), { method: 'DELETE', headers: session });
    expect(logOut.status).toBe(204);
    expect(await statusOfGet(session)).toBe(401);

    // Time travel stays exact: as of the load's tick nothing worked yet, now it does.
    const stateOf = async (u: string) =>
      ((await (await get(u, admin)).json()) as ElementAt).element.bladeActual?.state;
    for (let i = 0; i < 2; i++) {
      expect(await stateOf(pastUrl)).not.toBe('BLADE_STATE_WORKING');
      expect(await stateOf(url)).toBe('BLADE_STATE_WORKING');
    }
  });
});

describe('frontend: faults, repairs, commands and services', () => {
  it('injects a fault that shows in actual at the next tick, lists, gets and clears faults, and shows the repair and its commands', async () => {
    const { admin: api } = await loaded('fe-faults', {
      monitor: { suspectAfter: 1, failedAfter: 2, installGrace: 30 },
      repair: { rackBudget: 2, powerCycles: 2, technicianTicks: 3, backoffCapTicks: 2 },
    });
    const t = (await clockOf(api)).tick ?? 0;
    const fault = await api.call<{ id: string; kind: string }>('injectFault', {
      body: { kind: 'crash', targets: [b0] },
    });
    expect(fault.status).toBe(201);
    expect(fault.body.kind).toBe('FAULT_KIND_CRASH');
    expect(await bladeState(api)).toBe('BLADE_STATE_WORKING');
    await api.call('step', { body: {} });
    expect(await bladeState(api)).toBe('BLADE_STATE_CRASHED');
    expect(await bladeState(api, t)).toBe('BLADE_STATE_WORKING');

    const ids = async (id: string, key: string, query: Record<string, string>) =>
      (await api.call<Record<string, Array<{ id: string }>>>(id, { query })).body[key]!.map(
        (x) => x.id,
      );
    expect(await ids('listFaults', 'faults', { kind: 'crash' })).toEqual([fault.body.id]);
    expect(await ids('listFaults', 'faults', { kind: 'hang' })).toEqual([]);
    expect(await ids('listFaults', 'faults', { target: b0 })).toEqual([fault.body.id]);
    expect(await ids('listFaults', 'faults', { target: 'small/z1/rack2/blade/0' })).toEqual([]);
    expect(await ids('listFaults', 'faults', { status: 'cleared' })).toEqual([]);
    const got = await api.call<{ id: string }>('getFault', { params: { id: fault.body.id } });
    expect(got.body.id).toBe(fault.body.id);

    await api.call('runUntil', { body: { tick: t + 20 } });
    const repairs = await api.call<{ repairs: Array<{ id: string; target: string }> }>(
      'listRepairs',
      { query: { status: 'succeeded' } },
    );
    expect(repairs.body.repairs.map((r) => r.target)).toEqual([b0]);
    expect(await ids('listRepairs', 'repairs', { status: 'pending' })).toEqual([]);
    const repair = await api.call<{ id: string; status: string }>('getRepair', {
      params: { id: repairs.body.repairs[0]!.id },
    });
    expect(repair.body.status).toBe('REPAIR_STATUS_SUCCEEDED');
    expect(await bladeState(api)).toBe('BLADE_STATE_WORKING');
    const commands = await ids('listCommands', 'commands', { target: b0 });
    expect(commands.length).toBeGreaterThan(0);
    expect(await ids('listCommands', 'commands', { target: 'small/z1/rack2/blade/3' })).toEqual([]);
    const command = await api.call<{ target: string }>('getCommand', {
      params: { id: commands[0]! },
    });
    expect(command.body.target).toBe(b0);

    const issued = await api.call<{ id: string; action: string }>('issueCommand', {
      body: { target: 'small/z1/rack2/blade/1', action: 'reboot' },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.action).toBe('COMMAND_ACTION_REBOOT');
    expect(
      (
        await failure(
          api.call('issueCommand', {
            body: { target: 'small/z1/rack2/blade/99', action: 'reboot' },
          }),
        )
      ).status,
    ).toBe(404);

    const hang = await api.call<{ id: string }>('injectFault', {
      body: { kind: 'hang', targets: ['small/z1/rack2/blade/2'], at: t + 100 },
    });
    const other = await api.call<{ id: string }>('injectFault', {
      body: { kind: 'power_loss', targets: ['small/z1/rack2/pdu/0'], at: t + 100 },
    });
    await api.call('clearFault', { params: { id: hang.body.id } });
    const cleared = await api.call<{ ids: string[] }>('clearAllFaults');
    expect(cleared.body.ids).toContain(other.body.id);
    expect(cleared.body.ids).not.toContain(hang.body.id);
    await api.call('step', { body: {} });
    expect(await ids('listFaults', 'faults', { status: 'cleared' })).toEqual(
      expect.arrayContaining([hang.body.id, other.body.id]),
    );

    const services = await api.call<{ services: Array<{ name: string; health: string }> }>(
      'listServices',
    );
    const health = Object.fromEntries(services.body.services.map((s) => [s.name, s.health]));
    expect(health).toEqual({
      stepper: 'serving',
      inventory: 'serving',
      faults: 'serving',
      monitor: 'serving',
      'inventory-repair': 'serving',
      frontend: 'serving',
    });
  });
});

/** The HTTP status of calling `op` with placeholder input (`0` for every parameter, `{}` as body). */
async function statusOf(api: ApiClient, op: Operation): Promise<number> {
  const input: CallInput = {
    params: Object.fromEntries(Object.keys(op.params ?? {}).map((k) => [k, '0'])),
    ...(op.body === undefined ? {} : { body: {} }),
  };
  try {
    return (await api.call(op.id, input)).status;
  } catch (error) {
    if (isChamberError(error)) return statusOfError(error);
    throw error;
  }
}

describe('frontend: errors read the same everywhere', () => {
  /** Every name the API gives a field: its parameters, body fields, headers and request line. */
  const apiWords = new Set([
    ...operations.flatMap((o) => [
      ...Object.keys(o.params ?? {}),
      ...Object.keys(o.query ?? {}),
      ...Object.keys(o.body?.properties ?? {}),
    ]),
    ...['content-type', 'if-match', 'authorization', 'last-event-id', 'body', 'url', 'method'],
  ]);
  /** `targets[1]` → `targets`; `rights[0].x` → `rights`. */
  const root = (field: string) => field.replace(/[[.].*$/, '');

  it("names the field of every 4xx in the API's words, and says it in the message too", async () => {
    const { admin, url, loadTick } = await loaded('fe-errors');
    const now = loadTick + 6;
    const cookie = await w!.cookieOf('admin', adminPassword);
    const noRights = await w!.userWith('nobody', []);
    const fetched = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}/api/v1${path}`, {
        ...init,
        headers: { cookie, ...(init.headers as Record<string, string> | undefined) },
      });
      const body = (await res.json()) as {
        error: { code: string; message: string; field?: string };
      };
      return { status: res.status, ...body.error };
    };
    const called = async (client: ApiClient, id: string, input: CallInput = {}) => {
      try {
        await client.call(id, input);
      } catch (error) {
        if (!isChamberError(error)) throw error;
        return {
          status: statusOfError(error),
          code: error.codeName,
          message: error.message,
          field: error.details?.['field'],
        };
      }
      throw new Error(`${id} succeeded`);
    };
    const target = (path: string) => ({ query: { path } });
    const cases: Array<[string, Promise<Record<string, unknown>>, Record<string, unknown>]> = [
      [
        'an unknown fault target',
        called(admin, 'injectFault', {
          body: { kind: 'crash', targets: [b0, 'small/z9/rack1/blade/0'] },
        }),
        { status: 400, field: 'targets[1]', message: expect.stringContaining('small/z9') },
      ],
      [
        'at in the future',
        called(admin, 'getElement', { query: { path: b0, view: 'actual', at: 99_999 } }),
        { status: 400, field: 'at', message: `at 99999 is after the current tick ${now}` },
      ],
      [
        'at in the future, in the summary',
        called(admin, 'getSummary', { query: { at: 99_999 } }),
        { status: 400, field: 'at', message: expect.stringMatching(/^at 99999 is after/) },
      ],
      [
        'a missing content type',
        fetched('/faults', { method: 'POST', body: JSON.stringify({ kind: 'crash' }) }),
        { status: 415, code: 'unsupported_media_type', field: 'content-type' },
      ],
      [
        'a content type that is not JSON',
        fetched('/clock/step', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{"count":1}',
        }),
        { status: 415, code: 'unsupported_media_type', field: 'content-type' },
      ],
      [
        'a schedule the faults service refuses',
        called(admin, 'injectFault', {
          body: { kind: 'crash', targets: [b0], duration: 5, every: 3 },
        }),
        { status: 400, field: 'duration', message: 'duration (5) must be shorter than every (3)' },
      ],
      [
        'a schedule field out of range',
        called(admin, 'injectFault', { body: { kind: 'crash', targets: [b0], duration: 0 } }),
        { status: 400, field: 'duration' },
      ],
      [
        'a missing body field',
        called(admin, 'injectFault', { body: { targets: [b0] } }),
        { status: 400, field: 'kind' },
      ],
      [
        'a bad index in a list',
        called(admin, 'injectFault', { body: { kind: 'crash', targets: [b0, 'Not A Path!'] } }),
        { status: 400, field: 'targets[1]' },
      ],
      [
        'an unknown fault',
        called(admin, 'getFault', { params: { id: 'f9-9' } }),
        { status: 404, field: 'id' },
      ],
      [
        'an unknown zone',
        called(admin, 'getElement', { query: { path: 'small/z9' } }),
        { status: 404, field: 'path' },
      ],
      [
        'an unknown PDU',
        called(admin, 'getElement', { query: { path: 'small/z1/rack1/pdu/7' } }),
        { status: 404, field: 'path' },
      ],
      [
        'an unknown target path',
        called(admin, 'getTarget', target('small/z1/rack1/blade/9')),
        { status: 404, field: 'path' },
      ],
      [
        'a stale If-Match',
        called(admin, 'setTarget', { ...target(b0), body: { state: 'retired' }, ifMatch: '"1"' }),
        { status: 412, field: 'if-match' },
      ],
      [
        'measured without a rate',
        called(admin, 'setPolicy', { body: { policy: 'measured' } }),
        { status: 400, field: 'rate' },
      ],
      [
        'not logged in',
        called(w!.anonymous, 'step', { body: { count: 1 } }),
        { status: 401, field: 'authorization' },
      ],
      [
        'a missing right',
        called(noRights, 'step', { body: { count: 1 } }),
        { status: 403, field: 'authorization' },
      ],
      [
        'an unknown user',
        called(admin, 'getUser', { params: { name: 'ghost' } }),
        { status: 404, field: 'name' },
      ],
      [
        'a method the route does not take',
        fetched('/clock', { method: 'DELETE' }),
        { status: 405, code: 'method_not_allowed', field: 'method' },
      ],
      ['an unknown route', fetched('/nowhere'), { status: 404, field: 'url' }],
      [
        'a body on a route that takes none',
        fetched('/faults/f1-1/clear', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
        { status: 400, field: 'body' },
      ],
    ];
    for (const [what, answer, expected] of cases) {
      const got = await answer;
      expect(got, what).toMatchObject(expected);
      expect(apiWords.has(root(String(got['field']))), `${what}: ${String(got['field'])}`).toBe(
        true,
      );
      // No proto name leaks into the message.
      expect(String(got['message']), what).not.toMatch(/as_of_tick|schedule\.|load_id/);
    }
  });
});

describe('frontend: rights', () => {
  it('lets each right do exactly the routes it governs; elsewhere 403 changing nothing; no rights: 403; anonymous: 401', async () => {
    const fw = await loaded('fe-rights');
    const governed = operations.filter((o) => isRight(o.access));
    // Every mutating route needs a right (or is about the caller's own account);
    // checkScenario is a POST only to take a file as its body, and changes nothing.
    const mutating = operations.filter((o) => o.method !== 'GET' && o.access !== 'public');
    expect(mutating.filter((o) => !isRight(o.access)).map((o) => o.id)).toEqual([
      'logOut',
      'createToken',
      'revokeToken',
      'changePassword',
      'checkScenario',
    ]);
    const holders = new Map<Right, ApiClient>();
    for (const right of rights) holders.set(right, await fw.userWith(right, [right]));
    const nobody = await fw.userWith('nobody', []);
    const fingerprint = async () => {
      const clock = await clockOf(fw.admin);
      const lists = await Promise.all(
        ['listUsers', 'listSessions', 'listFaults', 'listCommands'].map(
          async (id) => (await fw.admin.call(id)).body,
        ),
      );
      const target = await fw.admin.call('getTarget', { query: { path: b0 } });
      return JSON.stringify([clock.tick, clock.epoch, clock.policy, lists, target.etag]);
    };
    const before = await fingerprint();
    for (const op of governed) {
      for (const [right, api] of holders) {
        if (right !== op.access) expect(await statusOf(api, op), `${right} on ${op.id}`).toBe(403);
      }
      expect(await statusOf(nobody, op), `no rights on ${op.id}`).toBe(403);
      expect(await statusOf(fw.anonymous, op), `anonymous on ${op.id}`).toBe(401);
    }
    expect(await fingerprint()).toBe(before);

    // A real success for each right that governs a route.
    const holder = (right: Right) => holders.get(right)!;
    const succeeded = [
      await holder('manage_accounts').call('createUser', {
        body: { name: 'made-by-manager', password: 'long enough' },
      }),
      await holder('step_time').call('step', { body: {} }),
      await holder('modify_inventory').call('setTarget', {
        query: { path: b0 },
        body: { state: 'out_for_repair' },
      }),
      await holder('inject_faults').call('injectFault', {
        body: { kind: 'hang', targets: ['small/z1/rack1/blade/1'] },
      }),
      await holder('perform_repairs').call('issueCommand', {
        body: { target: 'small/z1/rack1/blade/2', action: 'reboot' },
      }),
    ];
    expect(succeeded.map((r) => r.status)).toEqual([201, 200, 200, 201, 201]);
    // modify_workloads governs the workload routes that change something (their
    // successes are in workloads-rest.test.ts, with the workload services running).
    expect(governed.filter((o) => o.access === 'modify_workloads').map((o) => o.id)).toEqual([
      'createWorkload',
      'replaceWorkload',
      'updateWorkload',
      'deleteWorkload',
    ]);
    // Allowed is allowed whatever the input: never 401 or 403 for the holder.
    for (const op of governed) {
      const status = await statusOf(holder(op.access as Right), op);
      expect([401, 403], `${op.access} on ${op.id}: ${status}`).not.toContain(status);
    }
  });
});

interface StreamEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: { type: string; key: string; revision: number; value: unknown };
}

/** An open event stream: `next()` resolves with each event in turn. */
async function openEvents(fw: FrontendWorld, kinds: string, lastEventId?: string, after?: number) {
  const abort = new AbortController();
  const res = await fw.admin.open(
    'streamEvents',
    { query: { kinds, ...(after === undefined ? {} : { after }) }, signal: abort.signal },
    lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
  );
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const next = async (): Promise<StreamEvent> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          frame
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        const event = field('event');
        if (event === undefined) continue; // a comment or the retry hint
        const data = JSON.parse(field('data') ?? 'null') as StreamEvent['data'];
        if (event === 'error') throw new Error(`stream error: ${JSON.stringify(data)}`);
        return { id: field('id'), event, data };
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      buffer += value;
    }
  };
  return {
    next,
    /** The events up to revision `last`, read until one beyond it arrives. */
    async through(last: number): Promise<StreamEvent[]> {
      const out: StreamEvent[] = [];
      for (let e = await next(); e.data.revision <= last; e = await next()) out.push(e);
      return out;
    },
    close: () => abort.abort(),
  };
}

const keyOf = (e: StreamEvent) => `${e.event} ${e.data.type} ${e.data.key} @${e.data.revision}`;

describe('frontend: server-sent events', () => {
  it('streams clock ticks and actual transitions while the clock steps, resumes exactly after Last-Event-ID, and filters by kind', async () => {
    w = await startFrontendWorld('fe-sse');
    const fw = w;
    const start = await fw.world.store.currentRevision();
    const live = await openEvents(fw, 'clock,actual');
    const load = await fw.admin.call<{ effectiveTick: number }>('loadDefinition', {
      body: { source: sample('small') },
    });
    await fw.admin.call('runUntil', { body: { tick: Number(load.body.effectiveTick) + 6 } });
    const last = await fw.world.store.currentRevision();
    // One more tick: every stream has delivered all up to `last` once it sees an event of it.
    await fw.admin.call('step', { body: {} });

    const all = await (await openEvents(fw, 'clock,actual', `${start}-0`)).through(last);
    expect(new Set(all.map((e) => e.event))).toEqual(new Set(['clock', 'actual']));
    const states = all
      .filter((e) => e.event === 'actual' && e.data.key.includes('/blade/'))
      .map((e) => (e.data.value as { state?: string } | undefined)?.state);
    expect(states).toContain('BLADE_STATE_BOOTING');
    expect(states).toContain('BLADE_STATE_WORKING');
    const seen = await live.through(last);
    live.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map(keyOf)).toEqual(all.slice(all.length - seen.length).map(keyOf));

    // Drop a stream halfway, resume from the last id it carried.
    const first = await openEvents(fw, 'clock,actual', `${start}-0`);
    const part: StreamEvent[] = [];
    while (part.length < all.length / 2) part.push(await first.next());
    first.close();
    const lastId = part.findLast((e) => e.id !== undefined)!.id!;
    const delivered = part.slice(0, part.findLastIndex((e) => e.id !== undefined) + 1);
    const rest = await (await openEvents(fw, 'clock,actual', lastId)).through(last);
    expect([...delivered, ...rest].map(keyOf)).toEqual(all.map(keyOf));

    // `after` (a read's revision) starts the stream there; Last-Event-ID still wins.
    const after = await (await openEvents(fw, 'clock,actual', undefined, start)).through(last);
    expect(after.map(keyOf)).toEqual(all.map(keyOf));
    const resumed = await (await openEvents(fw, 'clock,actual', lastId, start)).through(last);
    expect(resumed.map(keyOf)).toEqual(rest.map(keyOf));

    const clockOnly = await (await openEvents(fw, 'clock', `${start}-0`)).through(last);
    expect(clockOnly.map(keyOf)).toEqual(all.filter((e) => e.event === 'clock').map(keyOf));
    expect(
      (await failure(fw.admin.open('streamEvents', { query: { kinds: 'clock,nope' } }))).status,
    ).toBe(400);
    expect(
      (await failure(fw.admin.open('streamEvents', {}, { 'last-event-id': 'yesterday' }))).status,
    ).toBe(400);
  });
});
