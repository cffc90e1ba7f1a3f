import { apiPrefix, fillPath, operations, type HttpMethod, type Operation } from '@chamber/api';
import { randomStream, type RandomStream } from '@chamber/sim';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminPassword,
  raw,
  startFrontend,
  type RawAnswer,
  type RawRequest,
  type TestFrontend,
} from './helpers.js';

// Malformed requests, seeded, sent 16 at a time. No simulation runs behind
// this frontend, so every request is built to fail before a handler would
// call one (anonymous, or with input the validator refuses): any 5xx is a bug.
const seed = 20_26;
const count = 2400;
const concurrency = 16;
const bodyLimitKb = 8;

let f: TestFrontend;
let cookie: string;
let outer: string;
const secret = `outside-the-root-${seed}`;
beforeAll(async () => {
  outer = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-fuzz-'));
  fs.mkdirSync(path.join(outer, 'site'));
  fs.writeFileSync(path.join(outer, 'site', 'index.html'), '<!doctype html><title>ok</title>');
  fs.writeFileSync(path.join(outer, 'package.json'), secret);
  f = await startFrontend({
    frontend: {
      webRoot: path.join(outer, 'site'),
      bodyLimitKb,
      // Fuzzed log-ins must not lock the address out of the final check.
      loginAttemptsPerAddress: 1_000_000,
    },
  });
  cookie = await f.cookie('admin', adminPassword);
});
afterAll(async () => {
  await f.stop();
  fs.rmSync(outer, { recursive: true, force: true });
});

/** A fuzzed request and what its answer must be. */
interface Case {
  readonly kind: string;
  readonly request: RawRequest;
  /** Statuses it must get; any 4xx when absent. */
  readonly expect?: readonly number[];
}

const withBody = operations.filter((o) => o.body !== undefined);
const withRequired = withBody.filter((o) => (o.body?.required.length ?? 0) > 0);
const oddSegments = [
  '..',
  '%2e%2e',
  '%2E%2e%2f',
  '.%2e',
  '%00',
  'a%00b',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%ff',
  '%e2%82',
  '%',
  '%zz',
  '%C3%BC',
  '%F0%9F%98%80',
  '%2f',
  '%5c..%5c',
  '~root',
  ';x=1',
  '%20',
  '%E2%80%AE',
  'x'.repeat(300),
  'CON',
  '.env',
];
const oddValues: readonly unknown[] = [
  null,
  -1,
  1.5,
  '',
  'x'.repeat(3000),
  [],
  {},
  true,
  '\u0000',
  '../../etc/passwd',
  Number.MAX_SAFE_INTEGER + 2,
  { $ref: '#/x' },
  [[[[[[]]]]]],
  'ü😀',
];
const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

function pathOf(op: Operation, r: RandomStream): string {
  const params = Object.fromEntries(Object.keys(op.params ?? {}).map((k) => [k, 'x1']));
  const filled = `${apiPrefix}${fillPath(op.path, params)}`;
  if (op.params === undefined || !r.chance(0.5)) return filled;
  // Replace the last parameter's segment of the URL by an odd one (sent as is, not encoded).
  const odd = r.pick(oddSegments);
  return filled.replace(/^(.*)\/x1(?=\/|$)/, (_, head: string) => `${head}/${odd}`);
}

/** A body with a value `null` nowhere allows, so the validator refuses it. */
function badBody(op: Operation, r: RandomStream): Record<string, unknown> {
  const names = Object.keys(op.body?.properties ?? {});
  const body: Record<string, unknown> = {};
  for (const name of names) if (r.chance(0.6)) body[name] = r.pick(oddValues);
  body[r.pick(names)] = null;
  return body;
}

function json(extra: Record<string, string> = {}): Record<string, string> {
  return { cookie, 'content-type': 'application/json', ...extra };
}

