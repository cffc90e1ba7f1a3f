import { ApiClient, errorStatuses, operation } from '@chamber/api';
import { op } from '@chamber/store';
import { keys } from '@chamber/world';
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

describe('frontend: users, sessions and tokens', () => {
  it('creates, reads, changes and deletes users, guarding changes with the ETag (a stale one is 412 and changes nothing)', async () => {
    const f = await start();
    const admin = await f.login('admin', adminPassword);
    type User = { name: string; rights: string[]; isEnabled: boolean; passwordHash?: unknown };
    const created = await admin.call<User>('createUser', {
      body: { name: 'alice', password: 'alice password', rights: ['step_time'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'alice', rights: ['step_time'], isEnabled: true });
    expect(created.body.passwordHash).toBeUndefined();
    expect(
      (
        await failure(
          admin.call('createUser', { body: { name: 'alice', password: 'x'.repeat(9) } }),
        )
      ).status,
    ).toBe(409);
    const read = await admin.call<User>('getUser', { params: { name: 'alice' } });
    expect(read.etag).toBe(created.etag);
    const names = await admin.call<{ users: User[] }>('listUsers');
    expect(names.body.users.map((u) => u.name)).toEqual(['admin', 'alice']);

    const alice = await f.login('alice', 'alice password');
    expect((await alice.call<User>('getUser', { params: { name: 'alice' } })).status).toBe(200);
    expect((await failure(alice.call('getUser', { params: { name: 'admin' } }))).status).toBe(403);
    expect((await failure(alice.call('listUsers'))).status).toBe(403);

    const stale = `"${Number(JSON.parse(created.etag!)) - 1}"`;
    const refused = await failure(
      admin.call('updateUser', { params: { name: 'alice' }, body: { rights: [] }, ifMatch: stale }),
    );
    expect(refused.status).toBe(412);
    expect((await admin.call<User>('getUser', { params: { name: 'alice' } })).body.rights).toEqual([
      'step_time',
    ]);
    const updated = await admin.call<User>('updateUser', {
      params: { name: 'alice' },
      body: { rights: ['inject_faults'] },
      ifMatch: created.etag!,
    });
    expect(updated.body.rights).toEqual(['inject_faults']);
    expect(updated.etag).not.toBe(created.etag);

    // Passwords: an admin sets anyone's; a user changes its own with the current one.
    expect(
      (
        await failure(
          admin.call('changePassword', {
            params: { name: 'alice' },
            body: { password: 'from the admin' },
            ifMatch: created.etag!,
          }),
        )
      ).status,
    ).toBe(412);
    await f.login('alice', 'alice password');
    await admin.call('changePassword', {
      params: { name: 'alice' },
      body: { password: 'from the admin' },
    });
    expect((await failure(f.login('alice', 'alice password'))).status).toBe(401);
    const again = await f.login('alice', 'from the admin');
    const own = (body: Record<string, string>) =>
      again.call('changePassword', { params: { name: 'alice' }, body });
    expect((await failure(own({ password: 'mine mine mine' }))).status).toBe(400);
    expect(
      (await failure(own({ password: 'mine mine mine', currentPassword: 'wrong one' }))).status,
    ).toBe(403);
    expect(
      (await own({ password: 'mine mine mine', currentPassword: 'from the admin' })).status,
    ).toBe(204);
    expect(
      (
        await failure(
          again.call('changePassword', {
            params: { name: 'admin' },
            body: { password: 'hijacked!' },
          }),
        )
      ).status,
    ).toBe(403);

    // Disabling ends the user's sessions' use; deleting is guarded by the ETag too.
    const current = await admin.call<User>('getUser', { params: { name: 'alice' } });
    await admin.call('updateUser', { params: { name: 'alice' }, body: { isEnabled: false } });
    expect((await failure(again.call('getCurrentSession'))).status).toBe(401);
    expect(
      (
        await failure(
          admin.call('deleteUser', { params: { name: 'alice' }, ifMatch: current.etag! }),
        )
      ).status,
    ).toBe(412);
    expect((await admin.call('getUser', { params: { name: 'alice' } })).status).toBe(200);
    expect((await admin.call('deleteUser', { params: { name: 'alice' } })).status).toBe(204);
    expect((await failure(admin.call('getUser', { params: { name: 'alice' } }))).status).toBe(404);
    expect((await failure(admin.call('deleteUser', { params: { name: 'alice' } }))).status).toBe(
      404,
    );
  });

  it("ends a user's other sessions and tokens when its password changes (on every replica), keeping the changer's own; an admin's reset ends them all", async () => {
    const f = await start();
    const replica = await start({}, f.simulation);
    const admin = await f.login('admin', adminPassword);
    await admin.call('createUser', { body: { name: 'vera', password: 'vera password 1' } });
    const sessionOn = (frontend: TestFrontend, cookie: string) =>
      new ApiClient({ baseUrl: frontend.url, cookie });
    const tokenOn = (frontend: TestFrontend, token: string) =>
      new ApiClient({ baseUrl: frontend.url, token });
    /** Who the credentials are, or the status refusing them. */
    const whoami = (api: ApiClient) => {
      const call = api.call<{ user: string }>('getCurrentSession');
      return call.then(
        (r) => r.body.user,
        () => failure(call).then((x) => x.status),
      );
    };
    const changerCookie = await f.cookie('vera', 'vera password 1');
    const changer = sessionOn(f, changerCookie);
    const other = await f.cookie('vera', 'vera password 1');
    const made = await changer.call<{ token: string }>('createToken', { body: { name: 'script' } });
    // Working everywhere before the change.
    for (const frontend of [f, replica]) {
      expect(await whoami(sessionOn(frontend, other))).toBe('vera');
      expect(await whoami(tokenOn(frontend, made.body.token))).toBe('vera');
    }

    const changed = await changer.call('changePassword', {
      params: { name: 'vera' },
      body: { password: 'vera password 2', currentPassword: 'vera password 1' },
    });
    expect(changed.status).toBe(204);
    // The changer's own session goes on; the other session and the token end,
    // on the replica too once its store watch has seen the change.
    expect(await whoami(changer)).toBe('vera');
    for (const frontend of [f, replica]) {
      await expect.poll(() => whoami(sessionOn(frontend, other))).toBe(401);
      await expect.poll(() => whoami(tokenOn(frontend, made.body.token))).toBe(401);
    }
    const changerOnReplica = sessionOn(replica, changerCookie);
    expect(await whoami(changerOnReplica)).toBe('vera');
    // Gone from the lists too.
    const tokens = await changer.call<{ tokens: unknown[] }>('listTokens');
    expect(tokens.body.tokens).toEqual([]);
    const sessions = await admin.call<{ sessions: Array<{ user: string }> }>('listSessions');
    expect(sessions.body.sessions.filter((s) => s.user === 'vera')).toHaveLength(1);
    // What the changer makes afterwards works.
    const later = await changer.call<{ token: string }>('createToken', { body: { name: 'new' } });
    expect(await whoami(tokenOn(f, later.body.token))).toBe('vera');

    // An admin's reset ends every session and token of the user, and only the user's.
    await admin.call('changePassword', {
      params: { name: 'vera' },
      body: { password: 'vera password 3' },
    });
    expect(await whoami(changer)).toBe(401);
    expect(await whoami(tokenOn(f, later.body.token))).toBe(401);
    await expect.poll(() => whoami(changerOnReplica)).toBe(401);
    expect(await whoami(admin)).toBe('admin');
    expect((await failure(f.login('vera', 'vera password 2'))).status).toBe(401);
    expect(await whoami(await f.login('vera', 'vera password 3'))).toBe('vera');
  });

  it("never lets a deleted user's session or token in as a new user of the same name, even if its record was left behind", async () => {
    const f = await start();
    const admin = await f.login('admin', adminPassword);
    await admin.call('createUser', { body: { name: 'vera', password: 'vera password 1' } });
    const cookie = await f.cookie('vera', 'vera password 1');
    const left = (await f.store.listRaw(keys.sessionsPrefix)).entries.filter((e) =>
      e.value.includes('"vera"'),
    );
    expect(left).toHaveLength(1);
    await admin.call('deleteUser', { params: { name: 'vera' } });
    // As if tidying the deleted user's sessions had failed (etcd gone at that moment).
    for (const e of left) await f.store.txn([], [op.putRaw(e.key, e.value)]);
    await admin.call('createUser', { body: { name: 'vera', password: 'vera password 2' } });
    const call = new ApiClient({ baseUrl: f.url, cookie }).call('getCurrentSession');
    expect((await failure(call)).status).toBe(401);
  });

  it('never deletes or disables the built-in admin', async () => {
    const f = await start();
    const admin = await f.login('admin', adminPassword);
    expect((await failure(admin.call('deleteUser', { params: { name: 'admin' } }))).status).toBe(
      403,
    );
    const disable = admin.call('updateUser', {
      params: { name: 'admin' },
      body: { isEnabled: false },
    });
    expect((await failure(disable)).status).toBe(403);
    expect((await admin.call<{ user: string }>('getCurrentSession')).body.user).toBe('admin');
  });

  it('lists and ends sessions, creates, lists and revokes tokens (a revoked token is 401), and logs out', async () => {
    const f = await start();
    const admin = await f.login('admin', adminPassword);
    await admin.call('createUser', { body: { name: 'bob', password: 'bob password' } });
    await admin.call('createUser', { body: { name: 'carol', password: 'carol password' } });
    const bob = await f.login('bob', 'bob password');
    const bobSession = (await bob.call<{ id: string }>('getCurrentSession')).body.id;
    const sessions = await admin.call<{ sessions: Array<{ id: string; user: string }> }>(
      'listSessions',
    );
    expect(sessions.body.sessions).toContainEqual(
      expect.objectContaining({ id: bobSession, user: 'bob' }),
    );
    expect((await failure(bob.call('listSessions'))).status).toBe(403);
    expect((await admin.call('endSession', { params: { id: bobSession } })).status).toBe(204);
    expect((await failure(bob.call('getCurrentSession'))).status).toBe(401);
    expect((await failure(admin.call('endSession', { params: { id: bobSession } }))).status).toBe(
      404,
    );

    const bob2 = await f.login('bob', 'bob password');
    const made = await bob2.call<{ token: string; info: { id: string } }>('createToken', {
      body: { name: 'script', expiresInDays: 1 },
    });
    expect(made.status).toBe(201);
    const script = new ApiClient({ baseUrl: f.url, token: made.body.token });
    expect((await script.call<{ via: string }>('getCurrentSession')).body.via).toBe('token');
    const ids = async (api: ApiClient, all?: boolean) =>
      (
        await api.call<{ tokens: Array<{ id: string }> }>('listTokens', {
          query: all === undefined ? {} : { all },
        })
      ).body.tokens.map((t) => t.id);
    expect(await ids(bob2)).toEqual([made.body.info.id]);
    expect(await ids(admin)).toEqual([]);
    expect(await ids(admin, true)).toEqual([made.body.info.id]);
    expect((await failure(ids(bob2, true))).status).toBe(403);
    expect(errorStatuses(operation('listTokens'))).toContain(403);
    const carol = await f.login('carol', 'carol password');
    const id = made.body.info.id;
    expect((await failure(carol.call('revokeToken', { params: { id } }))).status).toBe(403);
    expect((await bob2.call('revokeToken', { params: { id } })).status).toBe(204);
    expect((await failure(script.call('getCurrentSession'))).status).toBe(401);
    expect((await failure(bob2.call('revokeToken', { params: { id } }))).status).toBe(404);

    expect((await bob2.call('logOut')).status).toBe(204);
    expect((await failure(bob2.call('getCurrentSession'))).status).toBe(401);
  });
});
