import type { OperationId, Session, Token, User } from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import type { Logger } from '@chamber/telemetry';
import type { Accounts, Caller, UserRecord, Versioned } from '../auth/accounts.js';
import type { LoginLimiter } from '../domain/login-limiter.js';
import { hashPassword, verifyPassword } from '../auth/secrets.js';
import {
  mustSetPassword,
  passwordRule,
  withPasswordChanged,
  type PasswordCaller,
} from '../domain/passwords.js';
import {
  sessionCookie,
  signedInCookie,
  type Handlers,
  type RequestContext,
} from '../http/server.js';

/** What the account routes need. */
export interface AccountDeps {
  readonly accounts: Accounts;
  readonly limiter: LoginLimiter;
  readonly logger: Logger;
  readonly sessionHours: number;
  readonly limits: { readonly perUser: number; readonly perAddress: number };
  /** Whether the session cookie is marked Secure (when served over HTTPS). */
  readonly isSecure: boolean;
}

/** A user as the API shows it: never its password hash. */
export function userJson(user: Versioned<UserRecord>): User {
  const { name, rights, isBuiltIn, isEnabled, createdAt } = user.value;
  return { name, rights: [...rights], isBuiltIn, isEnabled, createdAt, revision: user.revision };
}

function callerJson(caller: Caller): Session {
  return {
    id: caller.id,
    user: caller.user.name,
    rights: [...caller.user.rights],
    via: caller.via,
    createdAt: caller.createdAt,
    expiresAt: caller.expiresAt,
    address: caller.address,
    mustSetPassword: mustSetPassword(passwordCaller(caller), caller.user),
  };
}

function passwordCaller(caller: Caller): PasswordCaller {
  return {
    name: caller.user.name,
    rights: caller.user.rights,
    isOneTimeLogin: caller.isOneTimeLogin,
  };
}

/** The ETag `If-Match` names as a revision; `undefined` for none or `*`. */
export function revisionOf(
  request: Pick<RequestContext<OperationId>, 'ifMatch'>,
  what: string,
): number | undefined {
  const tag = request.ifMatch;
  if (tag === undefined || tag === '*') return undefined;
  if (!/^[0-9]+$/.test(tag)) {
    throw new ChamberError(
      Code.Aborted,
      `If-Match "${tag}" is not an ETag of this ${what}; read it again (nothing was changed)`,
    );
  }
  return Number(tag);
}

function need(request: Pick<RequestContext<OperationId>, 'caller'>): Caller {
  if (request.caller === undefined) {
    throw new ChamberError(Code.Unauthenticated, 'log in first');
  }
  return request.caller;
}

function canManage(caller: Caller): boolean {
  return caller.user.rights.includes('manage_accounts');
}

function userNamed(deps: AccountDeps, name: string): Versioned<UserRecord> {
  const user = deps.accounts.user(name);
  if (user === undefined) throw new ChamberError(Code.NotFound, `user "${name}" not found`);
  return user;
}

/** The routes {@link accountHandlers} serves: sessions, tokens and users. */
export type AccountId =
  | 'logIn'
  | 'getCurrentSession'
  | 'logOut'
  | 'listSessions'
  | 'endSession'
  | 'createToken'
  | 'listTokens'
  | 'revokeToken'
  | 'listUsers'
  | 'createUser'
  | 'getUser'
  | 'updateUser'
  | 'deleteUser'
  | 'changePassword';

