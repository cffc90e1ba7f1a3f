import { afterEach, describe, expect, it } from 'vitest';
import { adminPassword, failure, startFrontend, type TestFrontend } from './helpers.js';

let frontends: TestFrontend[] = [];
afterEach(async () => {
  await Promise.all(frontends.map((f) => f.stop()));
  frontends = [];
});

async function start(...args: Parameters<typeof startFrontend>): Promise<TestFrontend> {
  const f = await startFrontend(...args);
  frontends.push(f);
  return f;
}

describe('frontend: sessions and users', () => {
  it('logs the admin in with a HttpOnly, SameSite=Strict cookie and answers who it is', async () => {
    const f = await start();
    const res = await f
      .anonymous()
      .call('logIn', { body: { user: 'admin', password: adminPassword } });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^chamber_session=[0-9a-f]{18}\./);
    expect(cookie.toLowerCase()).toContain('httponly');
    expect(cookie.toLowerCase()).toContain('samesite=strict');
    const admin = await f.login('admin', adminPassword);
    const me = await admin.call<{ user: string; rights: string[] }>('getCurrentSession');
    expect(me.body.user).toBe('admin');
    expect(me.body.rights).toHaveLength(6);
  });

  it('refuses a wrong password with 401 and no cookie, and a missing session with 401', async () => {
    const f = await start();
    const wrong = await failure(
      f.anonymous().call('logIn', { body: { user: 'admin', password: 'nope-nope' } }),
    );
    expect(wrong.status).toBe(401);
    const none = await failure(f.anonymous().call('getCurrentSession'));
    expect(none.status).toBe(401);
  });
});