const generators: ReadonlyArray<(r: RandomStream) => Case> = [
  // Broken JSON.
  (r) => {
    const op = r.pick(withBody);
    const text = JSON.stringify(badBody(op, r));
    const cut = r.int(0, text.length);
    const junk = r.pick(['', '{', '}', ',', '"', '\\', '\u0000', 'NaN', '\xff', '[1,]']);
    const body = text.slice(0, cut) + junk + text.slice(cut + r.int(0, 3));
    return {
      kind: 'bad json',
      request: { method: op.method, path: pathOf(op, r), headers: json(), body },
    };
  },
  // Wrong types and unknown values.
  (r) => {
    const op = r.pick(withBody);
    const body = JSON.stringify(badBody(op, r));
    return {
      kind: 'wrong types',
      request: { method: op.method, path: pathOf(op, r), headers: json(), body },
    };
  },
  // Missing required fields.
  (r) => {
    const op = r.pick(withRequired);
    const body = r.pick(['{}', '[]', 'null', '"x"', '0', 'true']);
    return {
      kind: 'missing fields',
      request: { method: op.method, path: pathOf(op, r), headers: json(), body },
      expect: [400, 404],
    };
  },
  // Bodies over the limit (a definition upload's is the definition limit's).
  (r) => {
    const op = r.pick(withBody.filter((o) => o.id !== 'loadDefinition'));
    const body = JSON.stringify({ x: 'y'.repeat(bodyLimitKb * 1024 + r.int(1, 40_000)) });
    return {
      kind: 'huge body',
      request: { method: op.method, path: pathOf(op, r), headers: json(), body },
      expect: [413],
    };
  },
  // Odd and percent-encoded paths, logged in or not.
  (r) => {
    const segments = Array.from({ length: r.int(1, 4) }, () => r.pick(oddSegments));
    const base = r.pick([
      `${apiPrefix}/`,
      `${apiPrefix}/users/`,
      `${apiPrefix}/faults/`,
      '/',
      '/assets/',
      `${apiPrefix}/inventory/elements`,
    ]);
    const query = r.chance(0.3)
      ? `?${r.pick(['view=%00', 'at=-1', 'at=1e999', 'view=a&view=b', '%zz=1', 'kinds=,,'])}`
      : '';
    const isApi = base.startsWith(apiPrefix);
    // Logged-in requests carry an unknown query field so none reaches a handler.
    const headers: Record<string, string> = isApi && r.chance(0.5) ? { cookie } : {};
    const guard = headers['cookie'] === undefined ? '' : `${query === '' ? '?' : '&'}fuzz=1`;
    return {
      kind: 'odd path',
      request: { method: 'GET', path: `${base}${segments.join('/')}${query}${guard}`, headers },
    };
  },
  // Methods a route does not take: 405 with Allow.
  (r) => {
    const op = r.pick(operations);
    const p = fillPath(
      op.path,
      Object.fromEntries(Object.keys(op.params ?? {}).map((k) => [k, 'x1'])),
    );
    // Every route this path matches (`/faults/clear-all` is also `/faults/{id}`).
    const taken = operations
      .filter((o) => new RegExp(`^${o.path.replace(/\{[A-Za-z]+\}/g, '[^/]+')}$`).test(p))
      .map((o) => o.method);
    const method = r.pick(methods.filter((m) => !taken.includes(m as HttpMethod)));
    return {
      kind: 'wrong method',
      request: { method, path: `${apiPrefix}${p}`, headers: { cookie } },
      expect: [405],
    };
  },
  // Wrong content types.
  (r) => {
    const op = r.pick(withRequired);
    const type = r.pick([
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/jsonx',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      '',
    ]);
    const body = JSON.stringify(badBody(op, r));
    return {
      kind: 'content type',
      request: {
        method: op.method,
        path: pathOf(op, r),
        headers: { ...json(), 'content-type': type },
        body,
      },
    };
  },
  // Giant headers: refused by Node's parser (431) before Koa.
  (r) => {
    const header = r.pick(['cookie', 'x-fill', 'authorization', 'if-match', 'last-event-id']);
    return {
      kind: 'giant header',
      request: {
        path: `${apiPrefix}/clock`,
        headers: { [header]: 'z'.repeat(r.int(20_000, 80_000)) },
      },
      expect: [431, 0],
    };
  },
  // Bad credentials.
  (r) => {
    const headers = r.pick<Record<string, string>>([
      { authorization: 'Bearer' },
      { authorization: 'Bearer chm_zz_zz' },
      { authorization: `Bearer chm_${'0'.repeat(18)}_${'A'.repeat(43)}` },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { cookie: 'chamber_session=..' },
      { cookie: `chamber_session=${'0'.repeat(18)}.${'A'.repeat(43)}` },
      { cookie: 'chamber_session=%ff%00' },
    ]);
    const op = r.pick(operations.filter((o) => o.access !== 'public'));
    return {
      kind: 'bad credentials',
      request: { method: op.method, path: pathOf(op, r), headers },
      expect: [401],
    };
  },
  // Unicode and overlong UTF-8 in names and bodies.
  (r) => {
    const name = r.pick(['ü', 'Ω', '😀', '%c0%ae', 'admin%00', 'ａｄｍｉｎ', 'a\u0301']);
    if (r.chance(0.5)) {
      return {
        kind: 'unicode name',
        request: { path: `${apiPrefix}/users/${encodeURIComponent(name)}`, headers: { cookie } },
        expect: [400],
      };
    }
    const body = Buffer.concat([
      Buffer.from('{"name":"'),
      Buffer.from([0xc0, 0xae, 0xe0, 0x80, 0xaf]),
      Buffer.from(`${name}","password":null}`),
    ]);
    return {
      kind: 'overlong utf-8',
      request: {
        method: 'POST',
        path: `${apiPrefix}/users`,
        headers: { cookie, 'content-type': 'application/json' },
        body,
      },
      expect: [400],
    };
  },
  // Traversal against the static root.
  (r) => {
    const p = r.pick([
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2e%2e%2fpackage.json',
      '/assets/../../package.json',
      '/..%5cpackage.json',
      '/%c0%ae%c0%ae/package.json',
      '/.%2e/package.json',
      `/${'..%2f'.repeat(r.int(1, 8))}package.json`,
    ]);
    return { kind: 'traversal', request: { method: r.pick(['GET', 'HEAD']), path: p } };
  },
];

