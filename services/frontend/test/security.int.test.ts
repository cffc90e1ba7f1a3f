import { apiPrefix } from '@chamber/api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keys } from '@chamber/world';
import { afterEach, describe, expect, it } from 'vitest';
import { adminPassword, failure, raw, startFrontend, type TestFrontend } from './helpers.js';

let frontends: TestFrontend[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(frontends.map((f) => f.stop()));
  frontends = [];
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function start(...args: Parameters<typeof startFrontend>): Promise<TestFrontend> {
  const f = await startFrontend(...args);
  frontends.push(f);
  return f;
}

/** A web root with an index page, inside a folder that holds a secret beside it. */
function webRoot(): { root: string; secret: string } {
  const outer = fs.mkdtempSync(path.join(os.tmpdir(), 'chamber-web-'));
  dirs.push(outer);
  const root = path.join(outer, 'site');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>dashboard</title>');
  fs.writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1);');
  const secret = `secret-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(path.join(outer, 'package.json'), secret);
  fs.writeFileSync(path.join(root, '.env'), secret);
  return { root, secret };
}

describe('frontend security', () => {
  it('sends CSP, nosniff and frame protection on API answers, errors and static files', async () => {
    const { root } = webRoot();
    const f = await start({ frontend: { webRoot: root } });
    for (const p of ['/', `${apiPrefix}/openapi.json`, `${apiPrefix}/clock`, '/missing']) {
      const res = await raw(f.port, { path: p });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, p).toContain("default-src 'self'");
      expect(csp, p).toContain("frame-ancestors 'self'");
      expect(csp, p).toContain("object-src 'none'");
      expect(res.headers['x-content-type-options'], p).toBe('nosniff');
      expect(res.headers['x-frame-options'], p).toBe('SAMEORIGIN');
    }
  });

  it('serves the web root and nothing outside it, whatever the encoding of the path', async () => {
    const { root, secret } = webRoot();
    const f = await start({ frontend: { webRoot: root } });
    const index = await raw(f.port, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('dashboard');
    expect((await raw(f.port, { path: '/assets/app.js' })).status).toBe(200);
    const attempts = [
      '/../package.json',
      '/assets/../../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E%2Fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/..%2fpackage.json',
      '/..%5cpackage.json',
      '/%252e%252e/package.json',
      '/....//package.json',
      '/.%2e/package.json',
      '/%c0%ae%c0%ae/package.json',
      '/index.html%00/../../package.json',
      '/%00',
      '//etc/passwd',
      '/.env',
      `/${'../'.repeat(12)}etc/passwd`,
      `/${path.join(root, '..', 'package.json')}`,
    ];
    for (const p of attempts) {
      const res = await raw(f.port, { path: p });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.status, p).toBeLessThan(500);
      expect(res.body, p).not.toContain(secret);
      expect(res.body, p).not.toContain('root:');
    }
  });

  it('refuses a body over the limit with 413 and changes nothing', async () => {
    const f = await start({ frontend: { bodyLimitKb: 1 } });
    const cookie = await f.cookie('admin', adminPassword);
    const big = JSON.stringify({ name: 'bigbody', password: 'x'.repeat(2000) });
    const res = await raw(f.port, {
      method: 'POST',
      path: `${apiPrefix}/users`,
      headers: { cookie, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    const admin = await f.login('admin', adminPassword);
    const users = await admin.call<{ users: Array<{ name: string }> }>('listUsers');
    expect(users.body.users.map((u) => u.name)).toEqual(['admin']);
  });

  it('limits failed log-ins per user: 429 with Retry-After, even for the right password, until the window passes', async () => {
    // The window outlasts three slow (scrypt) failures even on a loaded machine.
    const f = await start({
      frontend: { loginAttemptsPerUser: 3, loginAttemptsPerAddress: 100, loginWindowSeconds: 8 },
    });
    const api = f.anonymous();
    for (let i = 0; i < 3; i++) {
      const wrong = await failure(
        api.call('logIn', { body: { user: 'admin', password: `guess-${i}` } }),
      );
      expect(wrong.status).toBe(401);
    }
    const res = await raw(f.port, {
      method: 'POST',
      path: `${apiPrefix}/sessions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: adminPassword }),
    });
    expect(res.status).toBe(429);
    expect(res.headers['set-cookie']).toBeUndefined();
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(8);
    // Another user from the same address is not held back by admin's failures.
    expect(
      (await failure(api.call('logIn', { body: { user: 'nobody', password: 'whatever' } }))).status,
    ).toBe(401);
    // The window is wall-clock time: wait as Retry-After says, then it passes.
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    await expect(f.login('admin', adminPassword)).resolves.toBeDefined();
  });

  it('limits failed log-ins per address across user names', async () => {
    const f = await start({
      frontend: { loginAttemptsPerUser: 100, loginAttemptsPerAddress: 4, loginWindowSeconds: 60 },
    });
    const api = f.anonymous();
    for (let i = 0; i < 4; i++) {
      await failure(api.call('logIn', { body: { user: `user${i}`, password: 'wrong-one' } }));
    }
    const refused = await failure(
      api.call('logIn', { body: { user: 'admin', password: adminPassword } }),
    );
    expect(refused.status).toBe(429);
    expect(refused.message).toMatch(/try again in \d+ s/);
  });

  it('never logs a password, and stores only a scrypt hash of it', async () => {
    const f = await start();
    const admin = await f.login('admin', adminPassword);
    const userPassword = 'user-password-31337';
    const newPassword = 'changed-password-4242';
    await admin.call('createUser', {
      body: { name: 'alice', password: userPassword, rights: ['step_time'] },
    });
    await failure(f.anonymous().call('logIn', { body: { user: 'alice', password: 'typo-31337' } }));
    const alice = await f.login('alice', userPassword);
    await alice.call('changePassword', {
      params: { name: 'alice' },
      body: { password: newPassword, currentPassword: userPassword },
    });
    await f.login('alice', newPassword);
    const logs = f.logs();
    expect(logs).toContain('logged in'); // the capture works
    for (const secret of [adminPassword, userPassword, newPassword, 'typo-31337']) {
      expect(logs).not.toContain(secret);
    }
    const stored = JSON.parse((await f.store.getRaw(keys.user('alice')))!.value) as Record<
      string,
      unknown
    >;
    expect(stored['passwordHash']).toMatch(
      /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/,
    );
    expect(JSON.stringify(stored)).not.toContain(newPassword);
    const texts = Object.entries(stored).filter(([, v]) => typeof v === 'string');
    expect(texts.map(([k]) => k).filter((k) => /pass/i.test(k))).toEqual(['passwordHash']);
  });
});
