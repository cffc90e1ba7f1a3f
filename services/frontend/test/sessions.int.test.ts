import { ApiClient } from '@chamber/api';
import { afterEach, describe, expect, it } from 'vitest';
import { adminPassword, failure, startFrontend, type TestFrontend } from './helpers.js';

let frontends: TestFrontend[] = [];
afterEach(async () => {
  await Promise.all(frontends.map((f) => f.stop()));
  frontends = [];
});

function track(f: TestFrontend): TestFrontend {
  frontends.push(f);
  return f;
}

const whoami = (api: ApiClient) =>
  api.call<{ user: string; via: string }>('getCurrentSession').then((r) => r.body.user);

describe('sessions across frontend processes', () => {
  it('keeps a session working after the frontend restarts on the same simulation', async () => {
    const first = track(await startFrontend());
    const cookie = await first.cookie('admin', adminPassword);
    await first.stop();
    frontends = [];
    const second = track(await first.replica());
    expect(second.url).not.toBe(first.url);
    expect(await whoami(new ApiClient({ baseUrl: second.url, cookie }))).toBe('admin');
  });

  it('shares sessions between two replicas: a log-in on one works on the other, a log-out on one ends it on both', async () => {
    const a = track(await startFrontend());
    const b = track(await a.replica());
    const cookie = await a.cookie('admin', adminPassword);
    const onA = new ApiClient({ baseUrl: a.url, cookie });
    const onB = new ApiClient({ baseUrl: b.url, cookie });
    expect(await whoami(onB)).toBe('admin');
    await onB.call('logOut');
    // The end reaches replica a through its store watch; await that, not a timer.
    await expect.poll(async () => (await failure(whoami(onA))).status).toBe(401);
    expect((await failure(whoami(onB))).status).toBe(401);
  });

  it('on a first run without an admin password, prints a one-time login URL whose token logs in exactly once', async () => {
    const f = track(await startFrontend({ frontend: { adminPassword: '' } }));
    expect(f.loginUrl).toMatch(
      new RegExp(`^${f.url}/\\?token=chm_[0-9a-f]{18}_[A-Za-z0-9_-]{43}$`),
    );
    const token = new URL(f.loginUrl!).searchParams.get('token')!;
    expect(f.logs()).toContain(f.loginUrl);
    // Nothing in the log looks like a secret other than this token: the
    // generated password is never printed.
    expect(f.logs().split(token).join('')).not.toMatch(/[A-Za-z0-9_-]{40,}/);
    const first = await f.anonymous().call<{ user: string }>('logIn', { body: { token } });
    expect(first.status).toBe(201);
    expect(first.body.user).toBe('admin');
    const again = await failure(f.anonymous().call('logIn', { body: { token } }));
    expect(again.status).toBe(401);
    // A restart does not issue a URL that bypasses a password someone has set.
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
    await new ApiClient({ baseUrl: f.url, cookie }).call('changePassword', {
      params: { name: 'admin' },
      body: { password: 'a new admin password' },
    });
    const restarted = track(await f.replica());
    expect(restarted.loginUrl).toBeUndefined();
  });
});

describe('the first password, after a one-time login', () => {
  type Me = { user: string; mustSetPassword?: boolean };
  const me = async (api: ApiClient) => (await api.call<Me>('getCurrentSession')).body;

  it('may be set once without the generated password, by the session and the tokens it made; then the current one is required', async () => {
    const f = track(await startFrontend({ frontend: { adminPassword: '' } }));
    const token = new URL(f.loginUrl!).searchParams.get('token')!;
    const first = await f.anonymous().call('logIn', { body: { token } });
    const oneTime = new ApiClient({
      baseUrl: f.url,
      cookie: first.headers.get('set-cookie')!.split(';')[0]!,
    });
    expect(await me(oneTime)).toMatchObject({ user: 'admin', mustSetPassword: true });
    // `chamber login --token` keeps a bearer token made by that session.
    const made = await oneTime.call<{ token: string }>('createToken', { body: { name: 'cli' } });
    const bearer = new ApiClient({ baseUrl: f.url, token: made.body.token });
    expect(await me(bearer)).toMatchObject({ user: 'admin', mustSetPassword: true });
    // A restart while the password is still generated issues a new URL.
    const restarted = track(await f.replica());
    const laterToken = new URL(restarted.loginUrl!).searchParams.get('token')!;

    // Rights are checked: another user may not set it, even while it is generated.
    await oneTime.call('createUser', { body: { name: 'viewer', password: 'viewer password' } });
    const viewer = await f.login('viewer', 'viewer password');
    expect(await me(viewer)).toMatchObject({ user: 'viewer', mustSetPassword: false });
    const hijack = await failure(
      viewer.call('changePassword', { params: { name: 'admin' }, body: { password: 'hijacked!' } }),
    );
    expect(hijack.status).toBe(403);

    // Set at the same time by the session and its token: exactly one wins.
    // The status of a success, or how it failed.
    const set = async (api: ApiClient, password: string) => {
      const call = api.call('changePassword', { params: { name: 'admin' }, body: { password } });
      return call.then((res) => res.status).catch(() => failure(call));
    };
    const outcomes = await Promise.all([
      set(oneTime, 'first admin password'),
      set(bearer, 'second admin password'),
    ]);
    expect(outcomes.filter((o) => o === 204)).toHaveLength(1);
    expect(outcomes.find((o) => o !== 204)).toMatchObject({
      status: 400,
      field: 'currentPassword',
    });
    const isSessionFirst = outcomes[0] === 204;
    const chosen = isSessionFirst ? 'first admin password' : 'second admin password';
    // The one that set it stays logged in; setting a password ends the user's
    // other sessions and tokens, so the other one is logged out.
    const [winner, loser] = isSessionFirst ? [oneTime, bearer] : [bearer, oneTime];
    expect(await me(winner)).toMatchObject({ mustSetPassword: false });
    expect((await failure(me(loser))).status).toBe(401);

    // Afterwards the current password is required, as for everyone.
    expect(await set(winner, 'third admin password')).toMatchObject({
      status: 400,
      field: 'currentPassword',
    });
    const wrong = await failure(
      winner.call('changePassword', {
        params: { name: 'admin' },
        body: { password: 'third admin password', currentPassword: 'not it' },
      }),
    );
    expect(wrong).toMatchObject({ status: 403, field: 'currentPassword' });
    // The chosen password logs in; the URL issued before it was set no longer does.
    expect(await me(await f.login('admin', chosen))).toMatchObject({ user: 'admin' });
    const stale = await failure(f.anonymous().call('logIn', { body: { token: laterToken } }));
    expect(stale.status).toBe(401);
  });
});