/** Every name the API gives a field: its parameters, body fields, headers and request line. */
const apiWords = new Set([
  ...operations.flatMap((o) => [
    ...Object.keys(o.params ?? {}),
    ...Object.keys(o.query ?? {}),
    ...Object.keys(o.body?.properties ?? {}),
  ]),
  ...['content-type', 'if-match', 'authorization', 'last-event-id', 'body', 'url', 'method'],
]);

/**
 * Whether a 4xx answer names its field in the API's words (`targets[1]` is
 * the body field `targets`), or an unknown field as sent. Answers without a body (HEAD, Node's own 431)
 * have nothing to check.
 */
function namesItsField(a: RawAnswer): boolean {
  if (a.status < 400 || a.status >= 500 || a.body === '') return true;
  try {
    const error = (JSON.parse(a.body) as { error?: { field?: unknown; message?: unknown } }).error;
    const field = error?.field;
    if (typeof field !== 'string') return false;
    // A field the API does not have is named as the request sent it.
    if (error?.message === `${field}: is not a known field`) return true;
    return apiWords.has(field.replace(/[[.].*$/, ''));
  } catch {
    return false;
  }
}

async function pool<T, R>(
  items: readonly T[],
  n: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}

describe('the frontend under malformed requests', () => {
  it(`answers ${count} seeded malformed requests with 4xx naming the field, never 5xx, and still serves afterwards`, async () => {
    const r = randomStream(seed, 'frontend', 0, 'fuzz');
    const cases = Array.from({ length: count }, () => r.pick(generators)(r));
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const answers = await pool(cases, concurrency, (c) => raw(f.port, c.request, agent));
    agent.destroy();
    const wrong: Array<{
      kind: string;
      method: string;
      path: string;
      status: number;
      body: string;
    }> = [];
    answers.forEach((a: RawAnswer, i) => {
      const c = cases[i]!;
      const isOk =
        (c.expect === undefined
          ? a.status >= 400 && a.status < 500
          : c.expect.includes(a.status)) &&
        // A 405 says which methods the path takes.
        (a.status !== 405 || /^[A-Z]+(, [A-Z]+)*$/.test(String(a.headers['allow']))) &&
        // Every 4xx names the field it is about, in the API's words.
        namesItsField(a);
      if (!isOk || a.body.includes(secret)) {
        wrong.push({
          kind: c.kind,
          method: c.request.method ?? 'GET',
          path: c.request.path.slice(0, 80),
          status: a.status,
          body: a.body.slice(0, 160),
        });
      }
    });
    expect(wrong.slice(0, 10)).toEqual([]);
    // Every kind was tried.
    expect(new Set(cases.map((c) => c.kind)).size).toBe(generators.length + 1);
    expect(f.logs()).not.toContain('request failed');
    const after = await raw(f.port, { path: `${apiPrefix}/sessions/current`, headers: { cookie } });
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toMatchObject({ user: 'admin' });
  });
});
