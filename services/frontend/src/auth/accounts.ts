import { randomInt } from 'node:crypto';
import type { Right } from '@chamber/api';
import { ChamberError, Code } from '@chamber/errors';
import {
  cmp,
  maxTxnOps,
  op,
  updateRecord,
  type Codec,
  type Op,
  type Store,
  type WatchHandle,
} from '@chamber/store';
import { keys } from '@chamber/world';
import { isCurrentCredential, type Credentials } from '../domain/passwords.js';
import { digestsEqual, hashSecret, newId, newSecret } from './secrets.js';

/**
 * `users/<name>`: a user. Its password only as a slow KDF hash. Its
 * {@link Credentials} say which of its sessions and tokens still
 * authenticate: a password change moves them on in the same write.
 */
export interface UserRecord extends Credentials {
  readonly name: string;
  readonly passwordHash: string;
  readonly rights: readonly Right[];
  readonly isBuiltIn: boolean;
  readonly isEnabled: boolean;
  readonly createdAt: string;
  /** The first-run password was generated and never changed: a login URL is offered. */
  readonly isPasswordGenerated: boolean;
}

/** `sessions/<id>`: a browser session. Only the secret's hash is stored. */
export interface SessionRecord {
  readonly id: string;
  readonly secretHash: string;
  readonly user: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly address: string;
  /** Its user's credentials generation when it was opened (absent in older records: 0). */
  readonly generation?: number;
  /**
   * Opened by redeeming a one-time login token: it may set its user's first
   * password without the generated one (absent in records of older versions).
   */
  readonly isOneTimeLogin?: boolean;
}

/** `tokens/<id>`: a bearer token for scripts, or a one-time login token. */
export interface TokenRecord {
  readonly id: string;
  readonly kind: 'bearer' | 'login';
  readonly name: string;
  readonly user: string;
  readonly secretHash: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  /** Its user's credentials generation when it was made (absent in older records: 0). */
  readonly generation?: number;
  /**
   * A bearer token made by a session or token of a one-time login: it
   * inherits that standing (see {@link SessionRecord.isOneTimeLogin}).
   */
  readonly isOneTimeLogin?: boolean;
}

/** A record with the store revision it was read at (the ETag of users). */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

/** Who is calling, once authenticated. */
export interface Caller {
  readonly user: UserRecord;
  readonly via: 'cookie' | 'token';
  /** The session's or the token's id. */
  readonly id: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly address: string;
  /** It comes from a one-time login (see {@link SessionRecord.isOneTimeLogin}). */
  readonly isOneTimeLogin: boolean;
  /** The user's credentials generation it authenticated in: what the tokens it makes carry. */
  readonly generation: number;
}

/** The prefixes of the accounts' records, each mirrored by a watch of its own. */
const prefixes = [keys.usersPrefix, keys.sessionsPrefix, keys.tokensPrefix] as const;
const tokenPattern = /^chm_([0-9a-f]{18})_([A-Za-z0-9_-]{43})$/;
const cookiePattern = /^([0-9a-f]{18})\.([A-Za-z0-9_-]{43})$/;

/**
 * Users, sessions and tokens, stored in etcd (`users/`, `sessions/`,
 * `tokens/`, bookkeeping keys a reset keeps) and mirrored in memory by a
 * watch, so authenticating a request costs no store read and every replica
 * of the frontend sees the same accounts. Sessions and tokens carry an etcd
 * lease of their lifetime, so etcd deletes them when they expire.
 */
export class Accounts {
  private readonly store: Store;
  private readonly records = new Map<string, Versioned<unknown>>();
  /** Revisions of deletions, so an older event cannot bring a record back. */
  private readonly deletedAt = new Map<string, number>();
  private readonly watches: WatchHandle[] = [];

  private constructor(store: Store) {
    this.store = store;
  }

  /** Loads every account record and follows changes. */
  static async open(store: Store): Promise<Accounts> {
    const accounts = new Accounts(store);
    const revision = await store.currentRevision();
    for (const prefix of prefixes) {
      const { entries } = await store.listRaw(prefix, { revision });
      for (const e of entries) accounts.apply(e.key, e.value, e.modRevision);
      accounts.watches.push(
        // Its own watch of each prefix: the frontend receives no other key's changes.
        await store.watch(
          prefix,
          {
            fromRevision: revision + 1,
            isShared: false,
            onCompacted: () => accounts.reload(prefix),
          },
          (events) => {
            for (const e of events) accounts.apply(e.key, e.value, e.modRevision);
          },
        ),
      );
    }
    return accounts;
  }

