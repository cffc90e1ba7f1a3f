import type { Right } from '@chamber/api';

/** The caller, as far as the password rule needs it. */
export interface PasswordCaller {
  readonly name: string;
  readonly rights: readonly Right[];
  /** Its session or token comes from a one-time login URL. */
  readonly isOneTimeLogin: boolean;
}

/** The user whose password is to be set, as far as the rule needs it. */
export interface PasswordSubject {
  readonly name: string;
  /** Its password is still the generated first-run one, which nobody was shown. */
  readonly isPasswordGenerated: boolean;
}

/**
 * How a caller may set a user's password:
 * - `first`: its own, still generated, from a one-time login — no current
 *   password (nobody knows it); once only, since setting it ends the state;
 * - `own`: its own otherwise — the current password is required;
 * - `other`: someone else's, with `manage_accounts` — no current password;
 * - `denied`: someone else's without `manage_accounts`.
 */
export type PasswordRule = 'first' | 'own' | 'other' | 'denied';

/** The {@link PasswordRule} for `caller` setting the password of `subject`. */
export function passwordRule(caller: PasswordCaller, subject: PasswordSubject): PasswordRule {
  if (caller.name !== subject.name) {
    return caller.rights.includes('manage_accounts') ? 'other' : 'denied';
  }
  return subject.isPasswordGenerated && caller.isOneTimeLogin ? 'first' : 'own';
}

/**
 * Whether `caller` is to set its own first password now: it logged in with a
 * one-time login URL and its password is still the generated one.
 */
export function mustSetPassword(
  caller: PasswordCaller,
  user: Pick<PasswordSubject, 'isPasswordGenerated'>,
): boolean {
  return passwordRule(caller, { ...user, name: caller.name }) === 'first';
}

/**
 * Which of a user's sessions and tokens authenticate: those made in its
 * current credentials generation, and the one that last changed its own
 * password. Fields absent in records of older versions count as 0 / none.
 */
export interface Credentials {
  /** Moves on every password change or reset. */
  readonly credentialsGeneration?: number;
  /** The session or token (id) that made the last change of its own password ('' for none). */
  readonly keptCredential?: string;
}

/** A session or token, as far as {@link isCurrentCredential} needs it. */
export interface Credential {
  readonly id: string;
  /** The user's credentials generation when it was made. */
  readonly generation?: number;
}

/**
 * Whether `credential` still authenticates for `user`: made in its current
 * generation, or the one that changed its own password last.
 */
export function isCurrentCredential(user: Credentials, credential: Credential): boolean {
  return (
    (credential.generation ?? 0) === (user.credentialsGeneration ?? 0) ||
    credential.id === user.keptCredential
  );
}

/**
 * `user` after its password is set under `rule` by the session or token
 * `callerId`: in a new credentials generation, so every earlier session and
 * token stops authenticating — except the caller's own when it set its own
 * password (`own`, `first`), so whoever changed it stays logged in. An
 * admin's reset (`other`) keeps none of the user's.
 */
export function withPasswordChanged<U extends Credentials>(
  user: U,
  rule: Exclude<PasswordRule, 'denied'>,
  callerId: string,
): U {
  return {
    ...user,
    credentialsGeneration: (user.credentialsGeneration ?? 0) + 1,
    keptCredential: rule === 'other' ? '' : callerId,
  };
}
