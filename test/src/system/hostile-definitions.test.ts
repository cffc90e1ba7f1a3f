import { apiPrefix, errorFromAnswer } from '@chamber/api';
import { Code, httpStatusOf, isChamberError, type ChamberError } from '@chamber/errors';
import { InventoryClient as GrpcInventoryClient, View } from '@chamber/protos';
import { readServiceFailures, Store, type Store as StoreType } from '@chamber/store';
import { budgets, etcdEndpoints, uniqueSimulation } from '@chamber/testing';
import { keys } from '@chamber/world';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminPassword, startFrontendWorld, type FrontendWorld } from './frontend-world.js';
import { sample, startInventoryWorld } from './inventory-world.js';
import { spawnServiceProcess, type Child } from './processes.js';

// Hostile definitions (issue 15): a 100 KB scalar, an alias bomb, 5 MB and
// 50 MB files, by REST, by gRPC and by CHAMBER_INVENTORY_DEFINITION. Each is
// refused at once with its place or its size, nothing is written, and the
// inventory reads issued meanwhile answer.
const cleanup: Array<() => Promise<void> | void> = [];
let w: FrontendWorld | undefined;
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  await w?.close();
  w = undefined;
});

/** Nine aliases of nine aliases of …: a few lines that copy billions of nodes. */
const aliasBomb = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...Array.from(
    { length: 9 },
    (_, i) =>
      `l${i + 1}: &l${i + 1} [${Array(9)
        .fill(i === 0 ? '*a' : `*l${i}`)
        .join(', ')}]`,
  ),
].join('\n');
const bombError =
  'bomb.yaml:6:10: YAML: the aliases copy more than 100,000 nodes in all, past it at alias *l4 (66,430 nodes); repeat racks and blades with templates and generators instead';

const scalar = 'x'.repeat(100_000);
const scalarError = `scalar.yaml:1:1: the definition must be a map, got "${'x'.repeat(60)}…" (100,000 characters)`;

/** A definition of about `bytes` bytes: a rack spelling out blade after blade. */
function bigDefinition(bytes: number): string {
  const head =
    'version: 1\nregions:\n  - name: r1\n    zones:\n      - name: z1\n        racks:\n          - name: rack1\n            blades:\n';
  const line = (i: number): string => `              - { index: ${i} }\n`;
  const lines: string[] = [head];
  let size = head.length;
  for (let i = 0; size < bytes; i++) {
    lines.push(line(i));
    size += line(i).length;
  }
  return lines.join('').slice(0, bytes);
}

