import { describe, expect, it } from 'vitest';
import {
  withPasswordChanged,
  isCurrentCredential,
  mustSetPassword,
  passwordRule,
} from './passwords.js';

const admin = { name: 'admin', rights: ['manage_accounts' as const], isOneTimeLogin: false };
const alice = { name: 'alice', rights: [], isOneTimeLogin: false };

describe('passwordRule', () => {
  it('lets a one-time login set its own generated password without the current one', () => {
    const oneTime = { ...admin, isOneTimeLogin: true };
    expect(passwordRule(oneTime, { name: 'admin', isPasswordGenerated: true })).toBe('first');
    expect(mustSetPassword(oneTime, { isPasswordGenerated: true })).toBe(true);
  });

  it('asks for the current password once a password was set, or without a one-time login', () => {
    const oneTime = { ...admin, isOneTimeLogin: true };
    expect(passwordRule(oneTime, { name: 'admin', isPasswordGenerated: false })).toBe('own');
    expect(passwordRule(admin, { name: 'admin', isPasswordGenerated: true })).toBe('own');
    expect(mustSetPassword(oneTime, { isPasswordGenerated: false })).toBe(false);
    expect(mustSetPassword(admin, { isPasswordGenerated: true })).toBe(false);
  });

  it("needs manage_accounts for someone else's, even from a one-time login", () => {
    expect(passwordRule(admin, { name: 'alice', isPasswordGenerated: false })).toBe('other');
    expect(passwordRule(alice, { name: 'admin', isPasswordGenerated: true })).toBe('denied');
    const oneTimeAlice = { ...alice, isOneTimeLogin: true };
    expect(passwordRule(oneTimeAlice, { name: 'admin', isPasswordGenerated: true })).toBe('denied');
  });
});

describe('credentials after a password change', () => {
  const before = { credentialsGeneration: 3 };
  const old = { id: 'old-session', generation: 3 };
  const mine = { id: 'my-session', generation: 3 };

  it('ends every earlier session and token of the user but the one that changed its own password', () => {
    const after = withPasswordChanged(before, 'own', mine.id);
    expect(isCurrentCredential(after, old)).toBe(false);
    expect(isCurrentCredential(after, mine)).toBe(true);
    expect(isCurrentCredential(after, { id: 'new', generation: 4 })).toBe(true);
    // Changed again by another one: the first one ends too.
    const again = withPasswordChanged(after, 'own', 'new');
    expect(isCurrentCredential(again, mine)).toBe(false);
    expect(isCurrentCredential(again, { id: 'new', generation: 4 })).toBe(true);
    expect(isCurrentCredential(withPasswordChanged(before, 'first', mine.id), mine)).toBe(true);
  });

  it("keeps none of the user's after an admin's reset", () => {
    const after = withPasswordChanged(before, 'other', 'admin-session');
    expect(isCurrentCredential(after, old)).toBe(false);
    expect(isCurrentCredential(after, { id: 'admin-session', generation: 3 })).toBe(false);
  });

  it('counts records of older versions (no generation) as generation 0', () => {
    expect(isCurrentCredential({}, { id: 'x' })).toBe(true);
    expect(isCurrentCredential(withPasswordChanged({}, 'other', ''), { id: 'x' })).toBe(false);
  });
});
