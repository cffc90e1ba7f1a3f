import { describe, expect, it } from 'vitest';
import { mustSetPassword, passwordRule } from './passwords.js';

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