/** Resolves with `p`'s value, or fails when it has not settled within the wait budget. */
async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${budgets.waitMs} ms`)),
      budgets.waitMs,
    );
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How `p` failed; fails the test when it succeeds. */
async function refusal(p: Promise<unknown>): Promise<ChamberError> {
  const error = await p.then(
    () => new Error('it was accepted'),
    (e: unknown) => e,
  );
  if (!isChamberError(error)) throw error;
  return error;
}

/**
 * Waits for `hostile` (within the wait budget), issuing `read` after read
 * meanwhile, each of which must answer within the wait budget too: a read on
 * the inventory's connection while it answers the hostile request.
 */
async function withReadsBeside<T>(
  hostile: Promise<T>,
  read: (n: number) => Promise<unknown>,
): Promise<T> {
  let isSettled = false;
  const settled = hostile.finally(() => (isSettled = true));
  settled.catch(() => undefined);
  let n = 0;
  do {
    await within(read(n), `inventory read ${n + 1}, beside the hostile request`);
    n += 1;
  } while (!isSettled);
  return within(settled, 'the hostile request');
}

/**
 * POSTs a definition on a connection of its own, as `curl` would, and
 * resolves with the error it answers (a kept-alive connection of a shared
 * pool can be closed as idle just as a large upload starts on it).
 */
function postDefinition(
  url: string,
  cookie: string,
  body: { source: string; fileName: string },
): Promise<ChamberError> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}${apiPrefix}/inventory/definitions`,
      {
        method: 'POST',
        agent: false,
        headers: {
          cookie,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 202) reject(new Error(`it was accepted: ${text}`));
          else resolve(errorFromAnswer(res.statusCode ?? 0, text));
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * Every key of the simulation with its mod revision, but for the records of
 * processes kept under leases (re-put when a lease lapses on a loaded
 * machine): what "nothing was written" compares.
 */
async function snapshot(store: StoreType): Promise<Array<[string, string]>> {
  const { entries } = await store.listRaw('');
  return entries
    .filter((e) => !/^(alive|participants|election|services)\//.test(e.key))
    .map((e) => [e.key, String(e.modRevision)]);
}

describe('hostile definitions over REST', () => {
  it('refuses a 100 KB scalar, an alias bomb, 5 MB and 50 MB at once, with the place or the size, writing nothing, while reads beside them answer', async () => {
    w = await startFrontendWorld('hostile-rest');
    const world = w;
    const load = await world.admin.call<{ effectiveTick: number }>('loadDefinition', {
      body: { source: sample('small'), fileName: 'small.yaml' },
    });
    await world.admin.call('runUntil', { body: { tick: Number(load.body.effectiveTick) + 1 } });
    const cookie = await world.cookieOf('admin', adminPassword);
    const before = await snapshot(world.world.store);
    // Each read is of another URL (32 of them), so that the frontend asks the inventory.
    const views = ['definition', 'target', 'actual', 'observed'];
    let reads = 0;
    const read = () => {
      const i = reads++ % 32;
      const call = () =>
        world.admin.call('getElement', {
          query: {
            path: `small/z1/rack${1 + (i % 2)}/blade/${(i >> 1) % 4}`,
            view: views[i >> 3]!,
          },
        });
      // While this process sends 50 MB its timers run late, and fetch may
      // reuse a kept-alive connection the frontend has just closed as idle
      // (reset): sent again once, as browsers do.
      return call().catch((error: unknown) => {
        if (isChamberError(error) && error.code === Code.Unavailable) return call();
        throw error;
      });
    };
    const post = (source: string, fileName: string) =>
      postDefinition(world.url, cookie, { source, fileName });

    const big = await withReadsBeside(post(scalar, 'scalar.yaml'), read);
    expect(httpStatusOf(big.code)).toBe(400);
    expect(big.message).toBe(`scalar.yaml has 1 error(s); nothing was loaded:\n${scalarError}`);

    const bomb = await withReadsBeside(post(aliasBomb, 'bomb.yaml'), read);
    expect(httpStatusOf(bomb.code)).toBe(400);
    expect(bomb.message).toBe(`bomb.yaml has 1 error(s); nothing was loaded:\n${bombError}`);

    const five = await withReadsBeside(post(bigDefinition(5_000_000), 'five.yaml'), read);
    expect(httpStatusOf(five.code)).toBe(400);
    expect(five.details).toEqual({ field: 'source' });
    expect(five.message).toBe(
      'five.yaml is 5 MB (5,000,000 bytes); a definition may be at most 4 MB (4,000,000 bytes): nothing was loaded',
    );

    const fiftyBody = { source: bigDefinition(50_000_000), fileName: 'fifty.yaml' };
    const fifty = await withReadsBeside(post(fiftyBody.source, fiftyBody.fileName), read);
    expect(fifty.code).toBe(Code.PayloadTooLarge);
    const sent = Buffer.byteLength(JSON.stringify(fiftyBody)).toLocaleString('en');
    expect(fifty.message).toMatch(
      new RegExp(
        `^the body is ${sent} bytes, over this route's limit of [\\d,]+ bytes: a definition may be at most 4 MB \\(4,000,000 bytes\\)$`,
      ),
    );

    expect(await snapshot(world.world.store)).toEqual(before);
  });
});

describe('hostile definitions over gRPC', () => {
  it('answers a 100 KB scalar at once, and the reads on the same connection meanwhile', async () => {
    const world = await startInventoryWorld('hostile-grpc');
    cleanup.push(() => world.close());
    await world.load(sample('small'), 'small.yaml');
    const before = await snapshot(world.store);
    const error = await withReadsBeside(
      refusal(world.inventory.loadDefinition(scalar, 'scalar.yaml')),
      (i) =>
        world.inventory.getElement(`small/z1/rack1/blade/${i % 4}`, {
          view: View.VIEW_DEFINITION,
        }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toBe(`scalar.yaml has 1 error(s); nothing was loaded:\n${scalarError}`);
    expect(await snapshot(world.store)).toEqual(before);
  });

  it('refuses a source over the limit that a client sends anyway, naming the sizes', async () => {
    const world = await startInventoryWorld('hostile-grpc-size');
    cleanup.push(() => world.close());
    const before = await snapshot(world.store);
    // A raw client: the typed one refuses it before sending.
    const raw = new GrpcInventoryClient(world.addresses.inventory, credentials.createInsecure());
    cleanup.push(() => raw.close());
    const error = await within(
      new Promise<ServiceError>((resolve, reject) =>
        raw.loadDefinition(
          { source: bigDefinition(4_100_000), fileName: 'over.yaml', sample: '' },
          (e: ServiceError | null) => (e === null ? reject(new Error('accepted')) : resolve(e)),
        ),
      ),
      'LoadDefinition of 4.1 MB',
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.details).toBe(
      'over.yaml is 4.1 MB (4,100,000 bytes); a definition may be at most 4 MB (4,000,000 bytes): nothing was loaded',
    );
    expect(await snapshot(world.store)).toEqual(before);
  });
});

describe('hostile definitions by CHAMBER_INVENTORY_DEFINITION', () => {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-hostile-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /**
   * Starts an inventory process on a fresh simulation with `source` as its
   * configured definition; resolves with its one stderr line once it has
   * exited, what it recorded for the services list, and what else it wrote.
   */
  async function startWith(fileName: string, source: string) {
    const file = path.join(dir, fileName);
    fs.writeFileSync(file, source);
    const simulation = uniqueSimulation('hostile-env');
    const store = await Store.connect({ endpoints: etcdEndpoints(), simulation });
    cleanup.push(() => store.close());
    const child: Child = spawnServiceProcess({
      name: 'inventory',
      endpoints: etcdEndpoints(),
      simulation,
      env: { CHAMBER_INVENTORY_DEFINITION: file },
    });
    cleanup.push(() => child.kill('SIGKILL'));
    const exited = once(child.process, 'exit');
    // Its start loads its modules: a process start's budget.
    const line = await child.waitForLine(/^inventory: /, budgets.startMs);
    const [code] = (await within(exited, 'the inventory exiting')) as [number | null];
    const failure = (await readServiceFailures(store)).get('inventory');
    return { line, code, failure, written: (await snapshot(store)).map(([key]) => key) };
  }

  it('fails the start with the error at its place, records it, and writes nothing else', async () => {
    const bomb = await startWith('bomb.yaml', aliasBomb);
    expect(bomb.line).toBe(`inventory: bomb.yaml has 1 error(s); nothing was loaded:`);
    expect(bomb.code).toBe(1);
    expect(bomb.failure?.message).toBe(
      `bomb.yaml has 1 error(s); nothing was loaded:\n${bombError}`,
    );
    expect(bomb.written).toEqual([keys.serviceFailure('inventory')]);

    const big = await startWith('scalar.yaml', scalar);
    expect(big.failure?.message).toBe(
      `scalar.yaml has 1 error(s); nothing was loaded:\n${scalarError}`,
    );
    expect(big.written).toEqual([keys.serviceFailure('inventory')]);
  });

  it('refuses a 50 MB file by its size before reading it', async () => {
    const fifty = await startWith('fifty.yaml', bigDefinition(50_000_000));
    const message =
      'fifty.yaml is 50 MB (50,000,000 bytes); a definition may be at most 4 MB (4,000,000 bytes): nothing was loaded';
    expect(fifty.line).toBe(`inventory: ${message}`);
    expect(fifty.code).toBe(1);
    expect(fifty.failure?.message).toBe(message);
    expect(fifty.written).toEqual([keys.serviceFailure('inventory')]);
  });
});