  /** Stops following changes. */
  async close(): Promise<void> {
    await Promise.all(this.watches.splice(0).map((w) => w.cancel()));
  }

  /** The user `name`, or undefined. */
  user(name: string): Versioned<UserRecord> | undefined {
    return this.get<UserRecord>(keys.user(name));
  }

  /** Every user, by name. */
  users(): Versioned<UserRecord>[] {
    return this.all<UserRecord>(keys.usersPrefix);
  }

  /** Open sessions, oldest first. */
  sessions(): SessionRecord[] {
    return this.all<SessionRecord>(keys.sessionsPrefix)
      .map((v) => v.value)
      .filter((s) => !isExpired(s.expiresAt) && this.isCurrent(s))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Unexpired bearer tokens (of `user`, or everyone's), oldest first. */
  tokens(user?: string): TokenRecord[] {
    return this.all<TokenRecord>(keys.tokensPrefix)
      .map((v) => v.value)
      .filter((t) => t.kind === 'bearer' && !isExpired(t.expiresAt) && this.isCurrent(t))
      .filter((t) => user === undefined || t.user === user)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** A token record by id (either kind), or undefined. */
  token(id: string): TokenRecord | undefined {
    return this.get<TokenRecord>(keys.token(id))?.value;
  }

  /** A session record by id, or undefined. */
  session(id: string): SessionRecord | undefined {
    return this.get<SessionRecord>(keys.session(id))?.value;
  }

  /**
   * Creates a user; `AlreadyExists` when the name is taken. Its credentials
   * generation starts at a random number, so a session or token left behind
   * by an earlier user of the same name never authenticates as this one.
   */
  async createUser(created: UserRecord): Promise<Versioned<UserRecord>> {
    const user = { ...created, credentialsGeneration: randomInt(1, 2 ** 47) };
    const key = keys.user(user.name);
    const res = await this.store.txn([cmp.absent(key)], [putJson(key, user)]);
    if (!res.succeeded) {
      throw new ChamberError(Code.AlreadyExists, `user "${user.name}" already exists`);
    }
    return this.applyLocal(key, user, res.revision);
  }

  /**
   * Replaces the user `name` by `change(current)`. With `ifMatch` (a
   * revision), changes nothing and fails `Aborted` unless the record still
   * has it. `NotFound` when there is no such user.
   */
  async updateUser(
    name: string,
    change: (current: UserRecord) => UserRecord,
    ifMatch?: number,
  ): Promise<Versioned<UserRecord>> {
    const key = keys.user(name);
    const { value, revision } = await updateRecord(this.store, userJson, key, (current) => {
      if (current === undefined) throw notFound('user', name);
      if (ifMatch !== undefined && current.modRevision !== ifMatch) throw stale('user', name);
      return change(current.value);
    });
    return this.applyLocal(key, value, revision);
  }

  /** Deletes the user `name` with its sessions and tokens (guarded like {@link updateUser}). */
  async deleteUser(name: string, ifMatch?: number): Promise<void> {
    const key = keys.user(name);
    const current = this.user(name);
    if (current === undefined) throw notFound('user', name);
    const revision = ifMatch ?? current.revision;
    const res = await this.store.txn([cmp.modRevision(key, '==', revision)], [op.delete(key)]);
    if (!res.succeeded) {
      if (ifMatch !== undefined) throw stale('user', name);
      throw new ChamberError(Code.Aborted, `user "${name}" changed meanwhile; try again`);
    }
    this.applyLocal(key, undefined, res.revision);
    // Without the user they no longer authenticate; deleting them is tidying.
    const owned = [
      ...this.all<SessionRecord>(keys.sessionsPrefix)
        .filter((s) => s.value.user === name)
        .map((s) => keys.session(s.value.id)),
      ...this.all<TokenRecord>(keys.tokensPrefix)
        .filter((t) => t.value.user === name)
        .map((t) => keys.token(t.value.id)),
    ];
    await this.deleteKeys(owned);
  }

  /**
   * Deletes the sessions and tokens of `user` that no longer authenticate
   * since its password changed (see {@link Credentials}); they no longer
   * work already, so this is tidying: they leave the lists and the store.
   */
  async endStaleCredentials(user: string): Promise<void> {
    const record = this.user(user)?.value;
    if (record === undefined) return;
    const stale = (c: { user: string; id: string; generation?: number }) =>
      c.user === user && !isCurrentCredential(record, c);
    await this.deleteKeys([
      ...this.all<SessionRecord>(keys.sessionsPrefix)
        .filter((s) => stale(s.value))
        .map((s) => keys.session(s.value.id)),
      ...this.all<TokenRecord>(keys.tokensPrefix)
        .filter((t) => stale(t.value))
        .map((t) => keys.token(t.value.id)),
    ]);
  }

  /**
   * Opens a session for `user` in its credentials `generation` (that of the
   * user record whose password or token was checked: a password changed
   * since ends it at once); `isOneTimeLogin` when a one-time login token
   * opened it. Resolves with the cookie value and the record.
   */
  async openSession(
    user: string,
    generation: number,
    hours: number,
    address: string,
    isOneTimeLogin = false,
  ): Promise<{ cookie: string; session: SessionRecord }> {
    const id = newId();
    const secret = newSecret();
    const now = new Date();
    const session: SessionRecord = {
      id,
      secretHash: hashSecret(secret),
      user,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString(),
      address,
      generation,
      isOneTimeLogin,
    };
    await this.putWithLifetime(keys.session(id), session, hours * 3600);
    return { cookie: `${id}.${secret}`, session };
  }

  /** Ends the session `id`; `NotFound` when there is none. */
  async endSession(id: string): Promise<void> {
    await this.remove(keys.session(id), 'session', id);
  }

  /**
   * Creates a token of `kind` for `user` in its credentials `generation`
   * (the caller's, {@link Caller.generation}), lasting `hours`
   * (`isOneTimeLogin` when a one-time login's session or token makes it);
   * resolves with the secret string (`chm_<id>_<secret>`, shown once) and
   * the record.
   */
  async createToken(
    user: string,
    generation: number,
    kind: TokenRecord['kind'],
    name: string,
    hours: number,
    isOneTimeLogin = false,
  ): Promise<{ token: string; record: TokenRecord }> {
    const id = newId();
    const secret = newSecret();
    const now = new Date();
    const record: TokenRecord = {
      id,
      kind,
      name,
      user,
      secretHash: hashSecret(secret),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString(),
      generation,
      isOneTimeLogin,
    };
    await this.putWithLifetime(keys.token(id), record, hours * 3600);
    return { token: `chm_${id}_${secret}`, record };
  }

  /** Revokes the token `id`; `NotFound` when there is none. */
  async revokeToken(id: string): Promise<void> {
    await this.remove(keys.token(id), 'token', id);
  }

  /**
   * Redeems a one-time login token: deletes it (so it works once, even
   * across replicas) and resolves with its user and the user's credentials
   * generation, or undefined when it is unknown, expired, already used, not
   * a login token, or made before the user's password last changed.
   */
  async redeemLoginToken(token: string): Promise<{ user: string; generation: number } | undefined> {
    const parsed = tokenPattern.exec(token);
    if (parsed === null) return undefined;
    const key = keys.token(parsed[1] ?? '');
    const entry = this.get<TokenRecord>(key);
    if (entry === undefined || entry.value.kind !== 'login' || isExpired(entry.value.expiresAt)) {
      return undefined;
    }
    const user = this.user(entry.value.user)?.value;
    if (user === undefined || !this.isCurrent(entry.value)) return undefined;
    if (!digestsEqual(hashSecret(parsed[2] ?? ''), entry.value.secretHash)) return undefined;
    const res = await this.store.txn(
      [cmp.modRevision(key, '==', entry.revision)],
      [op.delete(key)],
    );
    if (!res.succeeded) return undefined;
    this.applyLocal(key, undefined, res.revision);
    return { user: entry.value.user, generation: user.credentialsGeneration ?? 0 };
  }

  /**
   * Who a request comes from: its bearer token (`Authorization: Bearer
   * chm_…`) or its session cookie. Undefined when neither is valid (unknown,
   * expired, or the user is gone or disabled).
   */
  authenticate(credentials: { bearer?: string; cookie?: string }): Caller | undefined {
    if (credentials.bearer !== undefined) {
      const m = tokenPattern.exec(credentials.bearer);
      const t = m === null ? undefined : this.token(m[1] ?? '');
      if (m === null || t === undefined || t.kind !== 'bearer') return undefined;
      return this.caller(t, m[2] ?? '', 'token', '');
    }
    if (credentials.cookie !== undefined) {
      const m = cookiePattern.exec(credentials.cookie);
      const s = m === null ? undefined : this.session(m[1] ?? '');
      if (m === null || s === undefined) return undefined;
      return this.caller(s, m[2] ?? '', 'cookie', s.address);
    }
    return undefined;
  }

  private caller(
    record: SessionRecord | TokenRecord,
    secret: string,
    via: Caller['via'],
    address: string,
  ): Caller | undefined {
    if (isExpired(record.expiresAt) || !digestsEqual(hashSecret(secret), record.secretHash)) {
      return undefined;
    }
    const user = this.user(record.user)?.value;
    if (user === undefined || !user.isEnabled || !isCurrentCredential(user, record)) {
      return undefined;
    }
    return {
      user,
      via,
      id: record.id,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      address,
      isOneTimeLogin: record.isOneTimeLogin === true,
      generation: user.credentialsGeneration ?? 0,
    };
  }

  /** Whether a session or token still authenticates as far as its user's password goes. */
  private isCurrent(credential: SessionRecord | TokenRecord): boolean {
    const user = this.user(credential.user)?.value;
    return user !== undefined && isCurrentCredential(user, credential);
  }

  /** Deletes `doomed` (in transactions of at most {@link maxTxnOps}); gone ones are no error. */
  private async deleteKeys(doomed: readonly string[]): Promise<void> {
    for (let i = 0; i < doomed.length; i += maxTxnOps) {
      const chunk = doomed.slice(i, i + maxTxnOps);
      const done = await this.store.txn(
        [],
        chunk.map((k) => op.delete(k)),
      );
      for (const k of chunk) this.applyLocal(k, undefined, done.revision);
    }
  }

  private async putWithLifetime(key: string, value: unknown, seconds: number): Promise<void> {
    // Not kept alive: etcd deletes the key when the lifetime is over.
    const lease = await this.store.grantLease(Math.max(1, Math.ceil(seconds)), {
      isKeptAlive: false,
    });
    const res = await this.store.txn(
      [],
      [{ type: 'put', key, value: JSON.stringify(value), lease: lease.id }],
    );
    this.applyLocal(key, value, res.revision);
  }

  private async remove(key: string, what: string, id: string): Promise<void> {
    const entry = this.get(key);
    if (entry === undefined) throw notFound(what, id);
    const res = await this.store.txn([cmp.exists(key)], [op.delete(key)]);
    if (!res.succeeded) throw notFound(what, id);
    this.applyLocal(key, undefined, res.revision);
  }

  private get<T>(key: string): Versioned<T> | undefined {
    return this.records.get(key) as Versioned<T> | undefined;
  }

  private all<T>(prefix: string): Versioned<T>[] {
    const out: Versioned<T>[] = [];
    for (const [key, v] of this.records) if (key.startsWith(prefix)) out.push(v as Versioned<T>);
    return out.sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  }

  private applyLocal<T>(key: string, value: T, revision: number): Versioned<T> {
    this.apply(key, value === undefined ? undefined : value, revision);
    return { value, revision };
  }

  /**
   * The watch of `prefix` fell behind a compaction (the frontend lost etcd
   * meanwhile): its records are read again, as a restart would. Resolves
   * with the revision read at, where the watch resumes.
   */
  private async reload(prefix: string): Promise<number> {
    const { entries, revision } = await this.store.listRaw(prefix);
    const stored = new Set(entries.map((e) => e.key));
    for (const key of [...this.records.keys()]) {
      if (key.startsWith(prefix) && !stored.has(key)) this.apply(key, undefined, revision);
    }
    for (const e of entries) this.apply(e.key, e.value, e.modRevision);
    return revision;
  }

  /** Applies a change seen at `revision`, unless a later one is already known. */
  private apply(key: string, value: unknown, revision: number): void {
    const known = Math.max(this.records.get(key)?.revision ?? 0, this.deletedAt.get(key) ?? 0);
    if (revision <= known) return;
    if (value === undefined) {
      this.records.delete(key);
      this.deletedAt.set(key, revision);
      return;
    }
    try {
      const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
      this.records.set(key, { value: parsed, revision });
      this.deletedAt.delete(key);
    } catch {
      // Not ours (written by hand): ignore rather than fail every request.
    }
  }
}

function keyOf(v: Versioned<unknown>): string {
  const value = v.value as { name?: string; id?: string };
  return value.name ?? value.id ?? '';
}

/** A user record as the JSON it is stored as (the text {@link putJson} writes). */
const userJson: Codec<UserRecord> = {
  fromJSON: (object) => object as UserRecord,
  toJSON: (user) => user,
};

function putJson(key: string, value: unknown): Op {
  return { type: 'put', key, value: JSON.stringify(value) };
}

function isExpired(expiresAt: string): boolean {
  return Date.parse(expiresAt) <= Date.now();
}

function notFound(what: string, id: string): ChamberError {
  return new ChamberError(Code.NotFound, `${what} "${id}" not found`);
}

function stale(what: string, id: string): ChamberError {
  return new ChamberError(
    Code.Aborted,
    `${what} "${id}" has changed since that ETag; read it again (nothing was changed)`,
  );
}
