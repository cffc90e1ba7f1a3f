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
