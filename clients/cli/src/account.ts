import { ApiClient } from '@chamber/api';
import { ChamberError, Code, isChamberError } from '@chamber/errors';
import os from 'node:os';
import {
  askSecret,
  show,
  type AreaExtension,
  type Composite,
  type Context,
  type RestCall,
} from './program.js';
import {
  credentialsPath,
  deleteCredentials,
  readCredentials,
  writeCredentials,
} from './credentials.js';
import { apiUrl, callRest, restClient, unreachable } from './rest.js';

/** What the CLI reads of a session: whose it is, and whether its password must be set first. */
interface Session {
  readonly user?: string;
  readonly mustSetPassword?: boolean;
}

/** The `token` area: bearer tokens for scripts. */
export const tokenArea: AreaExtension = {
  summary: 'bearer tokens for scripts',
  commands: {
    create: {
      print: (ctx, body) => {
        const { token, info } = body as { token?: string; info?: { id?: string } };
        show(ctx, body, [token ?? '', `(token ${info?.id ?? '?'}: shown this once, keep it safe)`]);
      },
    },
  },
};

/** The `user` area: accounts and their rights. */
export const userArea: AreaExtension = {
  summary: 'users and their rights',
  commands: {
    passwd: {
      summary:
        "set a password: one's own (asks for the current one, except for the first after chamber login --token), or anyone's with manage_accounts; asks for the new one (twice on a terminal)",
      run: setPassword,
    },
  },
};

/**
 * `chamber user passwd NAME`: changePassword. The current password is asked
 * for only when it is needed — for one's own, unless the session says
 * `mustSetPassword` (a one-time login whose password is still the generated
 * one nobody was shown) — then the new one (twice on a terminal, one line of
 * stdin otherwise).
 */
async function setPassword(ctx: Context, route: RestCall): Promise<void> {
  const name = String(ctx.values['name']);
  const client = await restClient(ctx);
  const me = (await callRest(ctx, client, 'getCurrentSession', {})).body as Session;
  const isFirst = me.user === name && me.mustSetPassword === true;
  const currentPassword =
    me.user === name && !isFirst ? await askSecret(ctx, 'currentPassword') : undefined;
  const password = await askSecret(ctx, 'password', 'new password: ', 'repeat the new password: ');
  const ifMatch = ctx.options['ifMatch'] as string | undefined;
  await route.call(ctx, {
    params: { name },
    body: { password, ...(currentPassword === undefined ? {} : { currentPassword }) },
    ...(ifMatch === undefined ? {} : { ifMatch }),
  });
  const next = isFirst ? `; log in with: chamber login --user ${name}` : '';
  show(ctx, { user: name, isPasswordSet: true }, `password of ${name} set${next}`);
}

/** The id of a bearer token `chm_<id>_<secret>`: what revokeToken takes. */
export function tokenId(token: string): string | undefined {
  return /^chm_([A-Za-z0-9.-]+)_/.exec(token)?.[1];
}

/**
 * `chamber login`: a composite of table routes — logIn (with a password or a
 * one-time login token), createToken with that session (named
 * `cli@<hostname>`), then logOut of the session — storing the token (see
 * `writeCredentials`). A previous login's token is revoked.
 */
export const loginCommand: Composite = {
  summary: 'log in and store a bearer token for the commands that follow',
  options: [
    { flags: '--user <NAME>', description: 'the user name' },
    {
      flags: '--token <T>',
      description: 'a one-time login token (from the first-run URL) instead of a password',
    },
  ],
  validate: (ctx) =>
    ctx.options['user'] === undefined && ctx.options['token'] === undefined
      ? 'login needs --user NAME (the password is asked for), or --token T'
      : undefined,
  async run(ctx) {
    const previous = await readCredentials(ctx.env);
    const url = apiUrl(ctx, previous);
    const anonymous = new ApiClient({ baseUrl: url });
    const oneTime = ctx.options['token'] as string | undefined;
    const user = ctx.options['user'] as string | undefined;
    const password = oneTime === undefined ? await askSecret(ctx, 'password') : undefined;
    const session = await anonymous
      .call<Session>('logIn', {
        body: oneTime === undefined ? { user, password } : { token: oneTime },
        signal: ctx.signal,
      })
      .catch((error: unknown) => {
        throw unreachable(error);
      });
    const cookie = session.headers.get('set-cookie')?.split(';')[0];
    if (cookie === undefined) {
      throw new ChamberError(Code.Internal, `${url} answered the log-in without a session cookie`);
    }
    const authed = new ApiClient({ baseUrl: url, cookie });
    const created = await authed.call<{ token: string }>('createToken', {
      body: { name: `cli@${os.hostname()}` },
      signal: ctx.signal,
    });
    await authed.call('logOut', { signal: ctx.signal });
    if (previous !== undefined) await revoke(ctx, previous.url, previous.token);
    const who = session.body.user ?? user ?? '?';
    const file = await writeCredentials(ctx.env, { url, token: created.body.token, user: who });
    show(ctx, { url, user: who, file }, [
      `logged in to ${url} as ${who}; token stored in ${file}`,
      ...(session.body.mustSetPassword === true
        ? [`now set a password: chamber user passwd ${who} (asks only for the new one)`]
        : []),
    ]);
  },
};

/** `chamber logout`: revokeToken of the stored token, then deletes the stored file. */
export const logoutCommand: Composite = {
  summary: 'revoke the stored token and forget it',
  async run(ctx) {
    const stored = await readCredentials(ctx.env);
    if (stored === undefined) {
      ctx.print('not logged in');
      return;
    }
    await revoke(ctx, stored.url, stored.token);
    await deleteCredentials(ctx.env);
    ctx.print(`logged out of ${stored.url}; removed ${credentialsPath(ctx.env) ?? ''}`);
  },
};

/** Revokes `token` with itself; one already revoked or expired is fine. */
async function revoke(ctx: Context, url: string, token: string): Promise<void> {
  const id = tokenId(token);
  if (id === undefined) return;
  try {
    await new ApiClient({ baseUrl: url, token }).call('revokeToken', {
      params: { id },
      signal: ctx.signal,
    });
  } catch (error) {
    const code = isChamberError(error) ? error.code : undefined;
    if (code !== Code.Unauthenticated && code !== Code.NotFound) throw error;
  }
}