/** The handlers of the sessions, tokens and users routes. */
export function accountHandlers(deps: AccountDeps): Pick<Handlers, AccountId> {
  const { accounts, limiter } = deps;
  return {
    async logIn(request) {
      const { token, user: name, password } = request.input.body;
      const addressKey = `address:${request.address}`;
      const wait = Math.max(
        limiter.retryAfter(addressKey, deps.limits.perAddress),
        name === undefined ? 0 : limiter.retryAfter(`user:${name}`, deps.limits.perUser),
      );
      if (wait > 0) {
        throw new ChamberError(
          Code.ResourceExhausted,
          `too many failed log-ins; try again in ${wait} s`,
          {
            details: { retryAfter: wait, field: name === undefined ? 'token' : 'user' },
          },
        );
      }
      let user: { user: string; generation: number } | undefined;
      if (token !== undefined) {
        if (name !== undefined || password !== undefined) {
          throw new ChamberError(Code.InvalidArgument, 'give either token, or user and password', {
            details: { field: 'token' },
          });
        }
        user = await accounts.redeemLoginToken(token);
      } else {
        if (name === undefined || password === undefined) {
          throw new ChamberError(
            Code.InvalidArgument,
            `${name === undefined ? 'user' : 'password'}: is required (or give a one-time token)`,
            { details: { field: name === undefined ? 'user' : 'password' } },
          );
        }
        const record = accounts.user(name)?.value;
        // Hash even for an unknown user, so timing does not reveal which names exist.
        const isMatch = await verifyPassword(password, record?.passwordHash ?? dummyHash);
        // The session is of the generation whose password was checked: a
        // change meanwhile ends it at once.
        if (record !== undefined && isMatch && record.isEnabled) {
          user = { user: record.name, generation: record.credentialsGeneration ?? 0 };
        }
      }
      if (user === undefined) {
        limiter.fail(addressKey);
        if (name !== undefined) limiter.fail(`user:${name}`);
        // Only a known name is logged: a password typed into the name field must not be.
        const known = name !== undefined && accounts.user(name) !== undefined;
        deps.logger.info(
          { user: known ? name : '(unknown)', address: request.address },
          'log-in refused',
        );
        throw new ChamberError(
          Code.Unauthenticated,
          token !== undefined
            ? 'the login token is unknown, expired or already used'
            : 'wrong user name or password',
          // Which of the two is wrong is not told: the password is what to type again.
          { details: { field: token !== undefined ? 'token' : 'password' } },
        );
      }
      if (name !== undefined) limiter.forget(`user:${name}`);
      const { cookie, session } = await accounts.openSession(
        user.user,
        user.generation,
        deps.sessionHours,
        request.address,
        token !== undefined,
      );
      const lifetime = {
        sameSite: 'strict',
        secure: deps.isSecure,
        path: '/',
        expires: new Date(session.expiresAt),
        overwrite: true,
      } as const;
      request.koa.cookies.set(sessionCookie, cookie, { ...lifetime, httpOnly: true });
      // No secret: tells the dashboard a session may exist, so it does not
      // ask (and draw a 401 in the console) when none does.
      request.koa.cookies.set(signedInCookie, '1', { ...lifetime, httpOnly: false });
      deps.logger.info({ user: user.user, session: session.id }, 'logged in');
      const caller = accounts.authenticate({ cookie });
      if (caller === undefined) throw new ChamberError(Code.Internal, 'the new session is unknown');
      return { body: callerJson(caller) };
    },

    getCurrentSession(request) {
      return { body: callerJson(need(request)) };
    },

    async logOut(request) {
      const caller = need(request);
      if (caller.via === 'cookie') await accounts.endSession(caller.id).catch(() => undefined);
      for (const name of [sessionCookie, signedInCookie]) {
        request.koa.cookies.set(name, '', { sameSite: 'strict', path: '/', maxAge: 0 });
      }
      return {};
    },

    listSessions() {
      return {
        body: {
          sessions: accounts.sessions().map((s) => ({
            id: s.id,
            user: s.user,
            rights: [...(accounts.user(s.user)?.value.rights ?? [])],
            via: 'cookie' as const,
            createdAt: s.createdAt,
            expiresAt: s.expiresAt,
            address: s.address,
          })),
        },
      };
    },

    async endSession(request) {
      await accounts.endSession(request.input.params.id);
      return {};
    },

    async createToken(request) {
      const caller = need(request);
      const { name, expiresInDays } = request.input.body;
      const { token, record } = await accounts.createToken(
        caller.user.name,
        caller.generation,
        'bearer',
        name,
        (expiresInDays ?? 90) * 24,
        caller.isOneTimeLogin,
      );
      deps.logger.info({ user: caller.user.name, token: record.id }, 'bearer token created');
      return { body: { token, info: tokenJson(record) } };
    },

    listTokens(request) {
      const caller = need(request);
      const isAll = request.input.query.all === true;
      if (isAll && !canManage(caller)) {
        throw new ChamberError(
          Code.PermissionDenied,
          'listing every user\'s tokens needs the right "manage_accounts"',
        );
      }
      return {
        body: { tokens: accounts.tokens(isAll ? undefined : caller.user.name).map(tokenJson) },
      };
    },

    async revokeToken(request) {
      const caller = need(request);
      const { id } = request.input.params;
      const token = accounts.token(id);
      if (token === undefined || token.kind !== 'bearer') {
        throw new ChamberError(Code.NotFound, `token "${id}" not found`);
      }
      if (token.user !== caller.user.name && !canManage(caller)) {
        throw new ChamberError(
          Code.PermissionDenied,
          `token "${id}" is not yours; revoking it needs the right "manage_accounts"`,
        );
      }
      await accounts.revokeToken(id);
      return {};
    },

    listUsers() {
      return { body: { users: accounts.users().map(userJson) } };
    },

    async createUser(request) {
      const { name, password, rights = [] } = request.input.body;
      const user = await accounts.createUser({
        name,
        passwordHash: await hashPassword(password),
        rights,
        isBuiltIn: false,
        isEnabled: true,
        createdAt: new Date().toISOString(),
        isPasswordGenerated: false,
      });
      deps.logger.info({ user: name, by: request.caller?.user.name }, 'user created');
      return { body: userJson(user), etag: user.revision };
    },

    getUser(request) {
      const caller = need(request);
      const { name } = request.input.params;
      if (name !== caller.user.name && !canManage(caller)) {
        throw new ChamberError(
          Code.PermissionDenied,
          `reading user "${name}" needs the right "manage_accounts"`,
        );
      }
      const user = userNamed(deps, name);
      return { body: userJson(user), etag: user.revision };
    },

    async updateUser(request) {
      const { name } = request.input.params;
      const { rights, isEnabled } = request.input.body;
      const current = userNamed(deps, name);
      if (
        current.value.isBuiltIn &&
        (isEnabled === false || (rights !== undefined && !rights.includes('manage_accounts')))
      ) {
        throw new ChamberError(
          Code.PermissionDenied,
          'the built-in admin cannot be disabled or lose manage_accounts',
        );
      }
      const user = await accounts.updateUser(
        name,
        (u) => ({
          ...u,
          ...(rights === undefined ? {} : { rights }),
          ...(isEnabled === undefined ? {} : { isEnabled }),
        }),
        revisionOf(request, 'user'),
      );
      deps.logger.info({ user: name, by: request.caller?.user.name }, 'user changed');
      return { body: userJson(user), etag: user.revision };
    },

    async deleteUser(request) {
      const { name } = request.input.params;
      if (userNamed(deps, name).value.isBuiltIn) {
        throw new ChamberError(
          Code.PermissionDenied,
          `user "${name}" is the built-in admin and cannot be deleted`,
        );
      }
      await accounts.deleteUser(name, revisionOf(request, 'user'));
      deps.logger.info({ user: name, by: request.caller?.user.name }, 'user deleted');
      return {};
    },

    async changePassword(request) {
      const caller = need(request);
      const { name } = request.input.params;
      const rule = passwordRule(passwordCaller(caller), {
        name,
        isPasswordGenerated: deps.accounts.user(name)?.value.isPasswordGenerated === true,
      });
      if (rule === 'denied') {
        throw new ChamberError(
          Code.PermissionDenied,
          `changing the password of "${name}" needs the right "manage_accounts"`,
        );
      }
      const user = userNamed(deps, name);
      if (rule === 'own') {
        const current = request.input.body.currentPassword;
        if (current === undefined) throw currentPasswordRequired();
        if (!(await verifyPassword(current, user.value.passwordHash))) {
          throw new ChamberError(Code.PermissionDenied, 'currentPassword: is wrong', {
            details: { field: 'currentPassword' },
          });
        }
      }
      const passwordHash = await hashPassword(request.input.body.password);
      const ifMatch = revisionOf(request, 'user');
      await accounts.updateUser(
        name,
        (u) => {
          // Checked again on the record the write is guarded on: a first
          // password is set once, even by two requests at the same time.
          if (rule === 'first' && !u.isPasswordGenerated) throw currentPasswordRequired();
          // In the same write: every other session and token of the user
          // (an old first-run URL too) stops working, on every replica.
          return withPasswordChanged(
            { ...u, passwordHash, isPasswordGenerated: false },
            rule,
            caller.id,
          );
        },
        ifMatch,
      );
      await accounts.endStaleCredentials(name);
      deps.logger.info({ user: name, by: caller.user.name }, 'password changed');
      return {};
    },
  };
}

function currentPasswordRequired(): ChamberError {
  return new ChamberError(
    Code.InvalidArgument,
    'currentPassword: is required to change your own password (only a one-time login may set the first one without it)',
    { details: { field: 'currentPassword' } },
  );
}

function tokenJson(t: {
  id: string;
  name: string;
  user: string;
  createdAt: string;
  expiresAt: string;
}): Token {
  return { id: t.id, name: t.name, user: t.user, createdAt: t.createdAt, expiresAt: t.expiresAt };
}

// A valid hash of a random password, verified against when the user is
// unknown so that the answer takes as long as for a known one.
const dummyHash =
  'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
